using System.Text.Json;
using NeuralSynth.Formats;

namespace NeuralSynth.Models.Dataset;

/// An NSynth-layout note dataset: DIR/{train,valid,test}/examples.json + DIR/{split}/audio/{note_str}.wav.
public sealed class NoteDataset
{
    public static readonly string[] Splits = { "train", "valid", "test" };
    public string Directory { get; }
    public string Split { get; }
    public IReadOnlyList<NoteExample> Examples { get; }

    NoteDataset(string dir, string split, IReadOnlyList<NoteExample> examples) { Directory = dir; Split = split; Examples = examples; }

    public string AudioPath(NoteExample e) => Path.Combine(Directory, Split, "audio", e.NoteStr + ".wav");

    /// Loads a note as mono float samples, checking its rate against the metadata.
    public float[] LoadAudio(NoteExample e)
    {
        string path = AudioPath(e);
        var wav = WavFile.Read(path);
        if (wav.SampleRate != e.SampleRate) throw new InvalidFileException(path, 24, $"sample rate {wav.SampleRate} differs from examples.json ({e.SampleRate})");
        return wav.Channels[0];
    }

    /// The note at a model's rate: resampled when the dataset was made at another rate.
    public float[] LoadAudio(NoteExample e, int sampleRate) => Audio.AudioInput.Resample(LoadAudio(e), e.SampleRate, sampleRate);

    public static NoteDataset Load(string dir, string split)
    {
        if (!Splits.Contains(split)) throw new ArgumentException($"unknown split '{split}' (train, valid or test)");
        string json = Path.Combine(dir, split, "examples.json");
        if (!File.Exists(json)) throw new FileNotFoundException($"{json}: not found (is {dir} a dataset made by `neuralsynth dataset build`?)", json);
        Dictionary<string, NoteExample>? map;
        try { map = JsonSerializer.Deserialize<Dictionary<string, NoteExample>>(File.ReadAllText(json)); }
        catch (JsonException e) { throw new InvalidFileException(json, e.BytePositionInLine ?? 0, "malformed examples.json: " + e.Message); }
        if (map == null) throw new InvalidFileException(json, 0, "examples.json is empty");
        var list = map.Values.OrderBy(e => e.NoteStr, StringComparer.Ordinal).ToList();
        return new NoteDataset(dir, split, list);
    }

    public static void Save(string dir, string split, IEnumerable<NoteExample> examples)
    {
        string folder = Path.Combine(dir, split);
        System.IO.Directory.CreateDirectory(folder);
        var map = examples.OrderBy(e => e.NoteStr, StringComparer.Ordinal).ToDictionary(e => e.NoteStr);
        string tmp = Path.Combine(folder, "examples.json.tmp");
        File.WriteAllText(tmp, JsonSerializer.Serialize(map, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(tmp, Path.Combine(folder, "examples.json"), overwrite: true);
    }
}
