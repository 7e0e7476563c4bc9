using System.Text;
using NeuralSynth.Formats;

namespace NeuralSynth.Cli.Tests;

/// A corpus of malformed files users could hand us, generated here (nothing binary is committed) and run through the
/// real commands that read them. Each one is refused with exit 1 and one stderr line naming the file (never a crash,
/// a stack trace, a hang or output on stdout that looks like success), or accepted and handled.
public class MalformedInputTests : IDisposable
{
    readonly string dir = Cli.TempDir();

    public void Dispose() => Directory.Delete(dir, true);

    string Write(string name, byte[] bytes)
    {
        string p = Path.Combine(dir, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    static byte[] ValidMidi()
    {
        var w = new MidiWriter(480);
        w.AddTrack("piano").Tempo(0, 120).Note(0, 480, 0, 60, 100);
        return w.ToArray();
    }

    static byte[] ValidWav()
    {
        using var ms = new MemoryStream();
        var tone = Enumerable.Range(0, 8000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 220 * i / 16000))).ToArray();
        WavFile.Write(ms, [tone], 16000);
        return ms.ToArray();
    }

    /// (name, bytes): empty, truncated at several points, wrong magic, a header claiming gigabytes, random bytes.
    static IEnumerable<(string, byte[])> Corrupt(string stem, string ext, byte[] valid, byte[] magic)
    {
        yield return ($"{stem}-empty{ext}", []);
        foreach (int cut in new[] { 3, 13, valid.Length / 2, valid.Length - 1 })
            yield return ($"{stem}-cut{cut}{ext}", valid[..Math.Min(cut, valid.Length)]);
        var wrongMagic = (byte[])valid.Clone();
        wrongMagic[0] ^= 0xFF;
        yield return ($"{stem}-magic{ext}", wrongMagic);
        var huge = (byte[])valid.Clone();
        for (int i = magic.Length; i < Math.Min(magic.Length + 4, huge.Length); i++) huge[i] = 0x7F;
        yield return ($"{stem}-hugesize{ext}", huge);
        var rng = new Random(7);
        var noise = new byte[4096];
        rng.NextBytes(noise);
        yield return ($"{stem}-noise{ext}", noise);
        yield return ($"{stem}-text{ext}", Encoding.UTF8.GetBytes("this is not a " + ext + " file\n"));
    }

    [Fact]
    public void MalformedMidiFilesAreRefusedByRender()
    {
        foreach (var (name, bytes) in Corrupt("song", ".mid", ValidMidi(), "MThd"u8.ToArray()))
        {
            var file = Write(name, bytes);
            string stems = Path.Combine(dir, "stems-" + name);
            var r = Cli.Run(60, "render", file, "--out", stems);
            if (r.ExitCode == 0) Assert.True(File.Exists(Path.Combine(stems, "mix.wav")), $"{name}: accepted but no mix.wav\n{r}");
            else Cli.AssertCleanRefusal(r, file);
        }
    }

    /// .vstpreset files as DAWs hand them around: the generic corpus, plus a preset of another plug-in (class id), a
    /// state whose bytes were altered (its CRC no longer matches) and a state cut short inside an intact container.
    /// `preset import` and `preset show` refuse each with one line naming the file; a valid one imports.
    [Fact]
    public void MalformedVstPresetsAreRefusedByImportAndShow()
    {
        string valid = Path.Combine(dir, "valid.vstpreset");
        var export = Cli.Run(60, "preset", "export", Path.Combine(Cli.RepoRoot, "presets", "05_flute_1.json"), "--out", valid);
        Assert.True(export.ExitCode == 0, export.ToString());
        var bytes = File.ReadAllBytes(valid);
        var file = NeuralSynth.Realtime.Timbre.VstPresetFile.Parse(bytes, valid);
        var corpus = Corrupt("preset", ".vstpreset", bytes, "VST3"u8.ToArray()).ToList();
        var foreign = (byte[])bytes.Clone();
        foreign[8] = (byte)(foreign[8] == (byte)'A' ? 'B' : 'A');
        corpus.Add(("preset-foreign.vstpreset", foreign));
        var state = file.ComponentState;
        var flipped = (byte[])state.Clone();
        flipped[state.Length / 2] ^= 0x40;
        corpus.Add(("preset-state-flipped.vstpreset", new NeuralSynth.Realtime.Timbre.VstPresetFile(file.ClassId, flipped, null, file.MetaInfoXml).ToBytes()));
        corpus.Add(("preset-state-cut.vstpreset", new NeuralSynth.Realtime.Timbre.VstPresetFile(file.ClassId, state[..(state.Length - 9)], null, file.MetaInfoXml).ToBytes()));
        foreach (var (name, data) in corpus)
        {
            var path = Write(name, data);
            var import = Cli.Run(60, "preset", "import", path, "--out", Path.Combine(dir, name + ".json"));
            if (import.ExitCode == 0) Assert.True(File.Exists(Path.Combine(dir, name + ".json")), $"{name}: accepted but no JSON\n{import}");
            else Cli.AssertCleanRefusal(import, path);
            var show = Cli.Run(60, "preset", "show", path);
            if (show.ExitCode != 0) Cli.AssertCleanRefusal(show, path);
        }
        var ok = Cli.Run(60, "preset", "import", valid, "--out", Path.Combine(dir, "valid.json"));
        Assert.True(ok.ExitCode == 0, ok.ToString());
        var back = NeuralSynth.Realtime.Timbre.Preset.Load(Path.Combine(dir, "valid.json"));
        var original = NeuralSynth.Realtime.Timbre.Preset.Load(Path.Combine(Cli.RepoRoot, "presets", "05_flute_1.json"));
        Assert.Equal((original with { Notes = null }).ToJson(), (back with { Notes = null }).ToJson()); // every field back
    }

