using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Vocoder;
using NeuralSynth.Realtime;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Rendering;

/// The torch twin of NoteRenderer, for models held in memory (the trainer's, tests, the bench's reference row):
/// (model set, z, pitch, velocity) -> note waveform at the model rate, batched, through either inversion path.
/// NoteRenderer (torch-free, what the product plays) computes the same notes to 1e-4; the ids differ (":torch") so the
/// two never share cached notes.
public sealed class TorchNoteRenderer : INoteRenderer, IDisposable
{
    readonly GansynthModel generator;
    readonly VocoderModel? vocoder;
    readonly NeuralSynth.Dsp.Neural.GeneratorGraph? graph; // torch-free generator (same weights), when loaded from a folder
    readonly object gate = new(); // torch modules are not re-entrant: one batch at a time
    public InversionPath Path { get; }
    public int BatchSize { get; }
    public string ModelId { get; }
    public int SampleRate => generator.Config.Spectral.SampleRate;
    public int LatentSize => generator.Config.LatentSize;
    public int MinPitch => generator.Config.MinPitch;
    public int MaxPitch => generator.Config.MaxPitch;
    public GansynthModel Generator => generator;

    public TorchNoteRenderer(GansynthModel generator, VocoderModel? vocoder, InversionPath path = InversionPath.If, int batchSize = 8,
        NeuralSynth.Dsp.Neural.GeneratorGraph? graph = null)
    {
        this.graph = graph;
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be at least 1");
        if (path == InversionPath.Vocoder && vocoder is null) throw new ArgumentException("the vocoder path needs a vocoder model");
        if (path == InversionPath.Additive) throw new ArgumentException("the additive path plays through the torch-free NoteRenderer only");
        if (vocoder is not null && vocoder.Config.Spectral != generator.Config.Spectral)
            throw new ArgumentException($"vocoder {vocoder.Directory} and generator disagree on the spectral representation ({vocoder.Config.Spectral} vs {generator.Config.Spectral})");
        this.generator = generator;
        this.vocoder = vocoder;
        Path = path;
        BatchSize = batchSize;
        // The id names everything a cached note depends on: generator weights, path, vocoder weights and how the
        // vocoder path prepares the mel (bump VocoderPathVersion whenever PrepareForVocoder changes: notes persisted on
        // disk by an earlier build must not be played).
        ModelId = path == InversionPath.Vocoder
            ? $"{generator.ModelId}:vocoder:{WeightsHash(vocoder!)}:v{NoteRenderer.VocoderPathVersion}:torch"
            : $"{generator.ModelId}:if:v{NoteRenderer.IfPathVersion}:torch";
    }

    /// Loads the generator from `modelDir` (config.json + model.safetensors) and, for the vocoder
    /// path, the vocoder from `vocoderDir` (default: a "vocoder" folder beside the generator's).
    public static TorchNoteRenderer Load(string modelDir, InversionPath path = InversionPath.If, int batchSize = 8, string? vocoderDir = null)
    {
        VocoderModel? vocoder = null;
        if (path == InversionPath.Vocoder)
        {
            vocoderDir ??= NoteRenderer.DefaultVocoderDir(modelDir);
            if (!File.Exists(System.IO.Path.Combine(vocoderDir, VocoderModel.ConfigFile)))
                throw new FileNotFoundException($"{vocoderDir}: no vocoder model (config.json) for the vocoder path", vocoderDir);
            vocoder = VocoderModel.Load(vocoderDir);
        }
        var model = GansynthModel.Load(modelDir);
        return new TorchNoteRenderer(model, vocoder, path, batchSize, model.ToGraph(modelDir));
    }

