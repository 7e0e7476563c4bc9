using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Gansynth;

/// A second critic (config plane_critic_weight) that judges the harmonic head's rows instead of its log-mel: each
/// harmonic row as heard (its level plus its band's filter gain, over its band's noise), against the real notes'
/// measured ones (PlaneTargets.Real / Generated). Why: the eval's judge hears each harmonic (n_fft 4096, two bins per semitone), while
/// the 80-band log-mel leaves a band's energy free to go to any of its harmonics; the generator's copies of its
/// training notes miss their measured rows by 10.5 dB on average (EVAL.md phase 17), and pulling each copy toward its
/// own note's rows (plane_weight) made the set no nearer the unseen test instruments. A critic asks instead that the
/// rows look like those of some real note of the pitch and velocity.
/// The same network shape as the log-mel critic (a Discriminator over the rows as heard) with a pitch and velocity projection.
public sealed class PlaneCritic : nn.Module<Tensor, Tensor, Tensor?, Tensor>
{
    readonly Discriminator critic;
    readonly ConditionProjection projection;

    public PlaneCritic(GansynthConfig cfg) : base("plane_critic")
    {
        critic = new Discriminator(cfg, 1, "critic");
        projection = new ConditionProjection(cfg);
        RegisterComponents();
    }

    /// rows: [B, 1, rows, frames] (PlaneTargets.Real / Generated). Returns the critic score [B].
    public override Tensor forward(Tensor planes, Tensor pitchOneHot, Tensor? velocityOneHot)
    {
        using var scope = NewDisposeScope();
        var (outputs, features) = critic.Judge(planes);
        return Add(outputs[.., 0], projection.forward(features, pitchOneHot, velocityOneHot)).MoveToOuterDisposeScope();
    }
}
