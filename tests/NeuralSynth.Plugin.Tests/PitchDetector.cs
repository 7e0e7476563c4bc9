namespace NeuralSynth.Plugin.Tests;

/// <summary>
/// A small private YIN (de Cheveigné and Kawahara 2002) for these tests: difference function, cumulative mean
/// normalization, absolute threshold, parabolic interpolation. (NeuralSynth.Dsp.Yin did not exist yet when
/// these tests were written; switch to it once it does.)
/// </summary>
internal static class PitchDetector
{
    public static double Yin(ReadOnlySpan<float> x, double sampleRate, double minHz = 40, double maxHz = 2000, double threshold = 0.1)
    {
        int maxLag = (int)(sampleRate / minHz), minLag = Math.Max(2, (int)(sampleRate / maxHz));
        int w = x.Length - maxLag - 2;
        if (w < maxLag) throw new ArgumentException("window too short for the lowest frequency");
        var d = new double[maxLag + 2];
        for (int tau = 1; tau <= maxLag + 1; tau++)
        {
            double s = 0;
            for (int i = 0; i < w; i++) { double diff = x[i] - x[i + tau]; s += diff * diff; }
            d[tau] = s;
        }
        var cmnd = new double[maxLag + 2];
        cmnd[0] = 1;
        double running = 0;
        for (int tau = 1; tau <= maxLag + 1; tau++) { running += d[tau]; cmnd[tau] = running > 0 ? d[tau] * tau / running : 1; }
        int best = -1;
        for (int tau = minLag; tau <= maxLag; tau++)
        {
            if (cmnd[tau] < threshold)
            {
                while (tau + 1 <= maxLag && cmnd[tau + 1] < cmnd[tau]) tau++;
                best = tau;
                break;
            }
        }
        if (best < 0) return double.NaN;
        double a = cmnd[best - 1], b = cmnd[best], c = cmnd[best + 1];
        double denom = a - 2 * b + c;
        double shift = Math.Abs(denom) > 1e-12 ? 0.5 * (a - c) / denom : 0;
        return sampleRate / (best + shift);
    }

    public static double Cents(double hz, double reference) => 1200 * Math.Log2(hz / reference);

    public static double MidiToHz(double pitch) => 440 * Math.Pow(2, (pitch - 69) / 12);

    public static double Rms(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (float v in x) s += v * (double)v;
        return Math.Sqrt(s / Math.Max(1, x.Length));
    }
}