    public float[][] Render(IReadOnlyList<NoteRequest> requests, CancellationToken cancel)
    {
        var result = new float[requests.Count][];
        for (int start = 0; start < requests.Count; start += BatchSize)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(BatchSize, requests.Count - start);
            var z = new Latent[n];
            var pitch = new int[n];
            var velocity = new int[n];
            for (int i = 0; i < n; i++)
            {
                var r = requests[start + i];
                if (r.Z.Size != LatentSize) throw new ArgumentException($"latent has {r.Z.Size} values, the model expects {LatentSize}");
                z[i] = r.Z;
                pitch[i] = Math.Clamp(r.Pitch, MinPitch, MaxPitch);
                velocity[i] = r.Velocity;
            }
            float[][] audio;
            lock (gate)
            {
                var (logMel, ifMel) = Generate(z, pitch, velocity);
                using (logMel) using (ifMel)
                    audio = Path == InversionPath.Vocoder ? Vocode(generator.Config, vocoder!, logMel, pitch) : generator.ToWaveformIf(logMel, ifMel);
            }
            for (int i = 0; i < n; i++)
            {
                // A note with a non-finite sample must never reach the cache (or a voice): fail the render instead;
                // the scheduler reports it once and tries the key again.
                if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(audio[i]))
                    throw new InvalidOperationException($"rendered note (pitch {pitch[i]}, velocity {velocity[i]}) has non-finite samples; not cached");
                result[start + i] = NoteRenderer.Edges(audio[i], SampleRate);
            }
        }
        return result;
    }

    static string WeightsHash(VocoderModel v)
    {
        string file = System.IO.Path.Combine(v.Directory, VocoderModel.WeightsFile);
        return File.Exists(file) ? GansynthModel.HashFile(file) : "unsaved";
    }

    /// The generator's (log-mel, IF) for a batch: through the C# graph (2.6x torch's speed on one thread, equal to 1e-4)
    /// when there is one, else torch.
    (TorchSharp.torch.Tensor LogMel, TorchSharp.torch.Tensor IfMel) Generate(Latent[] z, int[] pitch, int[] velocity)
    {
        if (graph is null) return generator.GenerateTensors(z, pitch, velocity);
        var cfg = generator.Config;
        int plane = cfg.MelBins * cfg.Frames;
        var lm = new float[z.Length * plane];
        var ifm = new float[z.Length * plane];
        for (int i = 0; i < z.Length; i++)
        {
            var (l, f) = graph.Forward(z[i].Values, cfg.PitchIndex(pitch[i]), cfg.VelocityIndex(velocity[i]));
            l.CopyTo(lm, i * plane);
            f.CopyTo(ifm, i * plane);
        }
        long[] shape = [z.Length, cfg.MelBins, cfg.Frames];
        return (TorchSharp.torch.tensor(lm, shape), TorchSharp.torch.tensor(ifm, shape));
    }

    /// The vocoder path as the product plays it: the note's own f0 drives the vocoder's excitation (pitch is exact
    /// whatever the mel says), after PrepareForVocoder. logMel: [B, n_mels, frames] from a generator of config cfg.
    public static float[][] Vocode(GansynthConfig cfg, VocoderModel vocoder, TorchSharp.torch.Tensor logMel, IReadOnlyList<int> pitch)
    {
        var f0 = pitch.Select(p => (float)NeuralSynth.Dsp.Yin.MidiToHz(p)).ToArray();
        using var clean = PrepareForVocoder(logMel, f0, cfg);
        return vocoder.Synthesize(clean, f0, NoteRenderer.UsesPostFilter(cfg, vocoder.Config));
    }

    /// A harmonic note has nothing below its fundamental, but an under-trained generator paints energy into the
    /// lowest mel bands whatever the pitch, which the vocoder's noise branch turns into a rumbling drone that pulls
    /// the heard pitch down. Mel bands lying wholly below 0.85 f0 are set to the log floor. logMel: [B, n_mels, T].
    public static TorchSharp.torch.Tensor SuppressBelowFundamental(TorchSharp.torch.Tensor logMel, IReadOnlyList<float> f0, NeuralSynth.Models.Audio.SpectralConfig spectral)
    {
        var edges = NeuralSynth.Dsp.MelScale.MelFrequencies(spectral.NMels + 2, spectral.FMin, spectral.FMax);
        int b = (int)logMel.shape[0], mels = (int)logMel.shape[1];
        var mask = new float[b * mels];
        for (int i = 0; i < b; i++)
            for (int m = 0; m < mels; m++)
                mask[i * mels + m] = edges[m + 2] < 0.85 * f0[i] ? 0f : 1f;
        using var keep = TorchSharp.torch.tensor(mask, [b, mels, 1], device: logMel.device);
        float floor = MathF.Log(spectral.LogFloor);
        return Add(logMel * keep, S(floor) * Rsub(1, keep));
    }

    /// The generated log-mel as the vocoder path plays it: sub-fundamental bands suppressed, then a 3-frame moving
    /// mean over time (±16 ms): the generator's frame-to-frame flicker, which real notes do not have, makes the
    /// vocoder noisy. On 200 notes (EVAL.md) the mean moved YIN pitch accuracy 0.475 -> 0.550, classifier pitch
    /// 0.610 -> 0.725 and FID 3.30x -> 2.84x the real yardstick; 5 frames scored better FID but worse YIN.
    /// A harmonic-head generator needs neither step: its harmonics sit at the note's f0 by construction and its mel
    /// is used as generated (a new tensor either way; the caller disposes it).
    public static TorchSharp.torch.Tensor PrepareForVocoder(TorchSharp.torch.Tensor logMel, IReadOnlyList<float> f0, GansynthConfig cfg)
    {
        if (cfg.IsHarmonic) return logMel.alias();
        using var suppressed = SuppressBelowFundamental(logMel, f0, cfg.Spectral);
        return TorchSharp.torch.nn.functional.avg_pool1d(suppressed, 3, 1, 1, count_include_pad: false);
    }

    public void Dispose() { generator.Dispose(); vocoder?.Dispose(); }
}
