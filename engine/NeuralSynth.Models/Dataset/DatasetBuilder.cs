using NeuralSynth.Formats;

namespace NeuralSynth.Models.Dataset;

public sealed record DatasetBuildOptions
{
    /// SoundFonts to render, each a separate set of instruments (instrument number = 1000 x its index + bank x 128 + program).
    public IReadOnlyList<string> SoundFonts { get; init; } = [];
    /// One SoundFont (the common case).
    public string SoundFont { get => string.Join(", ", SoundFonts); init => SoundFonts = [value]; }
    public required string OutDir { get; init; }
    public IReadOnlyList<int> Programs { get; init; } = GeneralMidi.AcousticDefault;
    public int Bank { get; init; }
    public int MinPitch { get; init; } = 24;
    public int MaxPitch { get; init; } = 84;
    public IReadOnlyList<int> Velocities { get; init; } = new[] { 50, 90, 127 };
    public double Seconds { get; init; } = 2.0;
    public double Release { get; init; } = 0.5;
    public int SampleRate { get; init; } = 16000;
    public int Threads { get; init; } = Math.Max(1, Environment.ProcessorCount);
}

public sealed record DatasetBuildResult(int Rendered, int Reused, int Silent, IReadOnlyDictionary<string, int> NotesPerSplit);

/// Renders an NSynth-style note dataset from a SoundFont. Deterministic (no reverb/chorus, fixed order),
/// resumable (each WAV is written to a temp name and renamed, so an existing WAV is a finished note),
/// split train/valid/test by instrument so that test instruments are never seen in training.
public static class DatasetBuilder
{
    const float SilenceRms = 1e-4f;

    public static DatasetBuildResult Build(DatasetBuildOptions o, Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        Validate(o);
        var programs = (from sf in Enumerable.Range(0, o.SoundFonts.Count) from p in o.Programs.Distinct() select (sf, p)).ToList();
        var split = AssignSplits(programs.Select(u => InstrumentName(o.Bank, u.p, u.sf)).ToList());
        var pitchesAndVelocities = (from pitch in Enumerable.Range(o.MinPitch, o.MaxPitch - o.MinPitch + 1)
                                    from v in o.Velocities.Distinct()
                                    select (pitch, velocity: v)).ToList();
        foreach (var s in NoteDataset.Splits) Directory.CreateDirectory(Path.Combine(o.OutDir, s, "audio"));

        int total = (int)Math.Round(o.Seconds * o.SampleRate), hold = (int)Math.Round((o.Seconds - o.Release) * o.SampleRate);
        int perProgram = pitchesAndVelocities.Count, jobCount = programs.Count * perProgram;
        var results = new NoteExample?[jobCount];
        int done = 0, rendered = 0, reused = 0, silent = 0, next = -1;
        // The unit of work is a (SoundFont, program), rendered in a fixed note order by a fresh synthesizer:
        // fluidsynth carries state from note to note (even across a reset), so a note is reproducible
        // only with the same history. Resuming therefore skips finished programs and redoes a partial one.
        var workers = Enumerable.Range(0, Math.Min(o.Threads, programs.Count)).Select(_ => Task.Run(() =>
        {
            int j;
            while ((j = Interlocked.Increment(ref next)) < programs.Count)
            {
                var (sf, program) = programs[j];
                string inst = InstrumentName(o.Bank, program, sf);
                var examples = pitchesAndVelocities.Select(pv => Example(o, sf, program, inst, pv.pitch, pv.velocity)).ToList();
                string Wav(NoteExample e) => Path.Combine(o.OutDir, split[inst], "audio", e.NoteStr + ".wav");
                string doneMarker = Path.Combine(o.OutDir, split[inst], "audio", $".{inst}.done");
                if (File.Exists(doneMarker))
                {
                    for (int k = 0; k < perProgram; k++)
                        if (File.Exists(Wav(examples[k]))) { results[j * perProgram + k] = examples[k]; Interlocked.Increment(ref reused); }
                    progress?.Invoke(Interlocked.Add(ref done, perProgram), jobCount);
                    continue;
                }
                using var synth = new FluidSynth(o.SoundFonts[sf], o.SampleRate);
                for (int k = 0; k < perProgram; k++)
                {
                    cancel.ThrowIfCancellationRequested();
                    var e = examples[k];
                    var audio = synth.RenderNote(o.Bank, program, e.Pitch, e.Velocity, total, hold);
                    if (Rms(audio) < SilenceRms) Interlocked.Increment(ref silent); // this preset has no sample here
                    else
                    {
                        string wav = Wav(e), tmp = wav + ".tmp";
                        WavFile.Write(tmp, new[] { audio }, o.SampleRate);
                        File.Move(tmp, wav, overwrite: true);
                        results[j * perProgram + k] = e;
                        Interlocked.Increment(ref rendered);
                    }
                    progress?.Invoke(Interlocked.Increment(ref done), jobCount);
                }
                File.WriteAllText(doneMarker, "");
            }
        }, cancel)).ToArray();
        Task.WhenAll(workers).GetAwaiter().GetResult(); // rethrows the first error itself, not an AggregateException

        var perSplit = new Dictionary<string, int>();
        foreach (var s in NoteDataset.Splits)
        {
            var examples = results.Where(e => e != null && split[e.InstrumentStr] == s).Select(e => e!).ToList();
            NoteDataset.Save(o.OutDir, s, examples);
            perSplit[s] = examples.Count;
        }
        return new DatasetBuildResult(rendered, reused, silent, perSplit);
    }

