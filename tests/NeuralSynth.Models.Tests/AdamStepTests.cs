using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Tests;

/// AdamStep replaces TorchSharp's Adam/AdamW step() (whose temporary Scalars the GC may free mid-call) and must
/// compute exactly what it did: same parameters and same saved optimizer state after several steps, bit for bit.
public class AdamStepTests
{
    static (Parameter[] Ours, Parameter[] Theirs) TwinParameters()
    {
        using var rng = new TorchSharp.torch.Generator(5);
        var shapes = new long[][] { [8, 4, 3, 3], [8], [16, 5] };
        var ours = shapes.Select(s => new Parameter(randn(s, generator: rng))).ToArray();
        var theirs = ours.Select(p => new Parameter(p.detach().clone())).ToArray();
        return (ours, theirs);
    }

    static void SetGradients(Parameter[] ps, int step)
    {
        using var rng = new TorchSharp.torch.Generator((ulong)(100 + step));
        foreach (var p in ps)
        {
            using var g = randn(p.shape, generator: rng);
            p.grad = g.clone();
        }
    }

    static void AssertSame(Parameter[] a, Parameter[] b)
    {
        for (int i = 0; i < a.Length; i++)
            Assert.Equal(a[i].detach().data<float>().ToArray(), b[i].detach().data<float>().ToArray());
    }

    static byte[] SavedState(OptimizerHelper o)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) o.save_state_dict(w);
        return ms.ToArray();
    }

    /// Five steps of both optimizers on twin parameters with the same gradients (the learning rate lowered before the
    /// fourth, when asked), then the parameters and the saved states must be identical.
    static void AssertStepsMatch(Parameter[] ours, Parameter[] theirs, OptimizerHelper a, OptimizerHelper b, Action stepOurs,
        double? learningRateFromStep3 = null)
    {
        for (int step = 0; step < 5; step++)
        {
            if (step == 3 && learningRateFromStep3 is double lr)
                foreach (var g in a.ParamGroups.Concat(b.ParamGroups)) g.LearningRate = lr;
            SetGradients(ours, step);
            SetGradients(theirs, step);
            stepOurs();
#pragma warning disable RS0030 // the reference being replaced
            b.step();
#pragma warning restore RS0030
        }
        AssertSame(ours, theirs);
        Assert.Equal(SavedState(b), SavedState(a));
    }

    [Fact]
    public void AdamStepEqualsTorchSharpsAdam()
    {
        var (ours, theirs) = TwinParameters();
        using var a = optim.Adam(ours, 8e-4, 0.0, 0.99, 1e-8);
        using var b = optim.Adam(theirs, 8e-4, 0.0, 0.99, 1e-8);
        AssertStepsMatch(ours, theirs, a, b, () => AdamStep.Step(a), learningRateFromStep3: 2e-4);
    }

    [Fact]
    public void AdamWStepEqualsTorchSharpsAdamW()
    {
        var (ours, theirs) = TwinParameters();
        using var a = optim.AdamW(ours, 3e-3, weight_decay: 0.01);
        using var b = optim.AdamW(theirs, 3e-3, weight_decay: 0.01);
        AssertStepsMatch(ours, theirs, a, b, () => AdamStep.Step(a));
    }

    [Fact]
    public void ScalarCacheKeepsOneScalarPerConstantAndRefusesRunTimeValues()
    {
        Assert.Same(TorchScalars.S(0.25), TorchScalars.S(0.25));
        Assert.NotSame(TorchScalars.S(2.0), TorchScalars.SI(2));
        var cache = new ConstantScalars<double>(v => v.ToScalar(), 8);
        for (int i = 0; i < 8; i++) cache.Get(i);
        Assert.Same(cache.Get(3), cache.Get(3.0));
        var e = Assert.Throws<InvalidOperationException>(() => cache.Get(8));
        Assert.Contains("using", e.Message);
    }
}
