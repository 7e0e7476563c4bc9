using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Gansynth;

/// What the critic knows of a note's instrument family (config family_offset > 0): an auxiliary family classifier on
/// the discriminator's penultimate features (AC-GAN, as for pitch) and a projection term <E y_family, phi(x)> added to
/// the critic's score (Miyato & Koyama, as ConditionProjection does for pitch and velocity). Its own module, with its
/// own Adam and checkpoint files, so a resume can switch family conditioning on without touching D's optimizer state;
/// the projection starts at zero, so the critic's scores are unchanged at that resume.
public sealed class FamilyCritic : nn.Module<Tensor, Tensor, (Tensor Logits, Tensor Projection)>
{
    readonly EqLinear head;
    readonly TorchSharp.Modules.Parameter embedding;

    public FamilyCritic(GansynthConfig cfg) : base("family_critic")
    {
        long c0 = cfg.Channels[0];
        head = new EqLinear("head", c0, cfg.FamilyCount, gain: 1.0);
        embedding = new TorchSharp.Modules.Parameter(zeros(cfg.FamilyCount, c0));
        RegisterComponents();
    }

    /// features: [B, c0]; familyOneHot: [B, families]. Returns the family logits [B, families] and the projection [B].
    public override (Tensor Logits, Tensor Projection) forward(Tensor features, Tensor familyOneHot)
    {
        using var scope = NewDisposeScope();
        var logits = head.forward(features);
        var projection = (familyOneHot.matmul(embedding) * features).sum([1L]);
        return (logits.MoveToOuterDisposeScope(), projection.MoveToOuterDisposeScope());
    }
}