    static void Validate(DatasetBuildOptions o)
    {
        if (o.MinPitch < 0 || o.MaxPitch > 127 || o.MinPitch > o.MaxPitch) throw new ArgumentException($"pitch range {o.MinPitch}-{o.MaxPitch} must lie within 0-127 and not be empty");
        foreach (var v in o.Velocities) if (v is < 1 or > 127) throw new ArgumentException($"velocity {v} must lie within 1-127");
        foreach (var p in o.Programs) if (p is < 0 or > 127) throw new ArgumentException($"program {p} must lie within 0-127");
        if (o.SoundFonts.Count == 0) throw new ArgumentException("need at least one SoundFont");
        if (o.SoundFonts.Count > 9) throw new ArgumentException($"{o.SoundFonts.Count} SoundFonts: at most 9 fit the instrument numbering");
        foreach (var sf in o.SoundFonts) if (!File.Exists(sf)) throw new FileNotFoundException($"{sf}: SoundFont not found", sf);
        if (o.Programs.Count == 0 || o.Velocities.Count == 0) throw new ArgumentException("need at least one program and one velocity");
        if (o.Seconds <= 0 || o.Release < 0 || o.Release >= o.Seconds) throw new ArgumentException($"--seconds {o.Seconds} and --release {o.Release}: need 0 <= release < seconds");
        if (o.SampleRate is < 8000 or > 192000) throw new ArgumentException($"sample rate {o.SampleRate} must lie within 8000-192000");
    }

    /// NSynth-style name, family_source_number; the number is 1000 x the SoundFont's index + bank x 128 + program.
    public static string InstrumentName(int bank, int program, int soundFontIndex = 0) =>
        $"{GeneralMidi.Family(program)}_{GeneralMidi.Source(program)}_{InstrumentNumber(bank, program, soundFontIndex):000}";

    static int InstrumentNumber(int bank, int program, int soundFontIndex) => soundFontIndex * 1000 + bank * 128 + program;

    static NoteExample Example(DatasetBuildOptions o, int soundFontIndex, int program, string inst, int pitch, int velocity) => new()
    {
        NoteStr = $"{inst}-{pitch:000}-{velocity:000}",
        Pitch = pitch,
        Velocity = velocity,
        Instrument = InstrumentNumber(o.Bank, program, soundFontIndex),
        InstrumentStr = inst,
        InstrumentFamily = Array.IndexOf(GeneralMidi.Families, GeneralMidi.Family(program)),
        InstrumentFamilyStr = GeneralMidi.Family(program),
        InstrumentSource = Array.IndexOf(GeneralMidi.Sources, GeneralMidi.Source(program)),
        InstrumentSourceStr = GeneralMidi.Source(program),
        SampleRate = o.SampleRate,
    };

    /// Splits by instrument, stratified by family so every family keeps instruments to train on:
    /// in a family of three or more instruments one (stable hash order) goes to test, in a family of
    /// four or more a second goes to valid; smaller families train only. Test instruments are never trained on.
    public static Dictionary<string, string> AssignSplits(IReadOnlyList<string> instruments)
    {
        var map = new Dictionary<string, string>();
        foreach (var family in instruments.Distinct().GroupBy(i => i[..i.LastIndexOf('_', i.LastIndexOf('_') - 1)]))
        {
            var order = family.OrderBy(StableHash).ThenBy(s => s, StringComparer.Ordinal).ToList();
            for (int i = 0; i < order.Count; i++)
                map[order[i]] = i == 0 && order.Count >= 3 ? "test" : i == 1 && order.Count >= 4 ? "valid" : "train";
        }
        return map;
    }

    public static ulong StableHash(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in s) { h ^= c; h *= 1099511628211UL; }
        return h;
    }

    static float Rms(float[] x)
    {
        double sum = 0;
        foreach (var v in x) sum += v * (double)v;
        return (float)Math.Sqrt(sum / Math.Max(1, x.Length));
    }
}
