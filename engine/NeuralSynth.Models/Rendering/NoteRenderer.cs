using NeuralSynth.Models.Gansynth;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Rendering;

/// (model set, z, pitch, velocity) -> note waveform at the model rate, batched, through either
/// inversion path. The scheduler's workers call Render; nothing here touches the audio thread.
public sealed class NoteRenderer : INoteRenderer, IDisposable
{
    readonly GansynthModel generator;
    readonly object gate = new(); // torch modules are not re-entrant: one batch at a time
    public InversionPath Path { get; }
    public int BatchSize { get; }
    public string ModelId { get; }
    public int SampleRate => generator.Config.Spectral.SampleRate;
    public int LatentSize => generator.Config.LatentSize;
    public int MinPitch => generator.Config.MinPitch;
    public int MaxPitch => generator.Config.MaxPitch;
    public GansynthModel Generator => generator;

    public NoteRenderer(GansynthModel generator, InversionPath path = InversionPath.If, int batchSize = 8)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be at least 1");
        this.generator = generator;
        Path = path;
        BatchSize = batchSize;
        ModelId = $"{generator.ModelId}:{path.ToString().ToLowerInvariant()}";
    }

    /// Loads the generator from `modelDir` (config.json + model.safetensors).
    public static NoteRenderer Load(string modelDir, InversionPath path = InversionPath.If, int batchSize = 8)
    {
        if (path == InversionPath.Vocoder)
            throw new ArgumentException("the vocoder inversion path is not wired into NoteRenderer yet; use --path if");
        return new NoteRenderer(GansynthModel.Load(modelDir), path, batchSize);
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
            lock (gate) audio = generator.RenderIf(z, pitch, velocity);
            for (int i = 0; i < n; i++) result[start + i] = audio[i];
        }
        return result;
    }

    public void Dispose() => generator.Dispose();
}
