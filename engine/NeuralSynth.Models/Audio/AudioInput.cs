using NeuralSynth.Formats;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Audio;

/// Audio as the models take it, from whatever WAV a user has: any rate, 8/16/24/32-bit PCM or 32/64-bit float,
/// WAVE_FORMAT_EXTENSIBLE, any channel count (WavFile decodes them all) -> mono (channels averaged) at the model's
/// rate (band-limited polyphase resampling with the engine's own filter when the rates differ).
public static class AudioInput
{
    public static float[] LoadMono(string path, int sampleRate)
    {
        var wav = WavFile.Read(path);
        if (wav.Frames == 0) throw new InvalidFileException(path, 0, "the file holds no audio");
        return Resample(Mix(wav), wav.SampleRate, sampleRate);
    }

    public static float[] Mix(WavData wav)
    {
        if (wav.Channels.Length == 1) return wav.Channels[0];
        var mono = new float[wav.Frames];
        foreach (var ch in wav.Channels)
            for (int i = 0; i < mono.Length; i++) mono[i] += ch[i] / wav.Channels.Length;
        return mono;
    }

    /// Offline band-limited rate conversion (96 dB+ stopband from the 32-tap-per-zero-crossing polyphase filter).
    public static float[] Resample(float[] x, int fromRate, int toRate)
    {
        if (fromRate == toRate) return x;
        if (fromRate <= 0 || toRate <= 0) throw new ArgumentException($"cannot resample {fromRate} Hz to {toRate} Hz");
        double step = (double)fromRate / toRate;
        int k = (int)Math.Ceiling(Math.Max(1.0, step));
        var filter = new PolyphaseFilter(taps: 32 * k, phases: 256, cutoff: Math.Min(1.0, 0.97 / step));
        int pad = filter.Taps;
        var src = new float[x.Length + 2 * pad];
        x.CopyTo(src, pad);
        int outLength = (int)Math.Floor((x.Length - 1) / step) + 1;
        var dst = new float[outLength];
        double pos = 0;
        int n = Resampler.Process(filter, src, pad, ref pos, step, double.PositiveInfinity, 0, x.Length, dst);
        return n == dst.Length ? dst : dst[..n];
    }
}
