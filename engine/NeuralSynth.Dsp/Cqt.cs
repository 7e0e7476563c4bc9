// Cqt: constant-Q transform with FFT-domain (spectral) kernels, Brown & Puckette 1992.
//
// Bin k has centre frequency fMin * 2^(k / binsPerOctave) and quality Q = 1 / (2^(1/binsPerOctave) - 1), so its
// Hann-windowed complex kernel lasts N_k = ceil(Q * sampleRate / f_k) samples. Kernels are centred in one FFT
// of size nFft = next power of two >= N_0; their spectra (computed in closed form, no FFT per kernel) keep only
// entries above 0.5 % of each kernel's peak (sparse). A frame is then one real FFT of the signal plus a sparse dot product per bin. Frames are
// centred on sample f * hop (zero padding outside the signal) and the kernel phase is referenced to the frame
// centre, so a steady sine's CQT phase advances by 2 pi f hop / sampleRate per frame.
// Kernels are normalised by 1/N_k so a sine of amplitude A gives |X| ~ A/4 (Hann mean 1/2, one-sided 1/2) in its bin.
//
// Public API
//   new Cqt(int sampleRate, float fMin = 32.70f, int binsPerOctave = 24, int? bins = null, int hop = 256)
//       bins default: as many as fit below 0.9 * Nyquist (within the upper kernel's bandwidth).
//   Cqt.Get(same arguments) -> a cached shared instance (building the kernels takes ~0.1-0.3 s; Forward is thread-safe)
//   cqt.Frequencies (double[Bins]), cqt.Bins, cqt.Hop, cqt.NFft, cqt.SampleRate, cqt.BinsPerOctave
//   cqt.Forward(float[] x) -> CqtResult { Frames, Bins, Hop, SampleRate, double[] Frequencies,
//       float[] Re, float[] Im (frame-major [frames, bins], index f * Bins + k) }, Frames = 1 + x.Length / hop
//   cqt.BinOf(double hz) -> nearest bin index (may be outside [0, Bins))
//   CqtResult.Magnitude(), CqtResult.Phase()

namespace NeuralSynth.Dsp;

public sealed record CqtResult(int Frames, int Bins, int Hop, int SampleRate, double[] Frequencies, float[] Re, float[] Im)
{
    public float[] Magnitude() => Kernels.Magnitude(Re, Im);

    public float[] Phase() => Kernels.Phase(Re, Im);
}

