using NeuralSynth.Formats;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Timbre;

/// A user's recording as the generator's input domain: mono (channels averaged), at the model's sample rate
/// (band-limited polyphase resampling when the file's rate differs), starting at the note's onset.
public static class TargetAudio
{
    public static float[] Load(string path, int sampleRate)
    {
        var wav = WavFile.Read(path);
        if (wav.Frames == 0) throw new InvalidFileException(path, 0, "the recording is empty");
        var mono = new float[wav.Frames];
        foreach (var ch in wav.Channels)
            for (int i = 0; i < mono.Length; i++) mono[i] += ch[i] / wav.Channels.Length;
        var x = wav.SampleRate == sampleRate ? mono : Resample(mono, wav.SampleRate, sampleRate);
        return TrimLeadingSilence(x);
    }

    public static float[] Resample(float[] x, int fromRate, int toRate)
    {
        if (fromRate == toRate) return x;
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
