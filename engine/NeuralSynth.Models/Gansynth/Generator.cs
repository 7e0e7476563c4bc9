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
    readonly ModuleList<EqLinear> mapping = new(); // config mapping_layers: hidden layers, then the zero-started output
    readonly ModuleList<EqLinear> envelope = new(); // config envelope_layers: hidden layers, then the zero-started level per row
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
        toOutput = new EqConv2d("to_output", cfg.Channels[^1], cfg.OutputPlanes, 1, gain: 1.0);
        if (cfg.MappingLayers > 0)
        {
            for (int i = 0; i < cfg.MappingLayers; i++)
                mapping.Add(new EqLinear($"map{i}", i == 0 ? inFeatures : GansynthConfig.MappingWidth, GansynthConfig.MappingWidth));
            var last = new EqLinear($"map{cfg.MappingLayers}", GansynthConfig.MappingWidth, inFeatures, gain: 1.0);
            using (no_grad()) foreach (var p in last.parameters()) p.zero_();
            mapping.Add(last);
        }
        if (cfg.EnvelopeLayers > 0)
        {
            for (int i = 0; i < cfg.EnvelopeLayers; i++)
                envelope.Add(new EqLinear($"env{i}", i == 0 ? inFeatures : GansynthConfig.EnvelopeWidth, GansynthConfig.EnvelopeWidth));
            var last = new EqLinear($"env{cfg.EnvelopeLayers}", GansynthConfig.EnvelopeWidth, cfg.MelBins, gain: 1.0);
            using (no_grad()) foreach (var p in last.parameters()) p.zero_();
            envelope.Add(last);
        }
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
        return Head(Planes(z, pitchOneHot, velocityOneHot), pitchOneHot).MoveToOuterDisposeScope();
    }

    /// The output and the raw planes it was made from (tanh range; harmonic head: harmonic rows, noise, filter).
    public (Tensor Output, Tensor Planes) ForwardWithPlanes(Tensor z, Tensor pitchOneHot, Tensor? velocityOneHot)
    {
        using var scope = NewDisposeScope();
        var y = Planes(z, pitchOneHot, velocityOneHot);
        var output = Head(y, pitchOneHot);
        return (output.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }

    /// The raw planes alone, without the head's log-mel (what PlaneCritic judges).
    public Tensor ForwardPlanes(Tensor z, Tensor pitchOneHot, Tensor? velocityOneHot)
    {
        using var scope = NewDisposeScope();
        return Planes(z, pitchOneHot, velocityOneHot).MoveToOuterDisposeScope();
    }

    Tensor Planes(Tensor z, Tensor pitchOneHot, Tensor? velocityOneHot)
    {
        var zn = Ops.PixelNorm(z);
        var cond = velocityOneHot is null || cfg.VelocityCount == 0
            ? cat([zn, pitchOneHot], 1)
            : cat([zn, pitchOneHot, velocityOneHot], 1);
        var condition = cond;
        if (mapping.Count > 0) cond = Add(cond, Map(cond));
        var x = input.forward(cond).view(-1, cfg.Channels[0], cfg.StartMels, cfg.StartFrames);
        x = Ops.PixelNorm(Ops.LRelu(x));
        x = Modulate(Ops.PixelNorm(Ops.LRelu(conv0.forward(x))), zn, 0);
        for (int i = 0; i < convs.Count; i++)
        {
            if (i % cfg.ConvsPerStage == 0) x = F.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
            x = Modulate(Ops.PixelNorm(Ops.LRelu(convs[i].forward(x))), zn, i + 1);
        }
        var y = toOutput.forward(x).tanh();
        return envelope.Count == 0 ? y : WithEnvelope(y, condition);
    }

    /// The envelope head's level per harmonic row, added to every frame of the rows plane (config envelope_layers).
    Tensor WithEnvelope(Tensor y, Tensor condition)
    {
        var rows = Add(y[.., 0], Mlp(envelope, condition).unsqueeze(2));
        return cat([rows.unsqueeze(1), y[.., 1..]], 1);
    }

    /// The envelope head's parameters (empty without one): what envelope_only trains.
    public IEnumerable<Parameter> EnvelopeParameters() => envelope.parameters();

    Tensor Head(Tensor y, Tensor pitchOneHot)
    {
        if (harmonic is null) return y.alias();
        // Harmonic head: channel 0 = harmonic log amplitudes (rows), channel 1 = noise log levels (mel bands), both on
        // the data's log-mel range; the fixed layer places the harmonics at the pitch's exact frequencies.
        double half = (cfg.LogMagMax - cfg.LogMagMin) / 2.0;
        var levels = Add(Add(y, 1.0) * S(half), cfg.LogMagMin);
        var harmonics = levels[.., 0];
        var pitchIndex = pitchOneHot.argmax(1);
        var logMel = harmonic.LogMel(harmonics, levels[.., 1], pitchIndex, cfg.Filter ? y[.., 2] * S(half) : null);
        Tensor ifMel;
        using (no_grad()) ifMel = harmonic.IfMel(harmonics.detach(), logMel.detach(), pitchIndex); // feeds the IF path only, never a loss
        var normLogMel = ((logMel - S(cfg.LogMagMin)) / S(half) - S(1.0)).clamp(S(-1.0), S(1.0));
        return stack([normLogMel, ifMel], 1);
    }

    /// Output channels of each convolution, conv0 first (what each FiLM layer modulates).
    static int[] ConvOutputs(GansynthConfig cfg) =>
        new[] { cfg.Channels[0] }.Concat(Enumerable.Range(1, cfg.Stages - 1).SelectMany(st => Enumerable.Repeat(cfg.Channels[st], cfg.ConvsPerStage))).ToArray();

    /// Turns on, in a checkpoint trained without them, the parts the config asks for (modulation, the mapping network,
    /// the filter plane), each added so that the generator plays exactly as before: zero FiLM layers, a mapping network
    /// whose last layer is zero, a zero filter plane in the output convolution. Written into the generator and its
    /// weight average; G's Adam starts afresh (its parameters changed). Returns what was added (empty when nothing).
    public static IReadOnlyList<string> ExtendCheckpoint(string checkpointDir, GansynthConfig cfg, long seed)
    {
        var outs = ConvOutputs(cfg);
        int inFeatures = cfg.LatentSize + cfg.PitchCount + cfg.VelocityCount, width = GansynthConfig.MappingWidth;
        var added = new SortedSet<string>();
        foreach (var file in new[] { "generator.safetensors", "generator_ema.safetensors" })
        {
            string path = Path.Combine(checkpointDir, file);
            if (!File.Exists(path)) continue;
            var (tensors, meta) = WeightsFile.Read(path);
            bool addModulation = cfg.Modulation && !tensors.ContainsKey("mods.0.weight");
            bool addMapping = cfg.MappingLayers > 0 && !tensors.ContainsKey("mapping.0.weight");
            bool addFilter = cfg.Filter && tensors.TryGetValue("toOutput.weight", out var output) && output.Shape[0] == 2;
            bool addEnvelope = cfg.EnvelopeLayers > 0 && !tensors.ContainsKey("envelope.0.weight");
            if (!addModulation && !addMapping && !addFilter && !addEnvelope) continue; // an ordinary resume touches nothing
            using var scope = NewDisposeScope();
            // The envelope head learns on the weights the model ships, the average: the raw generator takes them too.
            string average = Path.Combine(checkpointDir, "generator_ema.safetensors");
            if (addEnvelope && file == "generator.safetensors" && File.Exists(average)) tensors = WeightsFile.Read(average).Tensors;
            var all = tensors.ToDictionary(kv => kv.Key, kv => tensor(kv.Value.Data, kv.Value.Shape));
            if (addModulation)
            {
                for (int i = 0; i < outs.Length; i++)
                {
                    all[$"mods.{i}.weight"] = zeros(2L * outs[i], cfg.LatentSize);
                    all[$"mods.{i}.bias"] = zeros(2L * outs[i]);
                }
                added.Add("modulation");
            }
            if (addMapping)
            {
                // The same hidden weights in the generator and its average (one generator per seed), so they stay equal.
                AddZeroStartedMlp(all, "mapping", cfg.MappingLayers, inFeatures, width, inFeatures, (ulong)seed);
                added.Add("mapping");
            }
            if (addEnvelope)
            {
                AddZeroStartedMlp(all, "envelope", cfg.EnvelopeLayers, inFeatures, GansynthConfig.EnvelopeWidth, cfg.MelBins, (ulong)seed + 1);
                added.Add("envelope");
            }
            if (addFilter)
            {
                var w = all["toOutput.weight"];
                all["toOutput.weight"] = cat([w, zeros(1, w.shape[1], 1, 1)], 0);
                all["toOutput.bias"] = cat([all["toOutput.bias"], zeros(1)], 0);
                added.Add("filter");
            }
            WeightsFile.Save(all, path, meta);
        }
        if (added.Count > 0) File.Delete(Path.Combine(checkpointDir, "optimizer_g.bin"));
        return added.ToList();
    }

    /// An MLP's weights added to a checkpoint: hidden layers N(0, 1) from the seed (EqLinear's stored scale), the output
    /// layer zero, so the part it feeds starts as the identity.
    static void AddZeroStartedMlp(Dictionary<string, Tensor> all, string name, int hiddenLayers, int fin, int width, int fout, ulong seed)
    {
        using var gen = new torch.Generator(seed);
        for (int i = 0; i < hiddenLayers; i++)
        {
            all[$"{name}.{i}.weight"] = randn(new long[] { width, i == 0 ? fin : width }, generator: gen);
            all[$"{name}.{i}.bias"] = zeros(width);
        }
        all[$"{name}.{hiddenLayers}.weight"] = zeros(fout, width);
        all[$"{name}.{hiddenLayers}.bias"] = zeros(fout);
    }

    /// The mapping network's residual: LeakyReLU hidden layers, then the linear output layer.
    Tensor Map(Tensor cond) => Mlp(mapping, cond);

    /// An MLP: LeakyReLU hidden layers, then the linear output layer (the mapping network, the envelope head).
    static Tensor Mlp(ModuleList<EqLinear> layers, Tensor x)
    {
        var h = x;
        for (int i = 0; i < layers.Count - 1; i++) h = Ops.LRelu(layers[i].forward(h));
        return layers[^1].forward(h);
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
