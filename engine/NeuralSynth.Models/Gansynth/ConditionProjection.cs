using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Gansynth;

/// The projection term of a conditional critic (Miyato & Koyama 2018): score(x, y) = psi(phi(x)) + <E y, phi(x)>,
/// with phi the discriminator's penultimate features and y the pitch and velocity one-hots. Without it the critic
/// judges "is this a real note" and only the auxiliary classifier speaks of the condition; AC-GAN's classifier
/// term is known to pull each class toward its most classifiable samples, while the projection asks "is this a
/// real note of this pitch and velocity", which keeps every real variation of the condition worth making.
/// The embeddings start at zero, so turning the term on at a resume leaves the critic's scores unchanged.
public sealed class ConditionProjection : nn.Module<Tensor, Tensor, Tensor?, Tensor>
{
    readonly TorchSharp.Modules.Parameter pitch;
    readonly TorchSharp.Modules.Parameter velocity;

    public ConditionProjection(GansynthConfig cfg) : base("projection")
    {
        long c0 = cfg.Channels[0];
        pitch = new TorchSharp.Modules.Parameter(zeros(cfg.PitchCount, c0));
        velocity = new TorchSharp.Modules.Parameter(zeros(Math.Max(cfg.VelocityCount, 1), c0));
        RegisterComponents();
    }

    /// features: [B, c0]; pitchOneHot: [B, pitches]; velocityOneHot: [B, velocities] or null. Returns [B].
    public override Tensor forward(Tensor features, Tensor pitchOneHot, Tensor? velocityOneHot)
    {
        using var scope = NewDisposeScope();
        var e = pitchOneHot.matmul(pitch);
        if (velocityOneHot is not null) e = Add(e, velocityOneHot.matmul(velocity));
        return (e * features).sum([1L]).MoveToOuterDisposeScope();
    }
}
