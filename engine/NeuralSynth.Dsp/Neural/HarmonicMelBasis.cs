namespace NeuralSynth.Dsp.Neural;

/// The fixed matrices of the generator's harmonic head (see NeuralSynth.Models.Gansynth.HarmonicMel), computed without
/// torch so that the torch layer and the C# inference graph share one definition. Each is [pitches, n_mels, rows]:
///   Magnitude[p, m, r]: mel image of harmonic row r of pitch p, normalised so a lone harmonic peaks at 1;
///   PowerCos/PowerSin[p, m, r]: the same with power weights times cos/sin of the harmonic's phase advance per hop.
public sealed record HarmonicMelBasis(float[] Magnitude, float[] PowerCos, float[] PowerSin, int Pitches, int Mels, int Rows)
{
    public const int MaxHarmonic = 256;

    /// Per (pitch, harmonic h - 1), [pitches, MaxHarmonic]: the peak of a unit-amplitude cosine's mel image (the
    /// normaliser above: a row value a is the harmonic amplitude exp(a) / HarmonicPeak), 0 for a harmonic at or above
    /// min(fmax, Nyquist); and the mel band where it peaks. What the additive renderer (HarmonicSynth) needs to play the
    /// rows back as sinusoids whose mel is the generator's.
    public float[] HarmonicPeak { get; init; } = [];
    public int[] HarmonicBand { get; init; } = [];

    /// Fractional row of harmonic h: linear for the first rows/2 harmonics, geometric above, MaxHarmonic at the last row.
    public static double RowPosition(double h, int rows)
    {
        int linear = rows / 2;
        if (h <= linear) return h - 1;
        return linear - 1 + (rows - linear) * Math.Log(h / linear) / Math.Log((double)MaxHarmonic / linear);
    }

    static (int Lo, int Hi, double WHi) RowsOf(int h, int rows)
    {
        double rho = Math.Min(RowPosition(h, rows), rows - 1);
        int lo = (int)Math.Floor(rho);
        int hi = Math.Min(lo + 1, rows - 1);
        return (lo, hi, rho - lo);
    }

    static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, int, int, int, float, float, int, int, int), Lazy<HarmonicMelBasis>> cache = new();

    /// The basis for these parameters, computed once per process (the plug-in's IF and vocoder renderers share it).
    public static HarmonicMelBasis Shared(int sampleRate, int nFft, int hop, int mels, float fMin, float fMax, int minPitch, int maxPitch, int rows) =>
        cache.GetOrAdd((sampleRate, nFft, hop, mels, fMin, fMax, minPitch, maxPitch, rows),
            _ => new Lazy<HarmonicMelBasis>(() => Compute(sampleRate, nFft, hop, mels, fMin, fMax, minPitch, maxPitch, rows))).Value;

    /// For a stationary sinusoid the centred, Hann-windowed STFT magnitude is |rfft(window * cos)| in every interior
    /// frame: measured here once per (pitch, harmonic) through the same Slaney mel matrix the models use.
    /// Runs at every model load: pitches in parallel, the sinusoid by a complex rotator re-seeded every 64 samples
    /// (190 ms -> ~30 ms; the values agree with Math.Cos per sample to 1e-12).
    public static HarmonicMelBasis Compute(int sampleRate, int nFft, int hop, int mels, float fMin, float fMax, int minPitch, int maxPitch, int rows)
    {
        int pitches = maxPitch - minPitch + 1, n = nFft, bins = n / 2 + 1;
        var melW = MelFilterBank.CreateRowMajor(sampleRate, n, mels, fMin, fMax);
        var mag = new float[pitches * mels * rows];
        var pc = new float[pitches * mels * rows];
        var ps = new float[pitches * mels * rows];
        var peaks = new float[pitches * MaxHarmonic];
        var peakBands = new int[pitches * MaxHarmonic];
        var window = new double[n];
        for (int i = 0; i < n; i++) window[i] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / n);
        double top = Math.Min(fMax, sampleRate / 2.0);
        // Each mel band covers a few bins: visit only those.
        var bandLo = new int[mels]; var bandHi = new int[mels];
        for (int m = 0; m < mels; m++)
        {
            int lo = 0, hi = bins;
            while (lo < bins && melW[m * bins + lo] == 0) lo++;
            while (hi > lo && melW[m * bins + hi - 1] == 0) hi--;
            (bandLo[m], bandHi[m]) = (lo, hi);
        }
        Parallel.For(0, pitches, () => (new float[bins], new float[bins], new double[mels], new double[mels], new float[n]), (p, _, scratch) =>
        {
            var (re, im, melMag, melPow, frame) = scratch;
            var fft = Fft.Get(n);
            double f0 = 440.0 * Math.Pow(2, (minPitch + p - 69) / 12.0);
            for (int h = 1; h <= MaxHarmonic && h * f0 < top; h++)
            {
                double f = h * f0, omega = 2 * Math.PI * f / sampleRate;
                const int Seed = 64;
                for (int start = 0; start < n; start += Seed)
                {
                    var (s0, c0) = Math.SinCos(omega * (start - n / 2));
                    var (sw, cw) = Math.SinCos(omega);
                    for (int i = start; i < Math.Min(n, start + Seed); i++)
                    {
                        frame[i] = (float)(window[i] * c0);
                        (c0, s0) = (c0 * cw - s0 * sw, s0 * cw + c0 * sw);
                    }
                }
                fft.RealForward(frame, re, im);
                Array.Clear(melMag); Array.Clear(melPow);
                for (int m = 0; m < mels; m++)
                    for (int k = bandLo[m]; k < bandHi[m]; k++)
                    {
                        float w = melW[m * bins + k];
                        double a2 = (double)re[k] * re[k] + (double)im[k] * im[k];
                        melMag[m] += w * Math.Sqrt(a2);
                        melPow[m] += w * a2;
                    }
                double peak = melMag.Max();
                if (peak <= 0) continue;
                peaks[p * MaxHarmonic + h - 1] = (float)peak;
                peakBands[p * MaxHarmonic + h - 1] = Array.IndexOf(melMag, peak);
                double advance = Math.PI * (2.0 * f * hop / sampleRate); // radians per hop
                var (lo, hi, wHi) = RowsOf(h, rows);
                foreach (var (r, wr) in new[] { (lo, 1 - wHi), (hi, wHi) })
                {
                    if (wr == 0) continue;
                    for (int m = 0; m < mels; m++)
                    {
                        int idx = (p * mels + m) * rows + r;
                        mag[idx] += (float)(wr * melMag[m] / peak);
                        // Power scales with the square of the amplitude: the row's exp(2a) times (1/peak)^2.
                        double pw = wr * melPow[m] / (peak * peak);
                        pc[idx] += (float)(pw * Math.Cos(advance));
                        ps[idx] += (float)(pw * Math.Sin(advance));
                    }
                }
            }
            return scratch;
        }, _ => { });
        return new HarmonicMelBasis(mag, pc, ps, pitches, mels, rows) { HarmonicPeak = peaks, HarmonicBand = peakBands };
    }
}
