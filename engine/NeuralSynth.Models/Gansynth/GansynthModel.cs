using System.Security.Cryptography;
using NeuralSynth.Formats;
using NeuralSynth.Realtime;
using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Gansynth;

/// A trained GANSynth-style generator ready for inference: DIR/config.json + DIR/model.safetensors.
///   var m = GansynthModel.Load(dir);
///   var (logMel, ifMel) = m.Generate(zs, pitches, velocities);   // [B, n_mels, frames] each, ln units / [-1, 1]
///   float[][] notes = m.ToWaveformIf(logMel, ifMel);             // IF path: mel -> linear, phase by integration, iSTFT
/// logMel is exactly the shared log-mel representation (Audio.SpectralConfig) the vocoder consumes.
/// Not thread-safe: use one instance per render thread (or lock around calls).
public sealed class GansynthModel : IDisposable
{
    public const string ConfigFile = "config.json";
    public const string WeightsFileName = "model.safetensors";

    public GansynthConfig Config { get; }
    public Generator Generator { get; }
    /// Hex SHA-256 prefix of the weights file (or of the in-memory weights for an unsaved model): keys caches.
    public string ModelId { get; private set; }
    readonly IfMel ifMel;
    readonly bool ownsGenerator;

    /// Wraps a generator (the trainer's, not disposed by this model) or makes a fresh one.
    public GansynthModel(GansynthConfig config, Generator? generator = null)
    {
        ownsGenerator = generator is null;
        config.Validate();
        Config = config;
        Generator = generator ?? new Generator(config);
        Generator.eval();
        ifMel = new IfMel(config.Spectral);
        ModelId = "unsaved";
    }

    public static GansynthModel Load(string dir)
    {
        string cfgPath = Path.Combine(dir, ConfigFile), wPath = Path.Combine(dir, WeightsFileName);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: model directory not found");
        var cfg = GansynthConfig.Load(cfgPath);
        var model = new GansynthModel(cfg);
        WeightsFile.Load(model.Generator, wPath);
        model.ModelId = HashFile(wPath);
        return model;
    }

    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        Config.Save(Path.Combine(dir, ConfigFile));
        string wPath = Path.Combine(dir, WeightsFileName);
        WeightsFile.Save(Generator, wPath, new Dictionary<string, string> { ["format"] = "pt", ["model"] = "gansynth-generator" });
        ModelId = HashFile(wPath);
    }

    /// The same generator as a torch-free C# graph (one note at a time; NeuralSynth.Dsp.Neural.GeneratorGraph),
    /// from a model folder; GraphFrom below builds it from a loaded model without recomputing the harmonic basis.
    public static NeuralSynth.Dsp.Neural.GeneratorGraph LoadGraph(string dir)
    {
        using var model = Load(dir);
        return model.ToGraph(dir);
    }

    /// This model's weights (as saved in dir) as a C# graph, sharing the harmonic head's basis with the torch layer.
    public NeuralSynth.Dsp.Neural.GeneratorGraph ToGraph(string dir)
    {
        string wPath = Path.Combine(dir, WeightsFileName);
        return new NeuralSynth.Dsp.Neural.GeneratorGraph(Config.GraphShape, SafeTensors.Read(wPath), Generator.HarmonicBasis, wPath);
    }

    public static string HashFile(string path) => ModelFiles.Hash(path);

    /// Generator output [B, 2, n_mels, frames] in [-1, 1] for a batch (no grad).
    public Tensor GenerateNormalized(IReadOnlyList<Latent> z, IReadOnlyList<int> pitch, IReadOnlyList<int> velocity)
    {
        if (z.Count != pitch.Count || z.Count != velocity.Count) throw new ArgumentException($"batch sizes differ: {z.Count} latents, {pitch.Count} pitches, {velocity.Count} velocities");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (zt, pt, vt) = Conditioning.Inputs(Config, z, pitch, velocity);
        return Generator.forward(zt, pt, vt).MoveToOuterDisposeScope();
    }

    /// (logMel in ln units, ifMel in [-1, 1]), each [B, n_mels, frames].
    public (Tensor LogMel, Tensor IfMel) GenerateTensors(IReadOnlyList<Latent> z, IReadOnlyList<int> pitch, IReadOnlyList<int> velocity)
    {
        using var scope = NewDisposeScope();
        var g = GenerateNormalized(z, pitch, velocity);
        var (lm, ifm) = Conditioning.Denormalize(Config, g);
        return (lm.MoveToOuterDisposeScope(), ifm.MoveToOuterDisposeScope());
    }

    public (float[,,] LogMel, float[,,] IfMel) Generate(IReadOnlyList<Latent> z, IReadOnlyList<int> pitch, IReadOnlyList<int> velocity)
    {
        var (lm, ifm) = GenerateTensors(z, pitch, velocity);
        using (lm) using (ifm) return (ToArray3(lm), ToArray3(ifm));
    }

    /// IF path: waveforms [B][frames * hop] at Config.Spectral.SampleRate.
    public float[][] ToWaveformIf(Tensor logMel, Tensor ifMelT)
    {
        using var scope = NewDisposeScope();
        var w = ifMel.ToWaveform(logMel, ifMelT);
        var r = new float[w.shape[0]][];
        for (int i = 0; i < r.Length; i++) r[i] = w[i].contiguous().data<float>().ToArray();
        return r;
    }

    public float[][] ToWaveformIf(float[,,] logMel, float[,,] ifMelA)
    {
        using var scope = NewDisposeScope();
        return ToWaveformIf(FromArray3(logMel), FromArray3(ifMelA));
    }

    /// Generate + IF-path inversion in one call.
    public float[][] RenderIf(IReadOnlyList<Latent> z, IReadOnlyList<int> pitch, IReadOnlyList<int> velocity)
    {
        var (lm, ifm) = GenerateTensors(z, pitch, velocity);
        using (lm) using (ifm) return ToWaveformIf(lm, ifm);
    }

    internal static float[,,] ToArray3(Tensor t)
    {
        var r = new float[t.shape[0], t.shape[1], t.shape[2]];
        using var c = t.contiguous();
        var data = c.data<float>().ToArray();
        Buffer.BlockCopy(data, 0, r, 0, data.Length * sizeof(float));
        return r;
    }

    internal static Tensor FromArray3(float[,,] a)
    {
        var flat = new float[a.Length];
        Buffer.BlockCopy(a, 0, flat, 0, flat.Length * sizeof(float));
        return tensor(flat, [a.GetLength(0), a.GetLength(1), a.GetLength(2)]);
    }

    public void Dispose() { if (ownsGenerator) Generator.Dispose(); ifMel.Dispose(); }
}

