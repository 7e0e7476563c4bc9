using NeuralSynth.Dsp;
using NeuralSynth.Models.Dataset;

namespace NeuralSynth.Models.Evaluation;

/// A family's real vibrato: NoteMeasures.Vibrato over 0.3-1.3 s of its loud mid-range notes (velocity >= 90, MIDI 48-72)
/// in a dataset split. Periodic: the share of notes whose pitch swings with a period of 3-9 Hz; their median depth
/// (peak cents) and rate are what a preset of the family plays (PresetBank.Style).
public sealed record FamilyVibratoRow(string Family, int Notes, double PeriodicShare, double MedianCents, double MedianHz);

public static class FamilyVibrato
{
    public const double From = 0.3, Seconds = 1.0;

    public static List<FamilyVibratoRow> Measure(string dataDir, string split = "train")
    {
        if (!File.Exists(Path.Combine(dataDir, split, "examples.json")))
            throw new FileNotFoundException($"{Path.Combine(dataDir, split, "examples.json")}: no such dataset split");
        var ds = NoteDataset.Load(dataDir, split);
        var result = new List<FamilyVibratoRow>();
        foreach (var family in ds.Examples.Where(e => e.Velocity >= 90 && e.Pitch >= 48 && e.Pitch <= 72).GroupBy(e => e.InstrumentFamilyStr).OrderBy(g => g.Key))
        {
            var notes = family.AsParallel().AsOrdered()
                .Select(e => NoteMeasures.Vibrato(ds.LoadAudio(e), e.SampleRate, Yin.MidiToHz(e.Pitch), (int)(From * e.SampleRate), (int)(Seconds * e.SampleRate)))
                .Where(v => !double.IsNaN(v.DepthCents)).ToArray();
            if (notes.Length == 0) continue;
            var periodic = notes.Where(v => !double.IsNaN(v.RateHz)).ToArray();
            double Median(IEnumerable<double> x) { var a = x.Order().ToArray(); return a.Length == 0 ? double.NaN : a[a.Length / 2]; }
            result.Add(new FamilyVibratoRow(family.Key, notes.Length, periodic.Length / (double)notes.Length,
                Median(periodic.Select(v => v.DepthCents)), Median(periodic.Select(v => v.RateHz))));
        }
        if (result.Count == 0) throw new ArgumentException($"{Path.Combine(dataDir, split)}: no voiced note (velocity >= 90, MIDI 48-72) to measure");
        return result;
    }
}
