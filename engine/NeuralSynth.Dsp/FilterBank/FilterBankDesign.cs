// FilterBankDesign: the frozen FIR filter bank of the multiband vocoder (seed 003), designed by
// Kaiser-windowed sinc. One definition is shared by the torch layer (training) and the C# SIMD
// synthesis (inference), so both use bit-identical float taps.
//
// Public API
//   FilterBankDesign.Create(sampleRate, decimations, crossoversHz, tapsPerPhase = 32, kaiserBeta = 5.65)
//       K bands = decimations.Length, K-1 crossovers (ascending). Band k lives at sampleRate / decimations[k].
//       Throws ArgumentException when a band does not fit under its own Nyquist frequency.
//   design.Bands[k]: FilterBankBand { Decimation, LowHz, HighHz, LowStopHz, HighStopHz, SampleRate, AnalysisTaps, SynthesisTaps, Center }
//   design.SampleRate, design.TotalBandRate (sum of band sample rates: cost of the band generators)
//
// Why this shape:
//   * Each crossover j is ONE Kaiser lowpass LP_j; band k = LP_k - LP_{k-1} (band 0 = LP_0, top band = delta - LP_{K-2}).
//     The bands therefore telescope: sum_k analysis_k == delta exactly (up to float rounding), so the sum of
//     the band signals reconstructs the full-band signal without a notch or bump at any crossover.
//   * LP_j has length tapsPerPhase * decimation_j + 1 (decimation of the LOWER band), so its transition
//     width scales with that band's rate; Create checks that crossover + half the transition stays below
//     the band's Nyquist, so the zero-stuffing images land in the stopband (the brief's 0-500/500-1k
//     split puts crossovers exactly at Nyquist, where images would leak; the default puts them at 0.8 x Nyquist).
//   * Synthesis taps = decimation * analysis taps: zero-stuffing by s divides the amplitude by s.
//   * All filters are odd-length and symmetric with centre c = (L-1)/2, so output sample n of band k is
//     aligned with band sample n / s (no relative delay between bands).
namespace NeuralSynth.Dsp.FilterBank;

public sealed class FilterBankBand
{
    public required int Decimation { get; init; }
    public required double LowHz { get; init; }
    public required double HighHz { get; init; }
    public required int SampleRate { get; init; }
    /// <summary>Unit-gain band-pass taps at the full rate (analysis: filter then keep every Decimation-th sample).</summary>
    public required float[] AnalysisTaps { get; init; }
    /// <summary>Decimation x AnalysisTaps: the transposed-convolution (upsampling) kernel.</summary>
    public required float[] SynthesisTaps { get; init; }
    /// <summary>Below this the band's filter is in its stopband (LowHz minus half the lower transition).</summary>
    public required double LowStopHz { get; init; }
    /// <summary>Above this the band's filter is in its stopband (HighHz plus half the upper transition; at most Nyquist).</summary>
    public required double HighStopHz { get; init; }
    public int Length => SynthesisTaps.Length;
    public int Center => (SynthesisTaps.Length - 1) / 2;
}

public sealed class FilterBankDesign
{
    public int SampleRate { get; }
    public IReadOnlyList<FilterBankBand> Bands { get; }
    public int TotalBandRate => Bands.Sum(b => b.SampleRate);
    /// <summary>Largest decimation: full-rate lengths must be multiples of it.</summary>
    public int MaxDecimation => Bands.Max(b => b.Decimation);

    private FilterBankDesign(int sampleRate, FilterBankBand[] bands)
    {
        SampleRate = sampleRate;
        Bands = bands;
    }

