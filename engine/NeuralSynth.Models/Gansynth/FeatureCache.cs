using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Dataset;
using NeuralSynth.Formats;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Gansynth;

/// The real notes of one dataset split as IF-Mel features, computed once and cached in the run directory
/// (features_<split>.safetensors) so epochs and resumed runs don't recompute STFTs.
/// Features hold raw values: log-mel in ln units and IF in [-1, 1], [N, 2, n_mels, frames]; pitch and velocity [N].
public sealed class FeatureCache : IDisposable
{
    public Tensor Features { get; }
    public int[] Pitches { get; }
    public int[] Velocities { get; }
    public int Count => Pitches.Length;

    FeatureCache(Tensor f, int[] p, int[] v) { Features = f; Pitches = p; Velocities = v; }

    /// Loads the cache if present (and consistent), otherwise computes it from DIR/split and writes it.
    public static FeatureCache LoadOrBuild(string dataDir, string split, GansynthConfig cfg, string cachePath, Action<string>? log = null, int limit = 0)
    {
        if (File.Exists(cachePath))
        {
            var (t, meta) = WeightsFile.Read(cachePath);
            if (!t.TryGetValue("features", out var f) || !t.TryGetValue("pitch", out var p) || !t.TryGetValue("velocity", out var v))
                throw new InvalidFileException(cachePath, 8, "feature cache lacks 'features', 'pitch' or 'velocity' (delete it to rebuild)");
            if (f.Shape.Length != 4 || f.Shape[1] != 2 || f.Shape[2] != cfg.MelBins || f.Shape[3] != cfg.Frames)
                throw new InvalidFileException(cachePath, 8, $"feature cache has shape [{string.Join(", ", f.Shape)}], the config needs [N, 2, {cfg.MelBins}, {cfg.Frames}] (delete it to rebuild)");
            log?.Invoke($"features: {f.Shape[0]} notes from cache {cachePath}");
            return new FeatureCache(tensor(f.Data, f.Shape), p.Data.Select(x => (int)x).ToArray(), v.Data.Select(x => (int)x).ToArray());
        }
        var ds = NoteDataset.Load(dataDir, split);
        var examples = ds.Examples.Where(e => e.Pitch >= cfg.MinPitch && e.Pitch <= cfg.MaxPitch).ToList();
        if (limit > 0) examples = examples.Take(limit).ToList();
        if (examples.Count == 0) throw new ArgumentException($"{dataDir}/{split}: no notes with pitch {cfg.MinPitch}-{cfg.MaxPitch}");
        log?.Invoke($"features: computing IF-Mel for {examples.Count} notes of {dataDir}/{split}");
        using var ifmel = new IfMel(cfg.Spectral);
        var chunks = new List<Tensor>();
        const int Chunk = 32;
        for (int i = 0; i < examples.Count; i += Chunk)
        {
            using var scope = NewDisposeScope();
            var batch = examples.Skip(i).Take(Chunk).ToList();
            var audio = new float[batch.Count * cfg.Samples];
            for (int j = 0; j < batch.Count; j++)
            {
                cfg.Spectral.FitLength(ds.LoadAudio(batch[j], cfg.Spectral.SampleRate)).CopyTo(audio, j * cfg.Samples);
            }
            var (lm, ifm) = ifmel.Forward(tensor(audio, [batch.Count, cfg.Samples]));
            chunks.Add(stack([lm, ifm], 1).MoveToOuterDisposeScope());
        }
        var features = cat(chunks, 0);
        foreach (var c in chunks) c.Dispose();
        var pitches = examples.Select(e => e.Pitch).ToArray();
        var vels = examples.Select(e => e.Velocity).ToArray();
        using var pt = tensor(pitches.Select(x => (float)x).ToArray());
        using var vt = tensor(vels.Select(x => (float)x).ToArray());
        WeightsFile.Save(new Dictionary<string, Tensor> { ["features"] = features, ["pitch"] = pt, ["velocity"] = vt }, cachePath,
            new Dictionary<string, string> { ["source"] = Path.GetFullPath(Path.Combine(dataDir, split)) });
        return new FeatureCache(features, pitches, vels);
    }

    public void Dispose() => Features.Dispose();
}
