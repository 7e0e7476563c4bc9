using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;
using F = TorchSharp.torch.nn.functional;

namespace NeuralSynth.Models.Gansynth;

/// D(x) -> [B, 1 + pitches + velocities]: column 0 is the Wasserstein critic score, the rest are the logits of the
/// auxiliary pitch (and velocity-layer) classifier (AC-GAN, as GANSynth adds a pitch-prediction loss).
/// Mirror of the generator: 1x1 from-input conv, per stage convs_per_stage 3x3 convs + 2x2 average pooling, then minibatch
/// standard deviation, a 3x3 conv and two dense layers. Equalized learning rate, LeakyReLU(0.2), no normalisation.
public sealed class Discriminator : nn.Module<Tensor, Tensor>
{
    readonly GansynthConfig cfg;
    readonly EqConv2d fromInput;
    readonly ModuleList<EqConv2d> convs = new();
    readonly EqConv2d convFinal;
    readonly EqLinear dense;
    readonly EqLinear head;
    readonly int inputs;

    public Discriminator(GansynthConfig config) : this(config, config.DiscriminatorChannels, "discriminator") { }

    /// A critic of the same shape over `inputs` other planes of the same size (PlaneCritic: the harmonic head's planes).
    public Discriminator(GansynthConfig config, int inputs, string name) : base(name)
    {
        cfg = config;
        this.inputs = inputs;
        fromInput = new EqConv2d("from_input", inputs, cfg.Channels[^1], 1);
        for (int s = cfg.Stages - 1; s >= 1; s--)
        {
            if (cfg.ConvsPerStage == 2) convs.Add(new EqConv2d($"down{s}a", cfg.Channels[s], cfg.Channels[s], 3));
            convs.Add(new EqConv2d($"down{s}b", cfg.Channels[s], cfg.Channels[s - 1], 3));
        }
        int c0 = cfg.Channels[0];
        convFinal = new EqConv2d("conv_final", c0 + 1, c0, 3);
        dense = new EqLinear("dense", (long)c0 * cfg.StartFrames * cfg.StartMels, c0);
        head = new EqLinear("head", c0, 1 + cfg.PitchCount + cfg.VelocityCount, gain: 1.0);
        RegisterComponents();
    }

    /// x: [B, 2, n_mels, frames] as the generator makes them; only the first DiscriminatorChannels are judged.
    public override Tensor forward(Tensor x) => Judge(x).Scores;

    /// The scores and the penultimate features they are read from ([B, c0]: what a projection term compares with the
    /// asked condition).
    public (Tensor Scores, Tensor Features) Judge(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (x.shape[1] > inputs) x = x[.., ..inputs];
        var h = Ops.LRelu(fromInput.forward(x));
        for (int i = 0; i < convs.Count; i++)
        {
            h = Ops.LRelu(convs[i].forward(h));
            if ((i + 1) % cfg.ConvsPerStage == 0) h = F.avg_pool2d(h, 2);
        }
        h = MinibatchStd(h);
        h = Ops.LRelu(convFinal.forward(h));
        h = Ops.LRelu(dense.forward(h.flatten(1)));
        return (head.forward(h).MoveToOuterDisposeScope(), h.MoveToOuterDisposeScope());
    }

    /// Appends one channel holding the mean over features of the batch standard deviation (progressive GAN),
    /// letting the critic see a lack of variety across the batch.
    static Tensor MinibatchStd(Tensor h)
    {
        var std = Add(h.var([0L], unbiased: false), 1e-8).sqrt().mean();
        var plane = std.expand(h.shape[0], 1, h.shape[2], h.shape[3]);
        return cat([h, plane], 1);
    }
}
