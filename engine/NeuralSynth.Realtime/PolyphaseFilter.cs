namespace NeuralSynth.Realtime;

/// A Kaiser-windowed sinc low-pass, tabulated as a polyphase bank: `Phases + 1` rows of `Taps`
/// coefficients for fractional offsets 0, 1/Phases, ..., 1. Between two rows the resampler
/// interpolates linearly (a second table holds the row differences, so the interpolated kernel is
/// one fused multiply-add per tap). Built once, off the audio thread; read-only afterwards.
///
/// `Cutoff` is a fraction of the source Nyquist frequency: 1 when the output rate is at least the
/// source rate (upsampling: the transition band straddles the source Nyquist, so images of content
/// up to ~78% of it are attenuated by the full stopband), 1/k to decimate by up to k (the kernel
/// is k times longer, so the transition band keeps the same relative width).
public sealed class PolyphaseFilter
{
    public int Taps { get; }
    public int Phases { get; }
    public double Cutoff { get; }
    public double KaiserBeta { get; }

    /// Row p (p = 0..Phases) at [p * Taps, (p + 1) * Taps): coefficient for source sample
    /// i - Taps/2 + 1 + k when the read position is i + p / Phases.
    internal readonly float[] Coefficients;
    /// Row p (p = 0..Phases-1): Coefficients[p + 1] - Coefficients[p].
    internal readonly float[] Deltas;

    /// Default: 32 taps x 256 phases at beta 11 (~110 dB stopband; interpolation between phases
    /// keeps the coefficient error near -100 dB).
    public PolyphaseFilter(int taps = 32, int phases = 256, double cutoff = 1.0, double kaiserBeta = 11.0)
    {
        if (taps < 4 || taps % 2 != 0) throw new ArgumentOutOfRangeException(nameof(taps), "taps must be even and >= 4");
        if (phases < 2) throw new ArgumentOutOfRangeException(nameof(phases));
        if (cutoff <= 0 || cutoff > 1) throw new ArgumentOutOfRangeException(nameof(cutoff), "cutoff is a fraction of the source Nyquist in (0, 1]");
        Taps = taps; Phases = phases; Cutoff = cutoff; KaiserBeta = kaiserBeta;
        Coefficients = new float[(phases + 1) * taps];
        Deltas = new float[phases * taps];
        double half = taps / 2.0, i0Beta = BesselI0(kaiserBeta);
        var row = new double[taps];
        for (int p = 0; p <= phases; p++)
        {
            double frac = (double)p / phases, sum = 0;
            for (int k = 0; k < taps; k++)
            {
                double t = k - taps / 2 + 1 - frac; // distance from the read position, in source samples
                double r = t / half;
                double w = Math.Abs(r) >= 1 ? 0 : BesselI0(kaiserBeta * Math.Sqrt(1 - r * r)) / i0Beta;
                double x = Math.PI * cutoff * t;
                double sinc = Math.Abs(x) < 1e-12 ? 1 : Math.Sin(x) / x;
                row[k] = cutoff * sinc * w;
                sum += row[k];
            }
            // Unity gain at DC for every phase: otherwise a constant input would pick up a ripple at
            // the rate the phase sweeps through the table.
            for (int k = 0; k < taps; k++) Coefficients[p * taps + k] = (float)(row[k] / sum);
        }
        for (int p = 0; p < phases; p++)
            for (int k = 0; k < taps; k++)
                Deltas[p * taps + k] = Coefficients[(p + 1) * taps + k] - Coefficients[p * taps + k];
    }

    static double BesselI0(double x)
    {
        double sum = 1, term = 1, q = x * x / 4;
        for (int k = 1; k < 200; k++)
        {
            term *= q / ((double)k * k);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        return sum;
    }
}
