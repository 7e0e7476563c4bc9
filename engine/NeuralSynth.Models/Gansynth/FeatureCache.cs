using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Dataset;
using NeuralSynth.Formats;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Gansynth;

/// The real notes of one dataset split as IF-Mel features, computed once and cached in the run directory
/// (features_<split>.safetensors) so epochs and resumed runs don't recompute STFTs.
/// Features hold raw values: log-mel in ln units and IF in [-1, 1], [N, 2, n_mels, frames]; pitch and velocity [N];
/// family [N], the NSynth family id (GeneralMidi.Families) of each note; the instrument (instrument_str) of each note comes
/// from the dataset's metadata, in the same order.
public sealed class FeatureCache : IDisposable
{
    public Tensor Features { get; }
    public int[] Pitches { get; }
    public int[] Velocities { get; }
    public int[] Families { get; }
    public string[] Instruments { get; }
    public int Count => Pitches.Length;

    FeatureCache(Tensor f, int[] p, int[] v, int[] fam, string[] inst) { Features = f; Pitches = p; Velocities = v; Families = fam; Instruments = inst; }

    static List<NoteExample> Notes(NoteDataset ds, GansynthConfig cfg, int limit)
    {
        var examples = ds.Examples.Where(e => e.Pitch >= cfg.MinPitch && e.Pitch <= cfg.MaxPitch).ToList();
        return limit > 0 ? examples.Take(limit).ToList() : examples;
    }

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
            var pitch = p.Data.Select(x => (int)x).ToArray();
            // Instruments (and the families of caches written before family conditioning) come from the dataset's
            // metadata, in the same order.
            var notes = Notes(NoteDataset.Load(dataDir, split), cfg, limit);
            if (notes.Count != pitch.Length || notes.Where((e, i) => e.Pitch != pitch[i]).Any())
                throw new InvalidFileException(cachePath, 8, $"feature cache's notes differ from {dataDir}/{split} (delete it to rebuild)");
            int[] family = t.TryGetValue("family", out var fm) ? fm.Data.Select(x => (int)x).ToArray() : notes.Select(e => FamilyId(e)).ToArray();
            return new FeatureCache(tensor(f.Data, f.Shape), pitch, v.Data.Select(x => (int)x).ToArray(), family, notes.Select(e => e.InstrumentStr).ToArray());
        }
        var ds = NoteDataset.Load(dataDir, split);
        var examples = Notes(ds, cfg, limit);
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
        var families = examples.Select(e => FamilyId(e)).ToArray();
        using var pt = tensor(pitches.Select(x => (float)x).ToArray());
        using var vt = tensor(vels.Select(x => (float)x).ToArray());
        using var ft = tensor(families.Select(x => (float)x).ToArray());
        WeightsFile.Save(new Dictionary<string, Tensor> { ["features"] = features, ["pitch"] = pt, ["velocity"] = vt, ["family"] = ft }, cachePath,
            new Dictionary<string, string> { ["source"] = Path.GetFullPath(Path.Combine(dataDir, split)) });
        return new FeatureCache(features, pitches, vels, families, examples.Select(e => e.InstrumentStr).ToArray());
    }

    static int FamilyId(NoteExample e)
    {
        int id = Array.IndexOf(GeneralMidi.Families, e.InstrumentFamilyStr);
        return id >= 0 ? id : throw new ArgumentException($"note {e.NoteStr}: instrument family '{e.InstrumentFamilyStr}' is not an NSynth family");
    }

    public void Dispose() => Features.Dispose();
}
