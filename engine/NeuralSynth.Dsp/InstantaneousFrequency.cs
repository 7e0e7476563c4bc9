// InstantaneousFrequency: GANSynth's phase representation (Engel et al. 2019, magenta spectral_ops).
//
// All arrays are frame-major [frames, bins] (index f * bins + k), like Spectrogram.
// IF is in units of pi radians per hop: the first frame holds phase/pi, every later frame holds the
// time difference of the unwrapped phase / pi, which lies in [-1, 1]. The inverse is pi * cumulative sum,
// so ToPhase(FromPhase(p)) equals p up to multiples of 2 pi (exactly, apart from float round-off).
// The phase used is the raw STFT phase (frame-start reference, not demodulated), as GANSynth does; a
// steady sine of frequency f therefore has IF = wrap(2 pi f hop / sr) / pi in the bins around it
// (see ToHz to read the frequency back).
//
// Public API
//   InstantaneousFrequency.Unwrap(float[] phase, int frames, int bins) -> float[]   (numpy.unwrap along time)
//   InstantaneousFrequency.FromPhase(float[] phase, int frames, int bins) -> float[] IF in [-1, 1]
//   InstantaneousFrequency.ToPhase(float[] ifs, int frames, int bins) -> float[] phase (radians, unwrapped)
//   InstantaneousFrequency.ToHz(float ifValue, int bin, int nFft, int hop, int sampleRate) -> double Hz
//       frequency of the component in `bin` whose per-hop phase advance is ifValue * pi (valid within
//       +- sampleRate / (2 hop) of the bin centre)
//   InstantaneousFrequency.LogMagnitude(Spectrogram s, float eps = 1e-6f) -> float[] ln(|X| + eps)
//   InstantaneousFrequency.Encode(Spectrogram s, float eps = 1e-6f) -> IfSpectrogram (log-magnitude + IF)
//   InstantaneousFrequency.Decode(IfSpectrogram r, float eps = 1e-6f) -> Spectrogram (|X| = exp(logmag) - eps, clamped >= 0)
//   InstantaneousFrequency.Wrap(double angle) -> angle wrapped to [-pi, pi)
//   IfSpectrogram { Frames, Bins, NFft, Hop, Center, SignalLength, float[] LogMagnitude, float[] If }
namespace NeuralSynth.Dsp;

public sealed record IfSpectrogram(int Frames, int Bins, int NFft, int Hop, bool Center, int SignalLength,
    float[] LogMagnitude, float[] If);

public static class InstantaneousFrequency
{
    private static void Check(float[] a, int frames, int bins)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (frames < 0 || bins < 1 || a.Length != frames * bins)
            throw new ArgumentException($"Array of {a.Length} values does not match frames*bins = {frames}*{bins}.");
    }

    public static float[] Unwrap(float[] phase, int frames, int bins)
    {
        Check(phase, frames, bins);
        var u = new float[phase.Length];
        for (int k = 0; k < bins; k++)
        {
            if (frames == 0) break;
            double acc = phase[k];
            u[k] = phase[k];
            for (int f = 1; f < frames; f++)
            {
                double d = Wrap((double)phase[f * bins + k] - phase[(f - 1) * bins + k]);
                acc += d;
                u[f * bins + k] = (float)acc;
            }
        }
        return u;
    }

    public static float[] FromPhase(float[] phase, int frames, int bins)
    {
        Check(phase, frames, bins);
        var r = new float[phase.Length];
        for (int k = 0; k < bins && frames > 0; k++)
        {
            r[k] = (float)(phase[k] / Math.PI);
            for (int f = 1; f < frames; f++)
                r[f * bins + k] = (float)(Wrap((double)phase[f * bins + k] - phase[(f - 1) * bins + k]) / Math.PI);
        }
        return r;
    }

    public static float[] ToPhase(float[] ifs, int frames, int bins)
    {
        Check(ifs, frames, bins);
        var p = new float[ifs.Length];
        for (int k = 0; k < bins; k++)
        {
            double acc = 0;
            for (int f = 0; f < frames; f++)
            {
                acc += Math.PI * ifs[f * bins + k];
                p[f * bins + k] = (float)acc;
            }
        }
        return p;
    }

    public static double ToHz(float ifValue, int bin, int nFft, int hop, int sampleRate)
    {
        double centre = 2 * Math.PI * bin * hop / nFft; // expected advance per hop at the bin centre
        double dev = Wrap(Math.PI * ifValue - centre);
        return (centre + dev) * sampleRate / (2 * Math.PI * hop);
    }

    public static float[] LogMagnitude(Spectrogram s, float eps = 1e-6f)
    {
        var m = s.Magnitude();
        for (int i = 0; i < m.Length; i++) m[i] = MathF.Log(m[i] + eps);
        return m;
    }

    public static IfSpectrogram Encode(Spectrogram s, float eps = 1e-6f)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new IfSpectrogram(s.Frames, s.Bins, s.NFft, s.Hop, s.Center, s.SignalLength,
            LogMagnitude(s, eps), FromPhase(s.Phase(), s.Frames, s.Bins));
    }

    public static Spectrogram Decode(IfSpectrogram r, float eps = 1e-6f)
    {
        ArgumentNullException.ThrowIfNull(r);
        Check(r.LogMagnitude, r.Frames, r.Bins);
        Check(r.If, r.Frames, r.Bins);
        var mag = new float[r.LogMagnitude.Length];
        for (int i = 0; i < mag.Length; i++) mag[i] = MathF.Max(0f, MathF.Exp(r.LogMagnitude[i]) - eps);
        var phase = ToPhase(r.If, r.Frames, r.Bins);
        return Spectrogram.FromPolar(mag, phase, r.Frames, r.NFft, r.Hop, r.Center, r.SignalLength);
    }

    /// <summary>Wraps an angle to [-pi, pi).</summary>
    public static double Wrap(double a)
    {
        a = (a + Math.PI) % (2 * Math.PI);
        if (a < 0) a += 2 * Math.PI;
        return a - Math.PI;
    }
}
