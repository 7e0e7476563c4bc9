using System.Globalization;
using System.Text;
using NeuralSynth.Dsp;
using NeuralSynth.Formats;
using NeuralSynth.Models.Dataset;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Models.Timbre;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Evaluation;

/// One note of a scale as heard: YIN pitch error, attack delay and harmonic-to-noise ratio beside real notes.
/// RealOnsetMs: the onset delay of a real note of the preset's family at this pitch, played in the same phrase (null
/// when the data has none, or when that note's onset is not detectable either). SourceHnrDb: the harmonic-to-noise ratio
/// of the training instrument the preset plays near (its timbre code's), at this pitch, when known.
public sealed record ScaleNote(string Preset, int Pitch, double? Cents, double? OnsetMs, double HnrDb, double? RealHnrDb, double? RealOnsetMs = null, bool HasRealNote = false,
    double? SourceHnrDb = null);

/// A preset's scale in numbers, against the issue's bars (25 cents, 10 ms, 6 dB). The real HNR is the family's unseen
/// test instrument's (the data's test split first); Source, the training instrument the preset plays near, is the
/// second reference: a sound can be cleaner than an unseen instrument and still as clean as the one it learned.
public sealed record ScaleSummary(string Preset, string? Family, int Notes, double InTune25, double InTune50, double OnsetWithin10Ms,
    double MedianHnrDb, double? MedianRealHnrDb, double? HnrWithin6Db, double MedianAbsCents, double? RealOnsetWithin10Ms = null,
    string? Source = null, double? MedianSourceHnrDb = null, double? HnrWithin6DbOfSource = null)
{
    public const double CentsBar = 25, OnsetBarMs = 10, HnrBarDb = 6;
    /// Every note's harmonic-to-noise ratio, real or generated, is measured at its own tuning within this many cents
    /// of its key (NoteMeasures.HarmonicToNoiseDb's tuneCents): until 2026-12-07 22:55 at the key's f0, which counted
    /// the upper harmonics of the test keyboard's samples (~20 cents off their keys) as noise, 13.6 dB where its own
    /// tuning gives 17 (EVAL.md phases 24-25). A note's tuning is the cents columns' to judge.
    public const double HnrTuneCents = 50;
}

/// The phrase check a musician would play: a chromatic scale (default MIDI 28-96) through `render`'s own path
/// (StemRenderer at 48 kHz: cache, voices, resampling, envelopes), 0.4 s notes with 0.1 s gaps so that every
/// attack after the first starts inside the previous note's release. Per note: YIN median f0 over 0.1-0.35 s
/// after the note-on, in cents from the asked pitch; onset delay (NoteMeasures.OnsetDelayMs); harmonic-to-noise ratio
/// over 0.1-0.4 s, and the same ratio of real notes of the preset's family at that pitch (dataset test split, then
/// train) when the data has them, and of the training instrument the preset plays near (source) when one is given.
public static class ScaleCheck
{
    public const double NoteSeconds = 0.4, StepSeconds = 0.5, Bpm = 120;
    /// The first note-on comes one step in: the onset detector compares each 1 ms frame with the 10 ms before it, which
    /// a note at sample 0 does not have (it used to cost every preset its first note).
    const int LeadInSteps = 1;
    const int Tpq = 480;

    /// Sample of the index-th note-on of the scale (or of a real phrase played the same way).
    public static int NoteOnSample(int index, int sampleRate) => (int)Math.Round((index + LeadInSteps) * StepSeconds * sampleRate);

    public static MidiFile ScaleMidi(int from, int to, int velocity = 100)
    {
        var w = new MidiWriter(Tpq);
        var t = w.AddTrack("scale").Tempo(0, Bpm);
        long step = (long)(StepSeconds * Tpq * Bpm / 60), length = (long)(NoteSeconds * Tpq * Bpm / 60);
        for (int p = from; p <= to; p++) t.Note((p - from + LeadInSteps) * step, length, 0, p, velocity);
        return MidiFile.Read(w.ToArray(), $"chromatic scale {from}-{to}");
    }

