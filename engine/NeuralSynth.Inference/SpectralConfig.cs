using System.Text.Json.Serialization;

namespace NeuralSynth.Models.Audio;

/// The one spectral representation every model shares: the generator's mel head produces it, the
/// vocoder consumes it, the classifier and the metrics read it. Stored in each model's config.json.
public sealed record SpectralConfig
{
    [JsonPropertyName("sample_rate")] public int SampleRate { get; init; } = 16000;
    [JsonPropertyName("n_fft")] public int NFft { get; init; } = 1024;
    [JsonPropertyName("hop")] public int Hop { get; init; } = 256;
    [JsonPropertyName("frames")] public int Frames { get; init; } = 128;
    [JsonPropertyName("n_mels")] public int NMels { get; init; } = 80;
    [JsonPropertyName("fmin")] public float FMin { get; init; } = 30f;
    [JsonPropertyName("fmax")] public float FMax { get; init; } = 8000f;
    /// Floor inside the log: log-mel = ln(max(mel magnitude, LogFloor)).
    [JsonPropertyName("log_floor")] public float LogFloor { get; init; } = 1e-5f;

    /// Samples covered by Frames frames with center=true STFT framing: frames * hop.
    [JsonIgnore] public int Samples => Frames * Hop;
    [JsonIgnore] public int Bins => NFft / 2 + 1;

    public static SpectralConfig Default { get; } = new();

    public void Validate(string source)
    {
        if (SampleRate <= 0 || NFft < 16 || (NFft & (NFft - 1)) != 0 || Hop <= 0 || Hop > NFft || Frames <= 0 || NMels <= 0 || FMin < 0 || FMax <= FMin || FMax > SampleRate / 2f || LogFloor <= 0)
            throw new ArgumentException($"{source}: invalid spectral config ({this})");
    }

    /// Pads with zeros or cuts a note to exactly Samples samples.
    public float[] FitLength(float[] audio)
    {
        if (audio.Length == Samples) return audio;
        var r = new float[Samples];
        Array.Copy(audio, r, Math.Min(audio.Length, Samples));
        return r;
    }
}
