using NeuralSynth.Formats;
using NeuralSynth.Models.Audio;

namespace NeuralSynth.Models.Timbre;

/// A user's recording as the generator's input domain: mono (channels averaged), at the model's sample rate
/// (band-limited polyphase resampling when the file's rate differs), starting at the note's onset.
public static class TargetAudio
{
    public static float[] Load(string path, int sampleRate) => TrimLeadingSilence(AudioInput.LoadMono(path, sampleRate));

    /// Drops silence before the onset (first sample within 40 dB of the peak, minus 5 ms), as the training notes
    /// start at their onset.
    public static float[] TrimLeadingSilence(float[] x)
    {
        float peak = 0;
        foreach (float v in x) peak = Math.Max(peak, Math.Abs(v));
        if (peak == 0) return x;
        float threshold = peak * 0.01f;
        int i = 0;
        while (i < x.Length && Math.Abs(x[i]) < threshold) i++;
        i = Math.Max(0, i - 80);
        return i == 0 ? x : x[i..];
    }
}