    public static IReadOnlyList<ScaleNote> Run(NoteRenderer renderer, VoiceCache cache, TrackSound sound, string? family, int from, int to,
        RealNotes? real, int sampleRate = 48000, int threads = 1, string? source = null)
    {
        var midi = ScaleMidi(from, to);
        var stems = new StemRenderer(renderer, cache, VelocityLayers.Default)
            .Render(midi, (_, _) => sound, new StemRenderOptions { SampleRate = sampleRate, Threads = threads });
        var audio = stems.Single().Left;
        var notes = new List<ScaleNote>();
        for (int p = from; p <= to; p++)
        {
            int on = NoteOnSample(p - from, sampleRate);
            double f0 = Yin.MidiToHz(p);
            var segment = Slice(audio, on + (int)(0.10 * sampleRate), (int)(0.25 * sampleRate));
            float heard = Yin.MedianPitch(segment, sampleRate, 25, Math.Min(4200, sampleRate / 2f - 1));
            double? cents = float.IsFinite(heard) ? Yin.Cents(heard, f0) : null;
            double hnr = NoteMeasures.HarmonicToNoiseDb(audio, sampleRate, f0, on + (int)(0.10 * sampleRate), (int)(0.30 * sampleRate), tuneCents: ScaleSummary.HnrTuneCents);
            double? realOnset = null;
            bool hasReal = family is not null && real is not null && real.TryOnset(family, p, out realOnset);
            notes.Add(new ScaleNote(sound.PresetName, p, cents, NoteMeasures.OnsetDelayMs(audio, sampleRate, on), hnr, family is null ? null : real?.Median(family, p),
                realOnset, hasReal, source is null ? null : real?.InstrumentMedian(source, p)));
        }
        return notes;
    }

    static float[] Slice(float[] x, int start, int length)
    {
        var r = new float[length];
        if (start < x.Length) Array.Copy(x, start, r, 0, Math.Min(length, x.Length - start));
        return r;
    }

    public static ScaleSummary Summarize(string preset, string? family, IReadOnlyList<ScaleNote> notes, string? source = null)
    {
        double Frac(Func<ScaleNote, bool> ok) => notes.Count == 0 ? 0 : notes.Count(ok) / (double)notes.Count;
        var paired = notes.Where(n => n.RealHnrDb is not null && double.IsFinite(n.HnrDb)).ToList();
        var bySource = notes.Where(n => n.SourceHnrDb is not null && double.IsFinite(n.HnrDb)).ToList();
        var withReal = notes.Where(n => n.HasRealNote).ToList();
        return new ScaleSummary(preset, family, notes.Count,
            Frac(n => n.Cents is double c && Math.Abs(c) <= ScaleSummary.CentsBar),
            Frac(n => n.Cents is double c && Math.Abs(c) <= 50),
            Frac(n => n.OnsetMs is double o && o <= ScaleSummary.OnsetBarMs),
            Median(notes.Select(n => n.HnrDb)),
            paired.Count == 0 ? null : Median(paired.Select(n => n.RealHnrDb!.Value)),
            paired.Count == 0 ? null : paired.Count(n => Math.Abs(n.HnrDb - n.RealHnrDb!.Value) <= ScaleSummary.HnrBarDb) / (double)paired.Count,
            Median(notes.Select(n => n.Cents is double c ? Math.Abs(c) : 2400)),
            withReal.Count == 0 ? null : withReal.Count(n => n.RealOnsetMs is double o && o <= ScaleSummary.OnsetBarMs) / (double)withReal.Count,
            bySource.Count == 0 ? null : source,
            bySource.Count == 0 ? null : Median(bySource.Select(n => n.SourceHnrDb!.Value)),
            bySource.Count == 0 ? null : bySource.Count(n => Math.Abs(n.HnrDb - n.SourceHnrDb!.Value) <= ScaleSummary.HnrBarDb) / (double)bySource.Count);
    }

