using NeuralSynth.Models.Audio;
using System.Text.RegularExpressions;
using NeuralSynth.Dsp;
using NeuralSynth.Formats;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Dataset;

public sealed record SampleImportOptions
{
    public required string Folder { get; init; }
    public required string OutDir { get; init; }
    public string Instrument { get; init; } = "user";
    public string Family { get; init; } = "keyboard";
    public int SampleRate { get; init; } = 16000;
    public double Seconds { get; init; } = 2.0;
    public int DefaultVelocity { get; init; } = 100;
}

public sealed record SampleImportResult(int Imported, int FromName, int FromYin, int Skipped);

/// A folder of the user's own WAV samples -> an NSynth-style dataset (all in the train split: one
/// instrument cannot be split by instrument). Pitch from the file name ("C4", "F#2", "Bb3", "060")
/// or, failing that, YIN; velocity from a "v100"/"vel100" token, else the default.
public static partial class SampleImporter
{
    static readonly string[] NoteNames = { "c", "c#", "d", "d#", "e", "f", "f#", "g", "g#", "a", "a#", "b" };

    public static SampleImportResult Import(SampleImportOptions o, Action<string>? warn = null)
    {
        if (!Directory.Exists(o.Folder)) throw new DirectoryNotFoundException($"{o.Folder}: sample folder not found");
        if (!GeneralMidi.Families.Contains(o.Family)) throw new ArgumentException($"--family '{o.Family}': expected one of {string.Join(", ", GeneralMidi.Families)}");
        if (!InstrumentRegex().IsMatch(o.Instrument)) throw new ArgumentException($"--instrument '{o.Instrument}': use letters, digits and '_' only");
        if (o.SampleRate is < 8000 or > 192000) throw new ArgumentException($"--rate {o.SampleRate} must lie within 8000-192000");
        if (o.Seconds <= 0) throw new ArgumentException($"--seconds {o.Seconds} must be positive");
        var files = Directory.GetFiles(o.Folder, "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new ArgumentException($"{o.Folder}: no .wav files");
        string audioDir = Path.Combine(o.OutDir, "train", "audio");
        Directory.CreateDirectory(audioDir);
        int length = (int)Math.Round(o.Seconds * o.SampleRate), fromName = 0, fromYin = 0, skipped = 0;
        string inst = $"{o.Family}_acoustic_{o.Instrument}";
        var examples = new Dictionary<string, NoteExample>();
        foreach (var file in files)
        {
            WavData wav;
            try { wav = WavFile.Read(file); }
            catch (InvalidFileException e) { warn?.Invoke(e.Message + " (skipped)"); skipped++; continue; }
            var mono = AudioInput.Resample(AudioInput.Mix(wav), wav.SampleRate, o.SampleRate);
            string name = Path.GetFileNameWithoutExtension(file);
            int? pitch = PitchFromName(name);
            if (pitch is null)
            {
                float midi = Yin.MedianPitch(mono, o.SampleRate, 30f, 4200f, asMidi: true);
                if (float.IsNaN(midi) || midi <= 0) { warn?.Invoke($"{file}: no pitch in the name and YIN found no stable pitch (skipped)"); skipped++; continue; }
                pitch = (int)Math.Round(midi);
                fromYin++;
            }
            else fromName++;
            int velocity = VelocityFromName(name) ?? o.DefaultVelocity;
            var note = new float[length];
            Array.Copy(mono, note, Math.Min(length, mono.Length));
            string noteStr = $"{inst}-{pitch:000}-{velocity:000}";
            if (examples.ContainsKey(noteStr)) { warn?.Invoke($"{file}: a second sample for pitch {pitch}, velocity {velocity} (skipped)"); skipped++; continue; }
            WavFile.Write(Path.Combine(audioDir, noteStr + ".wav"), new[] { note }, o.SampleRate);
            examples[noteStr] = new NoteExample
            {
                NoteStr = noteStr, Pitch = pitch.Value, Velocity = velocity, Instrument = 0, InstrumentStr = inst,
                InstrumentFamily = Array.IndexOf(GeneralMidi.Families, o.Family), InstrumentFamilyStr = o.Family,
                InstrumentSource = 0, InstrumentSourceStr = "acoustic", SampleRate = o.SampleRate,
            };
        }
        NoteDataset.Save(o.OutDir, "train", examples.Values);
        NoteDataset.Save(o.OutDir, "valid", []);
        NoteDataset.Save(o.OutDir, "test", []);
        return new SampleImportResult(examples.Count, fromName, fromYin, skipped);
    }

    /// "C4" = 60 (scientific pitch notation), "F#2", "Bb3"; or a bare 2-3 digit MIDI number token (the first one).
    public static int? PitchFromName(string name)
    {
        foreach (var token in TokenRegex().Split(name.ToLowerInvariant()))
        {
            var m = NoteRegex().Match(token);
            if (m.Success)
            {
                string letter = m.Groups[1].Value, accidental = m.Groups[2].Value;
                int pc = Array.IndexOf(NoteNames, letter) + (accidental == "#" ? 1 : accidental == "b" ? -1 : 0);
                int midi = (int.Parse(m.Groups[3].Value) + 1) * 12 + pc;
                if (midi is >= 0 and <= 127) return midi;
            }
            if (token.Length is 2 or 3 && int.TryParse(token, out int n) && n is >= 0 and <= 127) return n;
        }
        return null;
    }

    static int? VelocityFromName(string name)
    {
        var m = VelocityRegex().Match(name.ToLowerInvariant());
        return m.Success && int.Parse(m.Groups[1].Value) is >= 1 and <= 127 and var v ? v : null;
    }

    [GeneratedRegex(@"^([a-g])(#|b|s)?(\d)$")] private static partial Regex NoteRegex();
    [GeneratedRegex(@"[^a-z0-9#]+")] private static partial Regex TokenRegex();
    [GeneratedRegex(@"v(?:el)?(\d{1,3})")] private static partial Regex VelocityRegex();
    [GeneratedRegex(@"^[A-Za-z0-9_]+$")] private static partial Regex InstrumentRegex();
}
