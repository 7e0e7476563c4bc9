using System.Diagnostics;
using NeuralSynth.Dsp;
using NeuralSynth.Dsp.FilterBank;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Vocoder;

/// Wall time of the last Synthesize call, split by stage (milliseconds).
/// Wall time of the last Synthesize call, split by stage (milliseconds), and the same stages in CPU time of the
/// calling thread (what one core spends; on a shared machine wall time also counts waiting for a core).
public sealed record VocoderTimings(double ExcitationMs, double TorchMs, double SynthesisMs, int Samples, double PostFilterMs = 0)
{
    public double TotalMs => ExcitationMs + TorchMs + SynthesisMs + PostFilterMs;
    public double ExcitationCpuMs { get; init; }
    public double TorchCpuMs { get; init; }
    public double SynthesisCpuMs { get; init; }
    public double PostFilterCpuMs { get; init; }
}

/// The trained multiband vocoder for inference: log-mel [n_mels, frames] + f0 -> waveform at the config's rate
/// (frames * hop samples). torch computes the band signals; the C# SIMD FilterBankSynthesizer upsamples and sums
/// them. Thread-safe (one call at a time inside; torch modules are not re-entrant). Deterministic: start phase 0
/// and a fixed noise seed, so the same mel and f0 always give the same samples.
///
///   var v = VocoderModel.Load(dir);                 // dir: config.json + generator.safetensors
///   float[] y = v.Synthesize(logMel, [f0Hz]);       // f0: one value (constant) or one per frame (contour)
///   float[][] ys = v.Synthesize(melBatch, f0s);     // melBatch: Tensor [B, n_mels, F], one f0 per note
public sealed class VocoderModel : IDisposable
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "generator.safetensors";

    public VocoderConfig Config { get; }
    public FilterBankDesign FilterBank { get; }
    public string Directory { get; }
    /// SIMD path of the final synthesis (tests and benchmarks force each one).
    public KernelPath SynthesisPath { get; set; } = KernelPath.Auto;
    public VocoderTimings? LastTimings { get; private set; }
    /// Apply the MelPostFilter (mel-consistency gain correction) to every output. Starts from config.json's post_filter.
    public bool PostFilter { get; set; }

    readonly VocoderGenerator generator;
    readonly FilterBankSynthesizer synthesizer;
    readonly object gate = new();
    // Constant-f0 excitation depends only on (f0, length): notes of one pitch share it (a keyboard has 61 pitches).
    readonly Dictionary<(float F0, int Samples), float[][]> excitationCache = new();
    const int ExcitationCacheLimit = 256;

    VocoderModel(VocoderConfig config, VocoderGenerator generator, string directory)
    {
        Config = config;
        this.generator = generator;
        Directory = directory;
        FilterBank = config.CreateFilterBank();
        synthesizer = new FilterBankSynthesizer(FilterBank);
        PostFilter = config.PostFilter;
        generator.eval();
    }

    public static VocoderModel Load(string dir)
    {
        if (!System.IO.Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: vocoder model directory not found");
        var config = VocoderConfig.Load(Path.Combine(dir, ConfigFile));
        var g = new VocoderGenerator(config);
        VocoderWeights.Load(g, Path.Combine(dir, WeightsFile));
        return new VocoderModel(config, g, dir);
    }

    /// Wraps an in-memory generator (training, tests).
    public static VocoderModel FromGenerator(VocoderConfig config, VocoderGenerator generator) => new(config, generator, "");

    public long ParameterCount => generator.ParameterCount();

    /// One note. logMel: [n_mels, frames]; f0Hz: one value, or one per frame (0 = unvoiced).
    public float[] Synthesize(float[,] logMel, float[] f0Hz)
    {
        ArgumentNullException.ThrowIfNull(logMel);
        ArgumentNullException.ThrowIfNull(f0Hz);
        int mels = logMel.GetLength(0), frames = logMel.GetLength(1);
        if (mels != Config.Spectral.NMels) throw new ArgumentException($"log-mel has {mels} bands, the vocoder expects {Config.Spectral.NMels}");
        if (frames < 1) throw new ArgumentException("log-mel has no frames");
        if (f0Hz.Length != 1 && f0Hz.Length != frames) throw new ArgumentException($"f0 needs 1 value or one per frame ({frames}), got {f0Hz.Length}");
        var flat = new float[mels * frames];
        Buffer.BlockCopy(logMel, 0, flat, 0, flat.Length * sizeof(float));
        using var scope = NewDisposeScope();
        var mel = tensor(flat, [1, mels, frames]);
        var y = f0Hz.Length == 1 || f0Hz.All(f => f == f0Hz[0]) ? Run(mel, [f0Hz[0]], null)[0] : Run(mel, [MedianOf(f0Hz)], f0Hz)[0];
        return PostFilter ? ApplyPostFilter(y, logMel) : y;
    }

    float[] ApplyPostFilter(float[] y, float[,] logMel)
    {
        var clock = Stopwatch.StartNew();
        double cpu0 = ThreadCpuClock.NowMs();
        postFilter ??= new MelPostFilter(Config.Spectral);
        var r = postFilter.Apply(y, logMel);
        LastTimings = LastTimings! with
        {
            PostFilterMs = LastTimings.PostFilterMs + clock.Elapsed.TotalMilliseconds,
            PostFilterCpuMs = LastTimings.PostFilterCpuMs + ThreadCpuClock.NowMs() - cpu0,
        };
        return r;
    }

    MelPostFilter? postFilter;

    /// A batch of notes of equal length: logMel [B, n_mels, F], one f0 per note.
    public float[][] Synthesize(Tensor logMel, float[] f0Hz) => Synthesize(logMel, f0Hz, PostFilter);

    /// The same with the post-filter chosen by the caller.
    public float[][] Synthesize(Tensor logMel, float[] f0Hz, bool postFilter)
    {
        ArgumentNullException.ThrowIfNull(logMel);
        if (logMel.dim() != 3 || logMel.shape[1] != Config.Spectral.NMels)
            throw new ArgumentException($"log-mel batch must be [B, {Config.Spectral.NMels}, frames], got [{string.Join(", ", logMel.shape)}]");
        if (f0Hz.Length != logMel.shape[0]) throw new ArgumentException($"{logMel.shape[0]} notes but {f0Hz.Length} f0 values");
        var result = Run(logMel, f0Hz, null);
        if (postFilter)
        {
            int mels = (int)logMel.shape[1], frames = (int)logMel.shape[2];
            var all = logMel.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
            for (int b = 0; b < result.Length; b++)
            {
                var one = new float[mels, frames];
                Buffer.BlockCopy(all, b * mels * frames * sizeof(float), one, 0, mels * frames * sizeof(float));
                result[b] = ApplyPostFilter(result[b], one);
            }
        }
        return result;
    }

    /// A batch given as arrays (notes of different lengths are fine: they are grouped by length).
    public float[][] Synthesize(IReadOnlyList<float[,]> logMels, IReadOnlyList<float> f0Hz)
    {
        if (logMels.Count != f0Hz.Count) throw new ArgumentException($"{logMels.Count} notes but {f0Hz.Count} f0 values");
        var result = new float[logMels.Count][];
        foreach (var group in Enumerable.Range(0, logMels.Count).GroupBy(i => logMels[i].GetLength(1)))
        {
            var idx = group.ToArray();
            int mels = Config.Spectral.NMels, frames = group.Key;
            var flat = new float[idx.Length * mels * frames];
            for (int j = 0; j < idx.Length; j++)
            {
                if (logMels[idx[j]].GetLength(0) != mels) throw new ArgumentException($"note {idx[j]}: log-mel has {logMels[idx[j]].GetLength(0)} bands, expected {mels}");
                Buffer.BlockCopy(logMels[idx[j]], 0, flat, j * mels * frames * sizeof(float), mels * frames * sizeof(float));
            }
            using var scope = NewDisposeScope();
            var outs = Run(tensor(flat, [idx.Length, mels, frames]), idx.Select(i => f0Hz[i]).ToArray(), null);
            for (int j = 0; j < idx.Length; j++) result[idx[j]] = PostFilter ? ApplyPostFilter(outs[j], logMels[idx[j]]) : outs[j];
        }
        return result;
    }

    /// Only the torch stage (and the cached excitation) for one note: band k's signal at its own rate.
    /// Benchmarks time it apart from the SIMD synthesis; FilterBank + FilterBankSynthesizer turn it into audio.
    public float[][] BandSignals(float[,] logMel, float f0Hz)
    {
        int mels = logMel.GetLength(0), frames = logMel.GetLength(1);
        if (mels != Config.Spectral.NMels) throw new ArgumentException($"log-mel has {mels} bands, the vocoder expects {Config.Spectral.NMels}");
        var flat = new float[mels * frames];
        Buffer.BlockCopy(logMel, 0, flat, 0, flat.Length * sizeof(float));
        lock (gate)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var excitation = BuildExcitation([f0Hz], null, frames * Config.Spectral.Hop);
            var bands = generator.Bands(generator.Encode(tensor(flat, [1, mels, frames]), tensor(new[] { f0Hz }, [1])), excitation);
            return bands.Select(b => b.contiguous().data<float>().ToArray()).ToArray();
        }
    }

    float[][] Run(Tensor logMel, float[] f0Hz, float[]? contour)
    {
        lock (gate)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            int batch = (int)logMel.shape[0], frames = (int)logMel.shape[2], samples = frames * Config.Spectral.Hop;
            var clock = Stopwatch.StartNew();
            double cpu0 = ThreadCpuClock.NowMs();
            var excitation = BuildExcitation(f0Hz, contour, samples);
            double excitationMs = clock.Elapsed.TotalMilliseconds;
            double cpu1 = ThreadCpuClock.NowMs();

            clock.Restart();
            // One note at a time through torch: oneDNN picks its kernels (and so its summation order) by batch size,
            // which moved a note's samples by up to 1e-3 depending on what else shared its batch. Per note, a note
            // renders to the same samples alone or in any batch, so cached and re-rendered notes always agree.
            var mel32 = logMel.to_type(ScalarType.Float32);
            var perItem = new float[batch][][];
            for (int b = 0; b < batch; b++)
            {
                var f0 = contour is null ? tensor(new[] { f0Hz[b] }, [1]) : tensor(contour, [1, contour.Length]);
                var bandsB = generator.Bands(generator.Encode(mel32.narrow(0, b, 1), f0), excitation.Select(x => x.narrow(0, b, 1)).ToList());
                perItem[b] = bandsB.Select(t => t.contiguous().data<float>().ToArray()).ToArray();
            }
            int bandCount = perItem[0].Length;
            var bandData = Enumerable.Range(0, bandCount).Select(k => perItem.SelectMany(item => item[k]).ToArray()).ToArray(); // [k][B * N_k]
            double torchMs = clock.Elapsed.TotalMilliseconds;
            double cpu2 = ThreadCpuClock.NowMs();

            clock.Restart();
            var result = new float[batch][];
            var perNote = new float[bandCount][];
            for (int b = 0; b < batch; b++)
            {
                for (int k = 0; k < bandCount; k++)
                {
                    int n = samples / FilterBank.Bands[k].Decimation;
                    perNote[k] = bandData[k].AsSpan(b * n, n).ToArray();
                }
                result[b] = synthesizer.Synthesize(perNote, SynthesisPath);
            }
            double cpu3 = ThreadCpuClock.NowMs();
            LastTimings = new VocoderTimings(excitationMs, torchMs, clock.Elapsed.TotalMilliseconds, batch * samples)
            {
                ExcitationCpuMs = cpu1 - cpu0,
                TorchCpuMs = cpu2 - cpu1,
                SynthesisCpuMs = cpu3 - cpu2,
            };
            return result;
        }
    }

    Tensor[] BuildExcitation(float[] f0Hz, float[]? contour, int samples)
    {
        int bandsCount = FilterBank.Bands.Count, e = HarmonicExcitation.ChannelCount(Config.NoiseExcitation);
        if (contour is not null)
        {
            var list = new Tensor[bandsCount];
            for (int k = 0; k < bandsCount; k++)
            {
                var band = FilterBank.Bands[k];
                int n = samples / band.Decimation;
                var buf = new float[e * n];
                HarmonicExcitation.FillContour(buf, n, band, FilterBank.SampleRate, Config.Spectral.Hop, contour, 0, Config.NoiseExcitation, HarmonicExcitation.NoiseSeed(k));
                list[k] = tensor(buf, [1, e, n]);
            }
            return list;
        }
        var perNote = f0Hz.Select(f => CachedExcitation(f, samples)).ToArray();
        var result = new Tensor[bandsCount];
        for (int k = 0; k < bandsCount; k++)
        {
            int len = perNote[0][k].Length;
            var buf = new float[f0Hz.Length * len];
            for (int b = 0; b < f0Hz.Length; b++) Array.Copy(perNote[b][k], 0, buf, b * len, len);
            result[k] = tensor(buf, [f0Hz.Length, e, len / e]);
        }
        return result;
    }

    float[][] CachedExcitation(float f0, int samples)
    {
        if (excitationCache.TryGetValue((f0, samples), out var hit)) return hit;
        var bands = HarmonicExcitation.ForNote(FilterBank, f0, samples, Config.NoiseExcitation);
        if (excitationCache.Count >= ExcitationCacheLimit) excitationCache.Clear();
        excitationCache[(f0, samples)] = bands;
        return bands;
    }


    /// Clears the excitation cache (benchmarks measure the uncached cost with it).
    public void ClearExcitationCache()
    {
        lock (gate) excitationCache.Clear();
    }

    static float MedianOf(float[] values)
    {
        var s = values.Where(v => v > 0).OrderBy(v => v).ToArray();
        return s.Length == 0 ? 0 : s[s.Length / 2];
    }

    public void Dispose() => generator.Dispose();
}