/// Conditioning inputs and output (de)normalisation shared by the model, the trainer and the tests.
public static class Conditioning
{
    public static (Tensor Z, Tensor Pitch, Tensor? Velocity) Inputs(GansynthConfig cfg, IReadOnlyList<Latent> z, IReadOnlyList<int> pitch, IReadOnlyList<int> velocity)
    {
        int b = z.Count;
        var zf = new float[b * cfg.LatentSize];
        for (int i = 0; i < b; i++)
        {
            if (z[i].Size != cfg.LatentSize) throw new ArgumentException($"latent {i} has size {z[i].Size}, the model needs {cfg.LatentSize}");
            z[i].Values.CopyTo(zf.AsSpan(i * cfg.LatentSize));
        }
        return (tensor(zf, [b, cfg.LatentSize]), PitchOneHot(cfg, pitch), VelocityOneHot(cfg, velocity));
    }

    public static Tensor PitchOneHot(GansynthConfig cfg, IReadOnlyList<int> pitch)
    {
        var oh = new float[pitch.Count * cfg.PitchCount];
        for (int i = 0; i < pitch.Count; i++) oh[i * cfg.PitchCount + cfg.PitchIndex(pitch[i])] = 1f;
        return tensor(oh, [pitch.Count, cfg.PitchCount]);
    }

    public static Tensor? VelocityOneHot(GansynthConfig cfg, IReadOnlyList<int> velocity)
    {
        if (cfg.VelocityCount == 0) return null;
        var oh = new float[velocity.Count * cfg.VelocityCount];
        for (int i = 0; i < velocity.Count; i++) oh[i * cfg.VelocityCount + cfg.VelocityIndex(velocity[i])] = 1f;
        return tensor(oh, [velocity.Count, cfg.VelocityCount]);
    }

    /// Raw features [B, 2, n_mels, frames] (ln log-mel, IF) -> generator range [-1, 1].
    public static Tensor Normalize(GansynthConfig cfg, Tensor raw)
    {
        using var scope = NewDisposeScope();
        var lm = raw[.., 0..1];
        var n = ((lm - S(cfg.LogMagMin)) * S(2.0 / (cfg.LogMagMax - cfg.LogMagMin)) - S(1.0)).clamp(S(-1.0), S(1.0));
        return cat([n, raw[.., 1..2]], 1).MoveToOuterDisposeScope();
    }

    /// Generator output [B, 2, n_mels, frames] -> (log-mel in ln units, IF), each [B, n_mels, frames].
    public static (Tensor LogMel, Tensor IfMel) Denormalize(GansynthConfig cfg, Tensor g)
    {
        using var scope = NewDisposeScope();
        var lm = Add(Add(g[.., 0], 1.0) * S((cfg.LogMagMax - cfg.LogMagMin) / 2.0), cfg.LogMagMin);
        var ifm = g[.., 1].clone();
        return (lm.MoveToOuterDisposeScope(), ifm.MoveToOuterDisposeScope());
    }
}
