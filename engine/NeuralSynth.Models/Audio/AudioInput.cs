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

    /// Offline band-limited rate conversion with the engine's polyphase filter.
    public static float[] Resample(float[] x, int fromRate, int toRate) => Resampler.Offline(x, fromRate, toRate);
}