    static double Median(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    public static void WriteCsv(string path, IEnumerable<ScaleNote> notes)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("preset,pitch,cents,onset_ms,hnr_db,real_hnr_db,real_onset_ms,source_hnr_db\n");
        foreach (var n in notes)
            sb.Append(ci, $"{n.Preset},{n.Pitch},{n.Cents?.ToString("F1", ci)},{n.OnsetMs?.ToString("F1", ci)},{n.HnrDb.ToString("F1", ci)},{n.RealHnrDb?.ToString("F1", ci)},{n.RealOnsetMs?.ToString("F1", ci)},{n.SourceHnrDb?.ToString("F1", ci)}\n");
        File.WriteAllText(path, sb.ToString());
    }

    public static string Markdown(IEnumerable<ScaleSummary> summaries, int from, int to)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(ci, $"Chromatic scale MIDI {from}-{to} through `render` (48 kHz), {NoteSeconds} s notes every {StepSeconds} s, velocity 100; harmonic-to-noise ratios at each note's own tuning (within {ScaleSummary.HnrTuneCents} cents of its key).\n\n");
        sb.Append("| preset | family | notes | within 25 c | within 50 c | median abs cents | onset <= 10 ms | real notes' onset <= 10 ms | median HNR dB | real HNR dB | HNR within 6 dB of real | plays near (train instrument) | its HNR dB | HNR within 6 dB of it |\n");
        sb.Append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n");
        foreach (var s in summaries)
            sb.Append(ci, $"| {s.Preset} | {s.Family ?? "-"} | {s.Notes} | {s.InTune25:P0} | {s.InTune50:P0} | {s.MedianAbsCents:F1} | {s.OnsetWithin10Ms:P0} | {(s.RealOnsetWithin10Ms is double ro ? ro.ToString("P0", ci) : "-")} | {s.MedianHnrDb:F1} | {(s.MedianRealHnrDb is double r ? r.ToString("F1", ci) : "-")} | {(s.HnrWithin6Db is double h ? h.ToString("P0", ci) : "-")} | {s.Source ?? "-"} | {(s.MedianSourceHnrDb is double sr ? sr.ToString("F1", ci) : "-")} | {(s.HnrWithin6DbOfSource is double hs ? hs.ToString("P0", ci) : "-")} |\n");
        return sb.ToString();
    }

    /// Cents error per pitch, one line per preset: scale.png.
    public static void Plot(string path, IReadOnlyList<ScaleNote> notes)
    {
        var series = notes.GroupBy(n => n.Preset)
            .Select(g => new LineSeries(g.Key, g.Select(n => (double)n.Pitch).ToArray(), g.Select(n => Math.Clamp(n.Cents ?? 1300, -1300, 1300)).ToArray()))
            .ToList();
        Plots.Lines("Scale check: YIN pitch error per note (clamped to +-1300 c; missing = 1300)", "MIDI pitch", "cents", series, path, width: 1200, height: 600);
    }
}

/// Real notes by (family, pitch), measured the way ScaleCheck measures generated ones: their harmonic-to-noise ratio,
/// and their onset delay when the family's real notes are played as the same phrase (each released at NoteSeconds with
/// the release the family's presets get, as the scale's notes are), so "is a 10 ms attack natural here" has an answer.
/// (Until 2026-12-07 each real note was faded linearly to silence at the next note-on, so every real onset started in
/// silence while the presets' started under their predecessor's release: real flutes kept 84 % of their onsets that
/// way and 39 % under the flute presets' 0.3 s release, real strings 93 % and 9 % (eval scale, SCALE.md).)
public sealed class RealNotes
{
    readonly Dictionary<(string, int), double> medians = new();
    readonly Dictionary<(string, int), (NoteDataset Data, NoteExample Note)> phraseNotes = new();
    readonly Dictionary<string, Dictionary<int, double?>> onsets = new();
    // Each split's notes by (instrument, pitch), test first, for InstrumentMedian.
    readonly List<(NoteDataset Data, ILookup<(string, int), NoteExample> Notes)> splits = new();
    readonly Dictionary<(string, int), double?> instrumentMedians = new();
    readonly int maxPerKey;