public sealed class Cqt
{
    public int SampleRate { get; }
    public int BinsPerOctave { get; }
    public int Bins { get; }
    public int Hop { get; }
    public int NFft { get; }
    public double FMin { get; }
    public double[] Frequencies { get; }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, float, int, int?, int), Cqt> Cache = new();

    public static Cqt Get(int sampleRate, float fMin = 32.70f, int binsPerOctave = 24, int? bins = null, int hop = 256) =>
        Cache.GetOrAdd((sampleRate, fMin, binsPerOctave, bins, hop), static k => new Cqt(k.Item1, k.Item2, k.Item3, k.Item4, k.Item5));

    // Sparse spectral kernels, conjugated and scaled: X_cq[k] = sum_j X[j] * K[k][j].
    private readonly int[][] _idx;
    private readonly float[][] _kr;
    private readonly float[][] _ki;

    public Cqt(int sampleRate, float fMin = 32.70f, int binsPerOctave = 24, int? bins = null, int hop = 256)
    {
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate));
        if (!(fMin > 0) || fMin >= sampleRate / 2f) throw new ArgumentOutOfRangeException(nameof(fMin), fMin, "fMin must be in (0, Nyquist).");
        if (binsPerOctave < 1 || binsPerOctave > 96) throw new ArgumentOutOfRangeException(nameof(binsPerOctave));
        if (hop < 1) throw new ArgumentOutOfRangeException(nameof(hop));
        SampleRate = sampleRate; BinsPerOctave = binsPerOctave; Hop = hop; FMin = fMin;
        double q = 1.0 / (Math.Pow(2.0, 1.0 / binsPerOctave) - 1.0);
        int maxBins = (int)Math.Floor(binsPerOctave * Math.Log2(0.9 * sampleRate / 2 / fMin)) + 1;
        Bins = bins ?? maxBins;
        if (Bins < 1 || Bins > maxBins) throw new ArgumentOutOfRangeException(nameof(bins), Bins, $"At most {maxBins} bins fit below 0.9 * Nyquist from {fMin} Hz.");
        Frequencies = new double[Bins];
        for (int k = 0; k < Bins; k++) Frequencies[k] = fMin * Math.Pow(2.0, (double)k / binsPerOctave);
        int n0 = (int)Math.Ceiling(q * sampleRate / Frequencies[0]);
        int nFft = 1;
        while (nFft < n0) nFft <<= 1;
        NFft = nFft;

        _idx = new int[Bins][];
        _kr = new float[Bins][];
        _ki = new float[Bins][];
        for (int k = 0; k < Bins; k++)
        {
            var (idx, kr, ki) = SpectralKernel(k, q);
            _idx[k] = idx; _kr[k] = kr; _ki[k] = ki;
        }
    }

    private int KernelLength(int k, double q) => (int)Math.Ceiling(q * SampleRate / Frequencies[k]);

    /// <summary>
    /// Sparse spectral kernel of bin k in closed form: the DFT of a Hann-windowed complex exponential is three
    /// geometric sums, evaluated only near the bin's frequency (the Hann sidelobes are below the 0.5 % cut
    /// 16 kernel-resolutions away). Equals the FFT of the time kernel (KernelByFft) up to round-off.
    /// </summary>
    private (int[] idx, float[] kr, float[] ki) SpectralKernel(int k, double q)
    {
        int nFft = NFft, nk = KernelLength(k, q), specBins = nFft / 2 + 1;
        int start = nFft / 2 - nk / 2, c = nFft / 2;
        double fk = Frequencies[k] / SampleRate; // cycles per sample
        double alpha = 2 * Math.PI / nk;
        int centre = (int)Math.Round(fk * nFft);
        int reach = (int)Math.Ceiling(16.0 * nFft / nk) + 2;
        int j0 = Math.Max(0, centre - reach), j1 = Math.Min(specBins - 1, centre + reach);
        int count = j1 - j0 + 1;
        var re = new double[count];
        var im = new double[count];
        double peak = 0;
        for (int j = j0; j <= j1; j++)
        {
            double beta = 2 * Math.PI * (fk - (double)j / nFft);
            // sum_n w_n e^{i beta n}, w_n = 0.5 - 0.25 e^{i alpha (n + 1/2)} - 0.25 e^{-i alpha (n + 1/2)}
            var (g0r, g0i) = GeometricSum(beta, nk);
            var (g1r, g1i) = GeometricSum(beta + alpha, nk);
            var (g2r, g2i) = GeometricSum(beta - alpha, nk);
            double ca = Math.Cos(alpha / 2), sa = Math.Sin(alpha / 2);
            double sr = 0.5 * g0r - 0.25 * (ca * g1r - sa * g1i) - 0.25 * (ca * g2r + sa * g2i);
            double si = 0.5 * g0i - 0.25 * (ca * g1i + sa * g1r) - 0.25 * (ca * g2i - sa * g2r);
            // Phase offset of sample n = 0 (buffer position `start`) relative to the frame centre, and DFT shift.
            double phi = 2 * Math.PI * fk * (start - c) - 2 * Math.PI * (double)j * start / nFft;
            double pr = Math.Cos(phi), pi = Math.Sin(phi);
            double kr = (sr * pr - si * pi) / nk, ki = (sr * pi + si * pr) / nk;
            re[j - j0] = kr; im[j - j0] = ki;
            peak = Math.Max(peak, kr * kr + ki * ki);
        }
        return Sparsify(re, im, j0, peak, nFft);
    }

    private static (double re, double im) GeometricSum(double theta, int n)
    {
        // sum_{m<n} e^{i theta m} = e^{i theta (n-1)/2} sin(n theta / 2) / sin(theta / 2)
        double half = theta / 2;
        double s = Math.Sin(half);
        double mag = Math.Abs(s) < 1e-12 ? n * Math.Cos(n * half) / Math.Cos(half) : Math.Sin(n * half) / s;
        double ph = half * (n - 1);
        return (mag * Math.Cos(ph), mag * Math.Sin(ph));
    }

    private static (int[] idx, float[] kr, float[] ki) Sparsify(double[] re, double[] im, int j0, double peak, int nFft)
    {
        double thresh = peak * 0.005 * 0.005;
        var idx = new List<int>();
        for (int i = 0; i < re.Length; i++) if (re[i] * re[i] + im[i] * im[i] >= thresh) idx.Add(i);
        var kr = new float[idx.Count];
        var ki = new float[idx.Count];
        for (int i = 0; i < idx.Count; i++)
        {
            // X_cq = (1/nFft) sum_j X[j] conj(K[j]) (Parseval), with the 1/nFft folded in.
            kr[i] = (float)(re[idx[i]] / nFft);
            ki[i] = (float)(-im[idx[i]] / nFft);
        }
        return (idx.Select(i => i + j0).ToArray(), kr, ki);
    }

    /// <summary>Reference: the same sparse kernel from an FFT of the time-domain kernel (slow; tests only).</summary>
    internal (int[] idx, float[] kr, float[] ki) KernelByFft(int k)
    {
        double q = 1.0 / (Math.Pow(2.0, 1.0 / BinsPerOctave) - 1.0);
        int nFft = NFft, nk = KernelLength(k, q), specBins = nFft / 2 + 1;
        var tr = new float[nFft];
        var ti = new float[nFft];
        int start = nFft / 2 - nk / 2;
        for (int n = 0; n < nk; n++)
        {
            double w = 0.5 - 0.5 * Math.Cos(2 * Math.PI * (n + 0.5) / nk);
            double arg = 2 * Math.PI * Frequencies[k] * (start + n - nFft / 2) / SampleRate;
            tr[start + n] = (float)(w / nk * Math.Cos(arg));
            ti[start + n] = (float)(w / nk * Math.Sin(arg));
        }
        Fft.Get(nFft).Forward(tr, ti);
        var re = new double[specBins];
        var im = new double[specBins];
        double peak = 0;
        for (int j = 0; j < specBins; j++)
        {
            re[j] = tr[j]; im[j] = ti[j];
            peak = Math.Max(peak, re[j] * re[j] + im[j] * im[j]);
        }
        return Sparsify(re, im, 0, peak, nFft);
    }

    internal (int[] idx, float[] kr, float[] ki) KernelOf(int k) => (_idx[k], _kr[k], _ki[k]);

    public int BinOf(double hz) => (int)Math.Round(BinsPerOctave * Math.Log2(hz / FMin));

    public CqtResult Forward(float[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int frames = 1 + x.Length / Hop;
        var re = new float[frames * Bins];
        var im = new float[frames * Bins];
        var fft = Fft.Get(NFft);
        int specBins = NFft / 2 + 1;
        var frame = new float[NFft];
        var sr = new float[specBins];
        var si = new float[specBins];
        int half = NFft / 2;
        for (int f = 0; f < frames; f++)
        {
            Array.Clear(frame);
            int s0 = f * Hop - half;
            int from = Math.Max(0, s0), to = Math.Min(x.Length, s0 + NFft);
            if (to > from) x.AsSpan(from, to - from).CopyTo(frame.AsSpan(from - s0));
            fft.RealForward(frame, sr, si);
            for (int k = 0; k < Bins; k++)
            {
                int[] idx = _idx[k];
                float[] kr = _kr[k], ki = _ki[k];
                float accR = 0, accI = 0;
                for (int i = 0; i < idx.Length; i++)
                {
                    float xr = sr[idx[i]], xi = si[idx[i]];
                    accR += xr * kr[i] - xi * ki[i];
                    accI += xr * ki[i] + xi * kr[i];
                }
                re[f * Bins + k] = accR;
                im[f * Bins + k] = accI;
            }
        }
        return new CqtResult(frames, Bins, Hop, SampleRate, Frequencies, re, im);
    }
}