    public static FilterBankDesign Create(int sampleRate, IReadOnlyList<int> decimations, IReadOnlyList<double> crossoversHz,
        int tapsPerPhase = 32, double kaiserBeta = 5.65)
    {
        ArgumentNullException.ThrowIfNull(decimations);
        ArgumentNullException.ThrowIfNull(crossoversHz);
        int k = decimations.Count;
        if (k < 1) throw new ArgumentException("A filter bank needs at least one band.", nameof(decimations));
        if (crossoversHz.Count != k - 1)
            throw new ArgumentException($"{k} bands need {k - 1} crossover frequencies, got {crossoversHz.Count}.", nameof(crossoversHz));
        if (tapsPerPhase < 2) throw new ArgumentOutOfRangeException(nameof(tapsPerPhase), tapsPerPhase, "tapsPerPhase must be >= 2.");
        if (kaiserBeta <= 0) throw new ArgumentOutOfRangeException(nameof(kaiserBeta), kaiserBeta, "kaiserBeta must be > 0.");
        double nyquist = sampleRate / 2.0;
        for (int i = 0; i < k; i++)
        {
            if (decimations[i] < 1) throw new ArgumentException($"Band {i}: decimation {decimations[i]} must be >= 1.", nameof(decimations));
            if (sampleRate % decimations[i] != 0) throw new ArgumentException($"Band {i}: decimation {decimations[i]} does not divide {sampleRate} Hz.", nameof(decimations));
        }
        for (int j = 0; j < k - 1; j++)
        {
            double lo = j == 0 ? 0 : crossoversHz[j - 1];
            if (!(crossoversHz[j] > lo && crossoversHz[j] < nyquist))
                throw new ArgumentException($"Crossovers must rise strictly inside (0, {nyquist}) Hz; crossover {j} is {crossoversHz[j]}.", nameof(crossoversHz));
        }

        // One lowpass per crossover, sized by the lower band's decimation.
        var lowpasses = new double[k - 1][];
        var halfTransitions = new double[k - 1];
        for (int j = 0; j < k - 1; j++)
        {
            int length = tapsPerPhase * decimations[j] + 1;
            double halfTransition = KaiserTransitionHz(length, kaiserBeta, sampleRate) / 2;
            double bandNyquist = nyquist / decimations[j];
            if (crossoversHz[j] + halfTransition > bandNyquist + 1e-9)
                throw new ArgumentException(
                    $"Band {j} (rate {sampleRate / decimations[j]} Hz) cannot hold its upper crossover {crossoversHz[j]} Hz: " +
                    $"with a {2 * halfTransition:F0} Hz transition the stopband would start above its Nyquist {bandNyquist} Hz. " +
                    "Lower the crossover, the decimation, or raise tapsPerPhase.", nameof(crossoversHz));
            halfTransitions[j] = halfTransition;
            lowpasses[j] = KaiserLowpass(crossoversHz[j] / sampleRate, length, kaiserBeta);
        }
        int top = k - 1;
        if (decimations[top] != 1 && k > 1)
        {
            // The top band reaches the global Nyquist; only a full-rate band holds it in the first Nyquist zone.
            throw new ArgumentException($"The top band (up to {nyquist} Hz) must have decimation 1, got {decimations[top]}.", nameof(decimations));
        }

        var bands = new FilterBankBand[k];
        for (int b = 0; b < k; b++)
        {
            double[]? upper = b < k - 1 ? lowpasses[b] : null; // null: delta (all-pass up to Nyquist)
            double[]? lower = b > 0 ? lowpasses[b - 1] : null; // null: nothing to subtract
            int length = Math.Max(upper?.Length ?? 1, lower?.Length ?? 1);
            var taps = new double[length];
            int centre = (length - 1) / 2;
            if (upper is null) taps[centre] += 1.0;
            else AddCentred(taps, upper, +1);
            if (lower is not null) AddCentred(taps, lower, -1);

            int s = decimations[b];
            var analysis = new float[length];
            var synthesis = new float[length];
            for (int i = 0; i < length; i++)
            {
                analysis[i] = (float)taps[i];
                synthesis[i] = (float)(taps[i] * s);
            }
            bands[b] = new FilterBankBand
            {
                Decimation = s,
                LowHz = b == 0 ? 0 : crossoversHz[b - 1],
                HighHz = b == k - 1 ? nyquist : crossoversHz[b],
                SampleRate = sampleRate / s,
                LowStopHz = b == 0 ? 0 : Math.Max(0, crossoversHz[b - 1] - halfTransitions[b - 1]),
                HighStopHz = b == k - 1 ? nyquist : crossoversHz[b] + halfTransitions[b],
                AnalysisTaps = analysis,
                SynthesisTaps = synthesis,
            };
        }
        return new FilterBankDesign(sampleRate, bands);
    }

    private static void AddCentred(double[] dst, double[] src, int sign)
    {
        int offset = (dst.Length - src.Length) / 2;
        for (int i = 0; i < src.Length; i++) dst[offset + i] += sign * src[i];
    }

    /// <summary>Kaiser-windowed sinc lowpass, odd length, cutoff as a fraction of the sample rate, DC gain exactly 1.</summary>
    public static double[] KaiserLowpass(double cutoffFraction, int length, double beta)
    {
        if (length < 1 || length % 2 == 0) throw new ArgumentException($"Lowpass length must be odd and positive, got {length}.", nameof(length));
        var h = new double[length];
        double c = (length - 1) / 2.0, fc2 = 2 * cutoffFraction, i0Beta = BesselI0(beta), sum = 0;
        for (int n = 0; n < length; n++)
        {
            double t = n - c;
            double sinc = t == 0 ? 1 : Math.Sin(Math.PI * fc2 * t) / (Math.PI * fc2 * t);
            double r = length == 1 ? 0 : t / c;
            double w = BesselI0(beta * Math.Sqrt(Math.Max(0, 1 - r * r))) / i0Beta;
            h[n] = fc2 * sinc * w;
            sum += h[n];
        }
        for (int n = 0; n < length; n++) h[n] /= sum;
        return h;
    }

    /// <summary>Kaiser's estimate of the transition width (Hz) of a filter of this length and beta.</summary>
    public static double KaiserTransitionHz(int length, double beta, int sampleRate)
    {
        double attenuationDb = beta / 0.1102 + 8.7; // inverse of Kaiser's beta formula for A > 50 dB
        double deltaOmega = (attenuationDb - 7.95) / (2.285 * Math.Max(1, length - 1));
        return deltaOmega / (2 * Math.PI) * sampleRate;
    }

    private static double BesselI0(double x)
    {
        // Power series: converges quickly for the beta values of filter design (< 20).
        double sum = 1, term = 1, half = x / 2;
        for (int k = 1; k < 200; k++)
        {
            term *= half / k;
            double t2 = term * term;
            sum += t2;
            if (t2 < sum * 1e-17) break;
        }
        return sum;
    }
}
