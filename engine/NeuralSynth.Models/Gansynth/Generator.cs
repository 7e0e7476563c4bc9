using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;
using F = TorchSharp.torch.nn.functional;

namespace NeuralSynth.Models.Gansynth;

/// G(z, pitch one-hot [, velocity one-hot]) -> [B, 2, n_mels, frames] in [-1, 1]
/// (channel 0 normalised log-mel magnitude, channel 1 mel instantaneous frequency; see GansynthConfig).
/// Architecture after GANSynth's (non-progressive) progressive-GAN generator: pixel-normed z concatenated with
/// the condition one-hots, a dense layer to the first (n_mels/2^(n-1) x frames/2^(n-1)) grid, then per stage
/// nearest-neighbour 2x upsampling and convs_per_stage (2, or 1 for CPU budgets) 3x3 convolutions, each followed by LeakyReLU(0.2) and pixel norm;
/// a 1x1 convolution + tanh makes the two output channels. All layers use the equalized learning rate.
public sealed class Generator : nn.Module<Tensor, Tensor, Tensor?, Tensor>
{
    readonly GansynthConfig cfg;
    readonly EqLinear input;
    readonly EqConv2d conv0;
    readonly ModuleList<EqConv2d> convs = new();
    readonly EqConv2d toOutput;
    readonly ModuleList<EqLinear> mods = new(); // FiLM per convolution (config modulation), empty without
    readonly HarmonicMel? harmonic; // fixed layer, not a parameter: rebuilt from the config, never saved

    /// The harmonic head's fixed matrices (null for an IF-Mel generator).
    public NeuralSynth.Dsp.Neural.HarmonicMelBasis? HarmonicBasis => harmonic?.Basis;

    public Generator(GansynthConfig config) : base("generator")
    {
        cfg = config;
        int c0 = cfg.Channels[0];
        int inFeatures = cfg.LatentSize + cfg.PitchCount + cfg.VelocityCount;
        input = new EqLinear("input", inFeatures, (long)c0 * cfg.StartFrames * cfg.StartMels, gain: Math.Sqrt(2) / 4);
        conv0 = new EqConv2d("conv0", c0, c0, 3);
        for (int s = 1; s < cfg.Stages; s++)
        {
            convs.Add(new EqConv2d($"up{s}a", cfg.Channels[s - 1], cfg.Channels[s], 3));
            if (cfg.ConvsPerStage == 2) convs.Add(new EqConv2d($"up{s}b", cfg.Channels[s], cfg.Channels[s], 3));
        }
        toOutput = new EqConv2d("to_output", cfg.Channels[^1], 2, 1, gain: 1.0);
        if (cfg.Modulation)
        {
            // Starts as the identity (s = b = 0), so a generator that turns it on plays as before.
            var outs = ConvOutputs(cfg);
            for (int i = 0; i < outs.Length; i++)
            {
                var m = new EqLinear($"mod{i}", cfg.LatentSize, 2L * outs[i], gain: 1.0);
                using (no_grad()) foreach (var p in m.parameters()) p.zero_();
                mods.Add(m);
            }
        }
        RegisterComponents();
        if (cfg.IsHarmonic) harmonic = new HarmonicMel(cfg.Spectral, cfg.MinPitch, cfg.MaxPitch, cfg.MelBins);
    }

    /// z: [B, latent]; pitchOneHot: [B, pitches]; velocityOneHot: [B, velocities] or null when the config has none.
    public override Tensor forward(Tensor z, Tensor pitchOneHot, Tensor? velocityOneHot)
    {
        using var scope = NewDisposeScope();
        var zn = Ops.PixelNorm(z);
        var cond = velocityOneHot is null || cfg.VelocityCount == 0
            ? cat([zn, pitchOneHot], 1)
            : cat([zn, pitchOneHot, velocityOneHot], 1);
        var x = input.forward(cond).view(-1, cfg.Channels[0], cfg.StartMels, cfg.StartFrames);
        x = Ops.PixelNorm(Ops.LRelu(x));
        x = Modulate(Ops.PixelNorm(Ops.LRelu(conv0.forward(x))), zn, 0);
        for (int i = 0; i < convs.Count; i++)
        {
            if (i % cfg.ConvsPerStage == 0) x = F.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
            x = Modulate(Ops.PixelNorm(Ops.LRelu(convs[i].forward(x))), zn, i + 1);
        }
        var y = toOutput.forward(x).tanh();
        if (harmonic is null) return y.MoveToOuterDisposeScope();
        // Harmonic head: channel 0 = harmonic log amplitudes (rows), channel 1 = noise log levels (mel bands), both on
        // the data's log-mel range; the fixed layer places the harmonics at the pitch's exact frequencies.
        double half = (cfg.LogMagMax - cfg.LogMagMin) / 2.0;
        var levels = Add(Add(y, 1.0) * S(half), cfg.LogMagMin);
        var harmonics = levels[.., 0];
        var pitchIndex = pitchOneHot.argmax(1);
        var logMel = harmonic.LogMel(harmonics, levels[.., 1], pitchIndex);
        Tensor ifMel;
        using (no_grad()) ifMel = harmonic.IfMel(harmonics.detach(), logMel.detach(), pitchIndex); // feeds the IF path only, never a loss
        var normLogMel = ((logMel - S(cfg.LogMagMin)) / S(half) - S(1.0)).clamp(S(-1.0), S(1.0));
        return stack([normLogMel, ifMel], 1).MoveToOuterDisposeScope();
    }

    /// Output channels of each convolution, conv0 first (what each FiLM layer modulates).
    static int[] ConvOutputs(GansynthConfig cfg) =>
        new[] { cfg.Channels[0] }.Concat(Enumerable.Range(1, cfg.Stages - 1).SelectMany(st => Enumerable.Repeat(cfg.Channels[st], cfg.ConvsPerStage))).ToArray();

    /// Turns modulation on in a checkpoint trained without it: zero FiLM layers (the identity, so G plays as before)
    /// written into the generator and its weight average; G's Adam starts afresh (its parameters changed). Returns
    /// false when the checkpoint has them already.
    public static bool AddModulation(string checkpointDir, GansynthConfig cfg)
    {
        var outs = ConvOutputs(cfg);
        bool added = false;
        foreach (var file in new[] { "generator.safetensors", "generator_ema.safetensors" })
        {
            string path = Path.Combine(checkpointDir, file);
            if (!File.Exists(path)) continue;
            var (tensors, meta) = WeightsFile.Read(path);
            if (tensors.ContainsKey("mods.0.weight")) continue;
            using var scope = NewDisposeScope();
            var all = tensors.ToDictionary(kv => kv.Key, kv => tensor(kv.Value.Data, kv.Value.Shape));
            for (int i = 0; i < outs.Length; i++)
            {
                all[$"mods.{i}.weight"] = zeros(2L * outs[i], cfg.LatentSize);
                all[$"mods.{i}.bias"] = zeros(2L * outs[i]);
            }
            WeightsFile.Save(all, path, meta);
            added = true;
        }
        if (added) File.Delete(Path.Combine(checkpointDir, "optimizer_g.bin"));
        return added;
    }

    /// FiLM: x (1 + s) + b per channel, (s, b) linear in the pixel-normed latent; the identity without modulation.
    Tensor Modulate(Tensor x, Tensor zn, int layer)
    {
        if (mods.Count == 0) return x;
        long c = x.shape[1];
        var sb = mods[layer].forward(zn).view(-1, 2 * c, 1, 1);
        return Add(x * Add(sb[.., ..(int)c], 1.0), sb[.., (int)c..]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) harmonic?.Dispose();
        base.Dispose(disposing);
    }
}