    public RealNotes(string dataDir, int maxPerKey = 3)
    {
        this.maxPerKey = maxPerKey;
        foreach (var split in new[] { "test", "train" })
        {
            if (!File.Exists(Path.Combine(dataDir, split, "examples.json"))) continue;
            var ds = NoteDataset.Load(dataDir, split);
            splits.Add((ds, ds.Examples.ToLookup(e => (e.InstrumentStr, e.Pitch))));
            foreach (var g in ds.Examples.GroupBy(e => (e.InstrumentFamilyStr, e.Pitch)))
            {
                if (medians.ContainsKey(g.Key)) continue;
                var chosen = Nearest100(g);
                phraseNotes[g.Key] = (ds, chosen[0]);
                if (MedianHnr(ds, chosen) is double m) medians[g.Key] = m;
            }
        }
    }

    /// The median harmonic-to-noise ratio of the family's real notes at this pitch (its test instrument's when the
    /// data's test split has one), or null.
    public double? Median(string family, int pitch) => medians.TryGetValue((family, pitch), out var v) ? v : null;

    /// The same ratio for one instrument's notes at this pitch (any split), or null when the data has none.
    public double? InstrumentMedian(string instrument, int pitch)
    {
        lock (instrumentMedians)
        {
            if (instrumentMedians.TryGetValue((instrument, pitch), out var known)) return known;
            double? m = null;
            foreach (var (ds, notes) in splits)
                if (notes.Contains((instrument, pitch))) { m = MedianHnr(ds, Nearest100(notes[(instrument, pitch)])); break; }
            return instrumentMedians[(instrument, pitch)] = m;
        }
    }

    /// Up to maxPerKey notes, the velocities nearest the scale's 100 first.
    List<NoteExample> Nearest100(IEnumerable<NoteExample> notes) => notes.OrderBy(e => Math.Abs(e.Velocity - 100)).Take(maxPerKey).ToList();

    static double? MedianHnr(NoteDataset ds, List<NoteExample> notes)
    {
        var values = notes
            .Select(e => NoteMeasures.HarmonicToNoiseDb(ds.LoadAudio(e), e.SampleRate, Yin.MidiToHz(e.Pitch), (int)(0.10 * e.SampleRate), (int)(0.30 * e.SampleRate),
                tuneCents: ScaleSummary.HnrTuneCents))
            .Where(double.IsFinite).Order().ToArray();
        return values.Length > 0 ? values[values.Length / 2] : null;
    }

    /// False when the data has no real note of this family and pitch; else the note's onset delay in the family's
    /// real phrase (null when no onset is detectable).
    public bool TryOnset(string family, int pitch, out double? onsetMs)
    {
        onsetMs = null;
        if (!phraseNotes.ContainsKey((family, pitch))) return false;
        lock (onsets)
        {
            if (!onsets.TryGetValue(family, out var byPitch)) onsets[family] = byPitch = PlayPhrase(family);
            onsetMs = byPitch[pitch];
            return true;
        }
    }

    /// The family's real notes in ascending pitch order, one every StepSeconds, as one signal.
    Dictionary<int, double?> PlayPhrase(string family)
    {
        var notes = phraseNotes.Where(kv => kv.Key.Item1 == family).OrderBy(kv => kv.Key.Item2).Select(kv => kv.Value).ToList();
        int sr = notes[0].Note.SampleRate;
        int step = (int)Math.Round(ScaleCheck.StepSeconds * sr), hold = (int)Math.Round(ScaleCheck.NoteSeconds * sr);
        // The family preset's release, as VoiceEngine releases a voice.
        double coef = VoiceEngine.ReleaseCoefficient(PresetBank.Style(family).Release, sr);
        var mix = new float[ScaleCheck.NoteOnSample(notes.Count, sr) + step];
        for (int i = 0; i < notes.Count; i++)
        {
            var x = notes[i].Data.LoadAudio(notes[i].Note, sr);
            int on = ScaleCheck.NoteOnSample(i, sr);
            double env = 1;
            for (int j = 0; j < x.Length && on + j < mix.Length && env > 1e-4; j++)
            {
                mix[on + j] += (float)(x[j] * env);
                if (j >= hold) env *= coef;
            }
        }
        var result = new Dictionary<int, double?>();
        for (int i = 0; i < notes.Count; i++) result[notes[i].Note.Pitch] = NoteMeasures.OnsetDelayMs(mix, sr, ScaleCheck.NoteOnSample(i, sr));
        return result;
    }
}
