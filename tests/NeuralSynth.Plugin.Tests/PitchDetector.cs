namespace NeuralSynth.Plugin.Tests;

/// <summary>Pitch and level measures for these tests (NeuralSynth.Dsp.Yin gives YIN, cents and MIDI <-> Hz).</summary>
internal static class PitchDetector
{
    /// <summary>
    /// Fundamental of a harmonic sound by harmonic summation over a Hann-windowed spectrum: the f0 within half an
    /// octave either side of <paramref name="nearHz"/> whose harmonics (up to 5 kHz, at most 24) carry the most
    /// compressed magnitude. Neural notes can have a weak fundamental and a noisy envelope, where YIN jumps octaves;
    /// the search window excludes octave errors but still tells a semitone apart (harmonic 1 of a wrong note misses
    /// by 100 cents, harmonic k by k x 100). Returns the estimate in Hz (about 1 cent resolution).
    /// </summary>
    public static double HarmonicF0(ReadOnlySpan<float> x, double sampleRate, double nearHz)
    {
        int n = 1;
        while (n * 2 <= x.Length && n < 65536) n *= 2;
        var re = new float[n / 2 + 1];
        var im = new float[n / 2 + 1];
        var w = new float[n];
        for (int i = 0; i < n; i++) w[i] = x[i] * (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * i / n));
        NeuralSynth.Dsp.Fft.Get(n).RealForward(w, re, im);
        var mag = new double[n / 2 + 1];
        for (int k = 0; k < mag.Length; k++) mag[k] = Math.Pow(re[k] * (double)re[k] + im[k] * (double)im[k], 0.25);   // sqrt |X|
        double binHz = sampleRate / n;
        double Score(double f0)
        {
            double s = 0;
            for (int h = 1; h <= 24 && h * f0 < Math.Min(5000, sampleRate / 2 - 2 * binHz); h++)
            {
                double pos = h * f0 / binHz;
                int k = (int)pos;
                double frac = pos - k;
                s += (1 - frac) * mag[k] + frac * mag[k + 1];
            }
            return s;
        }
        double best = nearHz, bestScore = double.NegativeInfinity;
        for (int c = -600; c <= 600; c++)
        {
            double f = nearHz * Math.Pow(2, c / 1200.0);
            double sc = Score(f);
            if (sc > bestScore) { bestScore = sc; best = f; }
        }
        for (double c = -1; c <= 1; c += 0.1)   // refine to 0.1 cent
        {
            double f = best * Math.Pow(2, c / 1200.0);
            double sc = Score(f);
            if (sc > bestScore) { bestScore = sc; best = f; }
        }
        return best;
    }

    public static double Rms(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (float v in x) s += v * (double)v;
        return Math.Sqrt(s / Math.Max(1, x.Length));
    }
}
