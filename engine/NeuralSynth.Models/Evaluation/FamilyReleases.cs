using NeuralSynth.Dsp;
using NeuralSynth.Models.Dataset;

namespace NeuralSynth.Models.Evaluation;

/// How long a family's real notes ring on after their note-off: the median of NoteMeasures.ReleaseSeconds over its
/// loud notes (velocity >= 90, MIDI 36-84) in a dataset split. This is what a preset's release is measured against.
public sealed record FamilyRelease(string Family, int Notes, double MedianSeconds);

public static class FamilyReleases
{
    /// Where `dataset build` releases its notes by default (DatasetBuildOptions: held for Seconds - Release).
    public static double DefaultNoteOffSeconds
    {
        get { var o = new DatasetBuildOptions { OutDir = "" }; return o.Seconds - o.Release; }
    }

    public static List<FamilyRelease> Measure(string dataDir, string split = "train", double? noteOffSeconds = null)
    {
        if (!File.Exists(Path.Combine(dataDir, split, "examples.json")))
            throw new FileNotFoundException($"{Path.Combine(dataDir, split, "examples.json")}: no such dataset split");
        var ds = NoteDataset.Load(dataDir, split);
        double off = noteOffSeconds ?? DefaultNoteOffSeconds;
        if (!(off > 0 && double.IsFinite(off))) throw new ArgumentException($"note-off {off} s: must be a time > 0 into each note");
        var result = new List<FamilyRelease>();
        foreach (var family in ds.Examples.Where(e => e.Velocity >= 90 && e.Pitch >= 36 && e.Pitch <= 84).GroupBy(e => e.InstrumentFamilyStr).OrderBy(g => g.Key))
        {
            var times = family.Select(e => NoteMeasures.ReleaseSeconds(ds.LoadAudio(e), e.SampleRate, (int)Math.Round(off * e.SampleRate)))
                .Where(t => !double.IsNaN(t)).Order().ToArray();
            if (times.Length > 0) result.Add(new FamilyRelease(family.Key, times.Length, times[times.Length / 2]));
        }
        if (result.Count == 0)
            throw new ArgumentException($"{Path.Combine(dataDir, split)}: no note (velocity >= 90, MIDI 36-84) sounds at a note-off {off} s into it");
        return result;
    }
}
