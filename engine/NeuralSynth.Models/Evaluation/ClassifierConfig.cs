using System.Text.Json;
using System.Text.Json.Serialization;
using NeuralSynth.Formats;

namespace NeuralSynth.Models.Evaluation;

/// What the evaluation classifier is: its log-frequency front end, layer widths, label sets and training
/// hyper-parameters. Stored as config.json next to model.safetensors.
///
/// Why a log-frequency front end and not the shared 80-bin log-mel: below 1 kHz the Slaney mel bins of the
/// shared representation are ~37 Hz apart, wider than the semitone spacing of every fundamental below
/// MIDI ~75, so a classifier on it cannot tell neighbouring low pitches apart reliably. A pitch judge needs
/// semitone resolution: 2 bins per semitone (interpolated from a 4096-point STFT) give it.
public sealed record ClassifierConfig
{
    [JsonPropertyName("model")] public string Model { get; init; } = "pitch_family_classifier";
    [JsonPropertyName("sample_rate")] public int SampleRate { get; init; } = 16000;
    /// Input length in samples (notes are cut or zero-padded to it): 128 frames x hop 256 of the shared config.
    [JsonPropertyName("samples")] public int Samples { get; init; } = 32768;
    [JsonPropertyName("n_fft")] public int NFft { get; init; } = 4096;
    [JsonPropertyName("hop")] public int Hop { get; init; } = 512;
    /// Log-frequency bins: centres from min_bin_midi in steps of 1/bins_per_semitone semitones.
    [JsonPropertyName("bins_per_semitone")] public int BinsPerSemitone { get; init; } = 2;
    [JsonPropertyName("min_bin_midi")] public float MinBinMidi { get; init; } = 20f;
    [JsonPropertyName("freq_bins")] public int FreqBins { get; init; } = 192;
    /// Time frames are averaged in groups of this many before the first convolution (notes are near-stationary).
    [JsonPropertyName("time_pool")] public int TimePool { get; init; } = 4;
    /// Dynamic range kept below each note's loudest bin, in natural-log units (the input is level-normalised).
    [JsonPropertyName("log_range")] public float LogRange { get; init; } = 12f;

    /// Convolution widths; each stage after the first halves frequency and (from the second) time.
    [JsonPropertyName("channels")] public int[] Channels { get; init; } = [16, 32, 64, 64];
    /// Size of the penultimate layer: the features the Fréchet distance is computed on.
    [JsonPropertyName("feature_size")] public int FeatureSize { get; init; } = 128;
    [JsonPropertyName("dropout")] public float Dropout { get; init; } = 0.3f;

    [JsonPropertyName("min_pitch")] public int MinPitch { get; init; } = 24;
    [JsonPropertyName("max_pitch")] public int MaxPitch { get; init; } = 84;
    [JsonPropertyName("families")] public string[] Families { get; init; } = [];

    // Training.
    [JsonPropertyName("learning_rate")] public float LearningRate { get; init; } = 1e-3f;
    [JsonPropertyName("weight_decay")] public float WeightDecay { get; init; } = 1e-4f;
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 32;
    [JsonPropertyName("family_loss_weight")] public float FamilyLossWeight { get; init; } = 0.5f;
    [JsonPropertyName("seed")] public int Seed { get; init; } = 1234;

    [JsonIgnore] public int PitchCount => MaxPitch - MinPitch + 1;
    [JsonIgnore] public int Frames => Samples / Hop;

    /// A few thousand parameters, for tests.
    public static ClassifierConfig Tiny(string[] families) => new()
    {
        NFft = 1024, Hop = 1024, Samples = 8192, FreqBins = 96, BinsPerSemitone = 1, MinBinMidi = 24, TimePool = 2,
        Channels = [4, 8], FeatureSize = 16, Dropout = 0f, Families = families, BatchSize = 16, LearningRate = 3e-3f,
    };

    public void Validate(string source)
    {
        string? problem =
            Model != "pitch_family_classifier" ? $"model is '{Model}', expected 'pitch_family_classifier'" :
            SampleRate <= 0 || NFft < 16 || (NFft & (NFft - 1)) != 0 || Hop <= 0 ? "invalid STFT settings" :
            Samples < Hop || BinsPerSemitone < 1 || FreqBins < 4 || TimePool < 1 || LogRange <= 0 ? "invalid front-end settings" :
            Channels.Length < 1 || Channels.Any(c => c < 1) || FeatureSize < 1 ? "channels/feature_size must be positive" :
            FreqBins >> (Channels.Length - 1) < 1 || Frames / TimePool >> Math.Max(Channels.Length - 2, 0) < 1 ? "too many stages for the input size" :
            MinPitch < 0 || MaxPitch > 127 || MaxPitch < MinPitch ? $"pitch range {MinPitch}-{MaxPitch} is invalid" :
            Families.Length < 1 ? "no instrument families" :
            null;
        if (problem != null) throw new ArgumentException($"{source}: {problem}");
    }

    static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Options));

    public static ClassifierConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: classifier config not found", path);
        ClassifierConfig? c;
        try { c = JsonSerializer.Deserialize<ClassifierConfig>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidFileException(path, e.BytePositionInLine ?? 0, "malformed classifier config: " + e.Message); }
        if (c == null) throw new InvalidFileException(path, 0, "empty classifier config");
        c.Validate(path);
        return c;
    }
}
