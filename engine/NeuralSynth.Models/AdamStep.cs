using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSynth.Models;

/// One update of a TorchSharp Adam or AdamW optimizer, the same arithmetic as its step(), with every Scalar held for
/// the span of the call that reads it.
///
/// TorchSharp's step() passes its betas, epsilon and step size as temporary Scalars, about seven per parameter per
/// step, which the GC may free while libtorch still reads them (see TorchScalars). The optimizer object still owns the
/// state and its file format (save_state_dict / load_state_dict), so checkpoints are unchanged; only the update runs
/// here. Supports what our trainers use: no AMSGrad, no maximize, no coupled (L2) weight decay in Adam.
public static class AdamStep
{
    public static void Step(Adam optimizer) => ForEachParameter(optimizer, (options, state, p) =>
    {
        var o = (Adam.Options)options;
        if (o.amsgrad == true || o.maximize == true || (o.weight_decay ?? 0) != 0)
            throw new NotSupportedException("AdamStep supports Adam without amsgrad, maximize or weight decay");
        var s = (Adam.State)state;
        s.step = Update(p, s.step, s.exp_avg, s.exp_avg_sq, o.LearningRate!.Value, o.beta1!.Value, o.beta2!.Value, o.eps!.Value, 0);
    });

    public static void Step(AdamW optimizer) => ForEachParameter(optimizer, (options, state, p) =>
    {
        var o = (AdamW.Options)options;
        if (o.amsgrad == true || o.maximize == true)
            throw new NotSupportedException("AdamStep supports AdamW without amsgrad or maximize");
        var s = (AdamW.State)state;
        s.step = Update(p, s.step, s.exp_avg, s.exp_avg_sq, o.LearningRate!.Value, o.beta1!.Value, o.beta2!.Value, o.eps!.Value,
            o.weight_decay ?? 0);
    });

    /// Each parameter with its group's options and its own state, in the order state_dict() lists them.
    static void ForEachParameter(OptimizerHelper optimizer, Action<OptimizerOptions, OptimizerState, Parameter> update)
    {
        var dict = optimizer.state_dict();
        int g = 0;
        foreach (var group in optimizer.ParamGroups)
        {
            var states = dict.StateIndexRef[g];
            var options = dict.Options[g++];
            int i = 0;
            foreach (var p in ((ParamGroup)group).Parameters) update(options, dict.State[states[i++]], p);
        }
    }

    /// Returns the parameter's new step count (unchanged when it has no gradient, as in TorchSharp).
    static long Update(Parameter p, long step, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2, double eps,
        double decoupledDecay)
    {
        using var noGrad = no_grad();
        using var grad = p.grad;
        if (grad is null) return step;
        step++;
        if (decoupledDecay != 0)
        {
            using var keep = (1 - lr * decoupledDecay).ToScalar();
            p.mul_(keep);
        }
        double correction1 = 1 - Math.Pow(beta1, step), correction2 = 1 - Math.Pow(beta2, step);
        using Scalar b1 = beta1.ToScalar(), oneMinusB1 = (1 - beta1).ToScalar(), b2 = beta2.ToScalar(),
            oneMinusB2 = (1 - beta2).ToScalar(), epsilon = eps.ToScalar(), sqrtCorrection2 = Math.Sqrt(correction2).ToScalar(),
            stepSize = (-(lr / correction1)).ToScalar();
        expAvg.mul_(b1).add_(grad, oneMinusB1);
        expAvgSq.mul_(b2).addcmul_(grad, grad, oneMinusB2);
        using var root = expAvgSq.sqrt();
        using var denominator = root.div(sqrtCorrection2);
        denominator.add_(epsilon, TorchScalars.SI(1));
        p.addcdiv_(expAvg, denominator, stepSize);
        return step;
    }
}