    [Fact]
    public void MalformedWavFilesAreRefusedByVocodeAndInvert()
    {
        foreach (var (name, bytes) in Corrupt("note", ".wav", ValidWav(), "RIFF"u8.ToArray()))
        {
            var file = Write(name, bytes);
            string output = Path.Combine(dir, name + "-vocoded.wav");
            var r = Cli.Run(60, "vocode", "--wav", file, "--out", output);
            if (r.ExitCode == 0) Assert.True(WavFile.Read(output).Frames > 0, $"{name}: accepted but wrote no audio\n{r}"); // e.g. a last partial frame dropped
            else Cli.AssertCleanRefusal(r, file);
        }
        var bad = Write("invert-noise.wav", Encoding.UTF8.GetBytes("RIFF....WAVEjunk"));
        Cli.AssertCleanRefusal(Cli.Run(60, "invert", "--wav", bad, "--out", Path.Combine(dir, "p.json")), bad);
    }

    [Fact]
    public void MalformedPresetsAreRefusedByPresetShow()
    {
        var valid = File.ReadAllBytes(Path.Combine(Cli.RepoRoot, "presets", "18_string_2.json"));
        var cases = new List<(string, byte[])>
        {
            ("empty.json", []),
            ("cut.json", valid[..(valid.Length / 2)]),
            ("array.json", "[1, 2, 3]"u8.ToArray()),
            ("wrong-types.json", "{\"version\": 1, \"name\": 5, \"x\": \"left\"}"u8.ToArray()),
            ("out-of-range.json", Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(valid).Replace("\"x\":", "\"x\": 7, \"ignored\":"))),
            ("binary.json", [0xFF, 0xFE, 0x00, 0x01, 0x02]),
        };
        foreach (var (name, bytes) in cases)
        {
            var file = Write(name, bytes);
            var r = Cli.Run(60, "preset", "show", file);
            if (r.ExitCode == 0) continue; // accepted (e.g. unknown fields kept as extras) and shown
            Cli.AssertCleanRefusal(r, file);
        }
    }

    [Fact]
    public void MalformedWeightsAreRefusedBySample()
    {
        var model = Path.Combine(dir, "model");
        Directory.CreateDirectory(model);
        File.Copy(Path.Combine(Cli.RepoRoot, "presets", "models", "gansynth", "config.json"), Path.Combine(model, "config.json"));
        var valid = File.ReadAllBytes(Path.Combine(Cli.RepoRoot, "presets", "models", "gansynth", "model.safetensors"));
        var cases = new List<(string, byte[])>
        {
            ("empty", []),
            ("cut-header", valid[..20]),
            ("cut-data", valid[..(valid.Length / 2)]),
            ("huge-header", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, .. valid[8..64]]),
            ("json-garbage", [.. BitConverter.GetBytes(10L), .. "{not json}"u8.ToArray()]),
        };
        foreach (var (name, bytes) in cases)
        {
            var weights = Path.Combine(model, "model.safetensors");
            File.WriteAllBytes(weights, bytes);
            var r = Cli.Run(60, "sample", "--model", model, "--out", Path.Combine(dir, name + ".wav"));
            Cli.AssertCleanRefusal(r, weights);
        }
    }

    [Fact]
    public void ErrorsGoToStderrOnly()
    {
        var file = Write("empty.mid", []);
        var r = Cli.Run(60, "render", file, "--out", Path.Combine(dir, "x"));
        Cli.AssertCleanRefusal(r, file);
        Assert.StartsWith("error: ", r.Stderr);
        Assert.Equal("", r.Stdout.Trim());
    }
}

/// Songs too big to render get a refusal that names the limit, at once, instead of hours of work with no output.
public class RenderLimitTests : IDisposable
{
    readonly string dir = Cli.TempDir();

    public void Dispose() => Directory.Delete(dir, true);

    string Song(string name, Action<MidiWriter> fill)
    {
        var w = new MidiWriter(480);
        fill(w);
        string p = Path.Combine(dir, name);
        w.Write(p);
        return p;
    }

    [Fact]
    public void TooLongTooManyTracksAndTooManyNotesAreRefusedQuickly()
    {
        var cases = new (string File, string Limit)[]
        {
            (Song("long.mid", w => w.AddTrack("a").Tempo(0, 120).Note(0, 480, 0, 60, 100).Note(960L * 60 * 31, 480, 0, 62, 100)), "30:00"),
            (Song("tracks.mid", w => { for (int t = 0; t < 65; t++) w.AddTrack($"t{t}").Note(0, 480, 0, 60, 100); }), "64"),
            (Song("notes.mid", w => { var t = w.AddTrack("a").Tempo(0, 120); for (int i = 0; i < 200_001; i++) t.Note(i * 4L, 2, 0, 40 + i % 40, 100); }), "200,000"),
        };
        foreach (var (file, limit) in cases)
        {
            var r = Cli.Run(60, "render", file, "--out", Path.Combine(dir, "out"));
            Cli.AssertCleanRefusal(r, file);
            Assert.Contains(limit, r.Stderr);
        }
    }
}
