using System.Text.Json;
using NeuralSynth.Dsp;
using NeuralSynth.Formats;
using NeuralSynth.Models.Dataset;

namespace NeuralSynth.Models.Evaluation;

/// The real vibrato of a family or an instrument: NoteMeasures.Vibrato over 0.3-1.3 s of its loud mid-range notes
/// (velocity >= 90, MIDI 48-72) in a dataset split. Periodic: the share of notes whose pitch swings with a period of
/// 3-9 Hz; their median depth (peak cents) and rate are what a sound of that group plays (Plays).
public sealed record FamilyVibratoRow(string Group, int Notes, double PeriodicShare, double MedianCents, double MedianHz)
{
    /// The vibrato a sound of this group plays: the notes' median depth and rate where at least MinShare of them swing by
    /// a depth one hears (MinCents and more), else none: a clarinet's or an organ's pitch holds.
    public (double Cents, double Hz) Plays =>
        PeriodicShare >= FamilyVibrato.MinShare && MedianCents >= FamilyVibrato.MinCents ? (Math.Round(MedianCents, 1), Math.Round(MedianHz, 2)) : (0, double.NaN);
}

public static class FamilyVibrato
{
    public const double From = 0.3, Seconds = 1.0, MinShare = 0.4, MinCents = 4;
    /// The model folder's file of its training instruments' vibrato (`eval vibrato --model`).
    public const string FileName = "vibrato.json";

    /// byInstrument: one row per instrument (instrument_str) instead of per family.
    public static List<FamilyVibratoRow> Measure(string dataDir, string split = "train", bool byInstrument = false)
    {
        if (!File.Exists(Path.Combine(dataDir, split, "examples.json")))
            throw new FileNotFoundException($"{Path.Combine(dataDir, split, "examples.json")}: no such dataset split");
        var ds = NoteDataset.Load(dataDir, split);
        var result = new List<FamilyVibratoRow>();
        foreach (var group in ds.Examples.Where(e => e.Velocity >= 90 && e.Pitch >= 48 && e.Pitch <= 72)
                     .GroupBy(e => byInstrument ? e.InstrumentStr : e.InstrumentFamilyStr).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var notes = group.AsParallel().AsOrdered()
                .Select(e => NoteMeasures.Vibrato(ds.LoadAudio(e), e.SampleRate, Yin.MidiToHz(e.Pitch), (int)(From * e.SampleRate), (int)(Seconds * e.SampleRate)))
                .Where(v => !double.IsNaN(v.DepthCents)).ToArray();
            if (notes.Length == 0) continue;
            var periodic = notes.Where(v => !double.IsNaN(v.RateHz)).ToArray();
            double Median(IEnumerable<double> x) { var a = x.Order().ToArray(); return a.Length == 0 ? double.NaN : a[a.Length / 2]; }
            result.Add(new FamilyVibratoRow(group.Key, notes.Length, periodic.Length / (double)notes.Length,
                Median(periodic.Select(v => v.DepthCents)), Median(periodic.Select(v => v.RateHz))));
        }
        if (result.Count == 0) throw new ArgumentException($"{Path.Combine(dataDir, split)}: no voiced note (velocity >= 90, MIDI 48-72) to measure");
        return result;
    }

    /// Writes instrument rows as a model folder's vibrato.json: { "instruments": { name: { "notes", "periodic", "cents", "hz" } } }.
    public static void Save(string path, IEnumerable<FamilyVibratoRow> instruments)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteStartObject("instruments");
        foreach (var r in instruments)
        {
            w.WriteStartObject(r.Group);
            w.WriteNumber("notes", r.Notes);
            w.WriteNumber("periodic", Math.Round(r.PeriodicShare, 3));
            if (double.IsFinite(r.MedianCents)) w.WriteNumber("cents", Math.Round(r.MedianCents, 2));
            if (double.IsFinite(r.MedianHz)) w.WriteNumber("hz", Math.Round(r.MedianHz, 3));
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// A model folder's instrument rows by name, or null when it has no vibrato.json; a malformed file is an error that
    /// names it.
    public static Dictionary<string, FamilyVibratoRow>? LoadInstruments(string modelDir)
    {
        string path = Path.Combine(modelDir, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var result = new Dictionary<string, FamilyVibratoRow>();
            foreach (var p in doc.RootElement.GetProperty("instruments").EnumerateObject())
            {
                double Get(string name) => p.Value.TryGetProperty(name, out var v) ? v.GetDouble() : double.NaN;
                var row = new FamilyVibratoRow(p.Name, p.Value.GetProperty("notes").GetInt32(), Get("periodic"), Get("cents"), Get("hz"));
                if (!(row.PeriodicShare >= 0 && row.PeriodicShare <= 1)) throw new FormatException($"instrument '{p.Name}': periodic must be 0-1");
                result[p.Name] = row;
            }
            return result;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidFileException(path, e is JsonException j ? j.BytePositionInLine ?? 0 : 0, $"not a vibrato file ({e.Message})");
        }
    }
}
