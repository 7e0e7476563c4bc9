// Fft: discrete Fourier transform in single precision, split real/imaginary arrays.
//
// Public API
//   Fft.Get(int n)                       cached plan for size n (thread-safe, plans are immutable).
//   plan.Size
//   plan.Forward(Span<float> re, Span<float> im)          in place, X[k] = sum x[t] e^{-2 pi i k t / n} (unnormalized)
//   plan.Inverse(Span<float> re, Span<float> im)          in place, x[t] = (1/n) sum X[k] e^{+2 pi i k t / n}
//   plan.RealForward(ReadOnlySpan<float> x, Span<float> re, Span<float> im)
//        x has n samples; re/im receive bins 0..n/2 (n/2+1 values, like numpy.fft.rfft)
//   plan.RealInverse(ReadOnlySpan<float> re, ReadOnlySpan<float> im, Span<float> x)
//        inverse of RealForward (numpy.fft.irfft): bins 0..n/2 -> n samples, scaled 1/n;
//        imaginary parts of bins 0 and n/2 are ignored (Hermitian symmetry).
//
// Powers of two use an iterative radix-2 transform; real transforms of size n (power of two) use one
// complex transform of size n/2 (even/odd packing), which halves the work. Any other size uses
// Bluestein's chirp-z algorithm (a power-of-two convolution), so every n >= 1 works.
// Twiddles are computed in double precision to keep round-off at the float level. The radix-2 butterflies run
// 8 (Vector256) or 4 (Vector128) at a time with a scalar tail; every width gives bit-identical results (no fused
// multiply-add), which FftTests check by forcing each.
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NeuralSynth.Dsp;

public sealed class Fft
{
    private static readonly ConcurrentDictionary<int, Fft> Cache = new();

    /// <summary>Returns a cached plan for size <paramref name="n"/> (n >= 1).</summary>
    public static Fft Get(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "FFT size must be >= 1.");
        return Cache.GetOrAdd(n, static k => new Fft(k));
    }

    public int Size { get; }

    private readonly bool _pow2;
    // Radix-2 tables (pow2 only): per-stage twiddles, stage with half-size h at [h-1, 2h-1):
    // cos(pi j / h) and sin(pi j / h) for j < h (contiguous, so the butterflies vectorise); bit-reversal permutation.
    private readonly float[] _cos = [];
    private readonly float[] _sin = [];
    private readonly int[] _rev = [];
    // Real transform post-processing twiddles for size n (pow2, n >= 2): e^{-2 pi i k / n}, k <= n/2.
    private readonly float[] _rCos = [];
    private readonly float[] _rSin = [];
    private readonly Fft? _half;
    // Bluestein (non pow2).
    private readonly Fft? _conv;
    private readonly float[] _chirpRe = [];
    private readonly float[] _chirpIm = [];
    private readonly float[] _filtRe = [];
    private readonly float[] _filtIm = [];

    [ThreadStatic] private static float[]? t_scratch;

    private Fft(int n)
    {
        Size = n;
        _pow2 = (n & (n - 1)) == 0;
        if (_pow2)
        {
            int h = n / 2;
            _cos = new float[Math.Max(n - 1, 1)];
            _sin = new float[Math.Max(n - 1, 1)];
            for (int half = 1; half < n; half <<= 1)
            {
                for (int j = 0; j < half; j++)
                {
                    double a = Math.PI * j / half;
                    _cos[half - 1 + j] = (float)Math.Cos(a);
                    _sin[half - 1 + j] = (float)Math.Sin(a);
                }
            }
            _rev = new int[n];
            int bits = 0;
            while ((1 << bits) < n) bits++;
            for (int i = 0; i < n; i++)
            {
                int r = 0;
                for (int b = 0; b < bits; b++) if ((i & (1 << b)) != 0) r |= 1 << (bits - 1 - b);
                _rev[i] = r;
            }
            if (n >= 4)
            {
                _half = Get(n / 2);
                _rCos = new float[h + 1];
                _rSin = new float[h + 1];
                for (int k = 0; k <= h; k++)
                {
                    double a = 2.0 * Math.PI * k / n;
                    _rCos[k] = (float)Math.Cos(a);
                    _rSin[k] = (float)Math.Sin(a);
                }
            }
        }
        else
        {
            int m = 1;
            while (m < 2 * n - 1) m <<= 1;
            _conv = Get(m);
            _chirpRe = new float[n];
            _chirpIm = new float[n];
            for (int k = 0; k < n; k++)
            {
                // k^2 mod 2n keeps the angle small so the double is exact enough for large k.
                long k2 = (long)k * k % (2L * n);
                double a = Math.PI * k2 / n;
                _chirpRe[k] = (float)Math.Cos(a);
                _chirpIm[k] = (float)-Math.Sin(a); // w[k] = e^{-i pi k^2 / n}
            }
            _filtRe = new float[m];
            _filtIm = new float[m];
            for (int k = 0; k < n; k++)
            {
                // b[k] = conj(w[k]), b[m-k] = conj(w[k]).
                _filtRe[k] = _chirpRe[k];
                _filtIm[k] = -_chirpIm[k];
                if (k > 0)
                {
                    _filtRe[m - k] = _chirpRe[k];
                    _filtIm[m - k] = -_chirpIm[k];
                }
            }
            _conv.Forward(_filtRe, _filtIm);
        }
    }

    /// <summary>In-place forward complex DFT (unnormalized).</summary>
    public void Forward(Span<float> re, Span<float> im) => Transform(re, im, inverse: false);

    /// <summary>In-place inverse complex DFT, scaled by 1/n.</summary>
    public void Inverse(Span<float> re, Span<float> im)
    {
        Transform(re, im, inverse: true);
        float s = 1f / Size;
        for (int i = 0; i < Size; i++) { re[i] *= s; im[i] *= s; }
    }

    private void Transform(Span<float> re, Span<float> im, bool inverse)
    {
        int n = Size;
        if (re.Length < n || im.Length < n) throw new ArgumentException($"FFT of size {n} needs spans of at least {n} values.");
        if (n == 1) return;
        if (_pow2) Radix2(re[..n], im[..n], inverse);
        else Bluestein(re[..n], im[..n], inverse);
    }

    private void Radix2(Span<float> re, Span<float> im, bool inverse) => Radix2(re, im, inverse, VectorWidth);

    /// <summary>Power-of-two transform with a forced butterfly width (1, 4 or 8): tests compare the paths.</summary>
    internal void Radix2(Span<float> re, Span<float> im, bool inverse, int width)
    {
        int n = Size;
        for (int i = 0; i < n; i++)
        {
            int j = _rev[i];
            if (j > i)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }
        ButterflyStages(re, im, inverse, width);
    }

    /// <summary>Vector width (floats) the butterflies use: 8 with AVX, 4 with SSE/NEON, 1 = scalar.</summary>
    internal static readonly int VectorWidth =
        Vector256.IsHardwareAccelerated ? 8 : Vector128.IsHardwareAccelerated ? 4 : 1;

    private void ButterflyStages(Span<float> re, Span<float> im, bool inverse, int width)
    {
        int n = Size;
        ref float pr = ref MemoryMarshal.GetReference(re);
        ref float pi = ref MemoryMarshal.GetReference(im);
        ref float pc = ref MemoryMarshal.GetArrayDataReference(_cos);
        ref float ps = ref MemoryMarshal.GetArrayDataReference(_sin);
        // Forward uses e^{-i pi j / h}: wi = -sin; inverse uses +sin.
        float sign = inverse ? 1f : -1f;
        for (int half = 1; half < n; half <<= 1)
        {
            int tw = half - 1;
            for (int start = 0; start < n; start += 2 * half)
            {
                int j = 0;
                if (width == 8 && half >= 8)
                {
                    var sv = Vector256.Create(sign);
                    for (; j < half; j += 8)
                    {
                        nuint a = (nuint)(start + j), b = a + (nuint)half, t = (nuint)(tw + j);
                        var wr = Vector256.LoadUnsafe(ref pc, t);
                        var wi = Vector256.LoadUnsafe(ref ps, t) * sv;
                        var br = Vector256.LoadUnsafe(ref pr, b);
                        var bi = Vector256.LoadUnsafe(ref pi, b);
                        var ar = Vector256.LoadUnsafe(ref pr, a);
                        var ai = Vector256.LoadUnsafe(ref pi, a);
                        var xr = br * wr - bi * wi;
                        var xi = br * wi + bi * wr;
                        (ar - xr).StoreUnsafe(ref pr, b);
                        (ai - xi).StoreUnsafe(ref pi, b);
                        (ar + xr).StoreUnsafe(ref pr, a);
                        (ai + xi).StoreUnsafe(ref pi, a);
                    }
                }
                else if (width >= 4 && half >= 4)
                {
                    var sv = Vector128.Create(sign);
                    for (; j < half; j += 4)
                    {
                        nuint a = (nuint)(start + j), b = a + (nuint)half, t = (nuint)(tw + j);
                        var wr = Vector128.LoadUnsafe(ref pc, t);
                        var wi = Vector128.LoadUnsafe(ref ps, t) * sv;
                        var br = Vector128.LoadUnsafe(ref pr, b);
                        var bi = Vector128.LoadUnsafe(ref pi, b);
                        var ar = Vector128.LoadUnsafe(ref pr, a);
                        var ai = Vector128.LoadUnsafe(ref pi, a);
                        var xr = br * wr - bi * wi;
                        var xi = br * wi + bi * wr;
                        (ar - xr).StoreUnsafe(ref pr, b);
                        (ai - xi).StoreUnsafe(ref pi, b);
                        (ar + xr).StoreUnsafe(ref pr, a);
                        (ai + xi).StoreUnsafe(ref pi, a);
                    }
                }
                for (; j < half; j++)
                {
                    float wr = Unsafe.Add(ref pc, tw + j), wi = sign * Unsafe.Add(ref ps, tw + j);
                    int a = start + j, b = a + half;
                    float br = Unsafe.Add(ref pr, b), bi = Unsafe.Add(ref pi, b);
                    float xr = br * wr - bi * wi;
                    float xi = br * wi + bi * wr;
                    float ar = Unsafe.Add(ref pr, a), ai = Unsafe.Add(ref pi, a);
                    Unsafe.Add(ref pr, b) = ar - xr; Unsafe.Add(ref pi, b) = ai - xi;
                    Unsafe.Add(ref pr, a) = ar + xr; Unsafe.Add(ref pi, a) = ai + xi;
                }
            }
        }
    }

    private void Bluestein(Span<float> re, Span<float> im, bool inverse)
    {
        int n = Size, m = _conv!.Size;
        float[] ar = new float[m], ai = new float[m];
        float conjSign = inverse ? -1f : 1f; // inverse DFT = conj(DFT(conj(x))) (scaling done by caller)
        for (int k = 0; k < n; k++)
        {
            float xr = re[k], xi = conjSign * im[k];
            ar[k] = xr * _chirpRe[k] - xi * _chirpIm[k];
            ai[k] = xr * _chirpIm[k] + xi * _chirpRe[k];
        }
        _conv.Forward(ar, ai);
        for (int k = 0; k < m; k++)
        {
            float r = ar[k] * _filtRe[k] - ai[k] * _filtIm[k];
            float i = ar[k] * _filtIm[k] + ai[k] * _filtRe[k];
            ar[k] = r; ai[k] = i;
        }
        _conv.Inverse(ar, ai);
        for (int k = 0; k < n; k++)
        {
            float r = ar[k] * _chirpRe[k] - ai[k] * _chirpIm[k];
            float i = ar[k] * _chirpIm[k] + ai[k] * _chirpRe[k];
            re[k] = r; im[k] = conjSign * i;
        }
    }

    /// <summary>Forward DFT of a real signal of length n; writes bins 0..n/2 into re/im.</summary>
    public void RealForward(ReadOnlySpan<float> x, Span<float> re, Span<float> im)
    {
        int n = Size, bins = n / 2 + 1;
        if (x.Length < n) throw new ArgumentException($"Real FFT of size {n} needs {n} input samples, got {x.Length}.");
        if (re.Length < bins || im.Length < bins) throw new ArgumentException($"Real FFT of size {n} needs output spans of {bins} bins.");
        if (_half is null)
        {
            // Small or non-power-of-two sizes: a full complex transform.
            float[] r = new float[n], i = new float[n];
            x[..n].CopyTo(r);
            Transform(r, i, inverse: false);
            r.AsSpan(0, bins).CopyTo(re);
            i.AsSpan(0, bins).CopyTo(im);
            return;
        }
        int m = n / 2;
        // Pack z[k] = x[2k] + i x[2k+1] into the output spans and transform at half size.
        for (int k = 0; k < m; k++) { re[k] = x[2 * k]; im[k] = x[2 * k + 1]; }
        _half.Forward(re, im);
        // Unpack: E[k] = (Z[k] + conj Z[m-k]) / 2, O[k] = (Z[k] - conj Z[m-k]) / 2i, X[k] = E[k] + W^k O[k].
        float z0r = re[0], z0i = im[0];
        re[0] = z0r + z0i; im[0] = 0f;
        re[m] = z0r - z0i; im[m] = 0f;
        for (int k = 1; k <= m / 2; k++)
        {
            int j = m - k;
            float akr = re[k], aki = im[k], ajr = re[j], aji = im[j];
            // For bin k.
            float er = 0.5f * (akr + ajr), ei = 0.5f * (aki - aji);
            float or = 0.5f * (aki + aji), oi = -0.5f * (akr - ajr);
            float wr = _rCos[k], wi = -_rSin[k];
            float tr = wr * or - wi * oi, ti = wr * oi + wi * or;
            // For bin j (same pair, roles swapped).
            float er2 = 0.5f * (ajr + akr), ei2 = 0.5f * (aji - aki);
            float or2 = 0.5f * (aji + aki), oi2 = -0.5f * (ajr - akr);
            float wr2 = _rCos[j], wi2 = -_rSin[j];
            float tr2 = wr2 * or2 - wi2 * oi2, ti2 = wr2 * oi2 + wi2 * or2;
            re[k] = er + tr; im[k] = ei + ti;
            re[j] = er2 + tr2; im[j] = ei2 + ti2;
        }
    }

    /// <summary>Inverse of <see cref="RealForward"/>: bins 0..n/2 to n real samples, scaled by 1/n.</summary>
    public void RealInverse(ReadOnlySpan<float> re, ReadOnlySpan<float> im, Span<float> x)
    {
        int n = Size, bins = n / 2 + 1;
        if (x.Length < n) throw new ArgumentException($"Real inverse FFT of size {n} needs {n} output samples.");
        if (re.Length < bins || im.Length < bins) throw new ArgumentException($"Real inverse FFT of size {n} needs {bins} bins.");
        if (_half is null)
        {
            float[] r = new float[n], i = new float[n];
            for (int k = 0; k < bins; k++) { r[k] = re[k]; i[k] = im[k]; }
            i[0] = 0f;
            if (n % 2 == 0) i[n / 2] = 0f;
            for (int k = bins; k < n; k++) { r[k] = re[n - k]; i[k] = -im[n - k]; }
            Transform(r, i, inverse: true);
            float s = 1f / n;
            for (int t = 0; t < n; t++) x[t] = r[t] * s;
            return;
        }
        int m = n / 2;
        float[] buf = t_scratch is { } b0 && b0.Length >= n ? b0 : (t_scratch = new float[n]);
        Span<float> zr = buf.AsSpan(0, m), zi = buf.AsSpan(m, m);
        // E[k] = (X[k] + conj X[m-k]) / 2, O[k] = (X[k] - conj X[m-k]) / 2 * e^{+2 pi i k / n}, Z = E + i O.
        for (int k = 0; k < m; k++)
        {
            int j = m - k;
            float xkr = re[k], xki = k == 0 ? 0f : im[k];
            float xjr = re[j], xji = j == m ? 0f : im[j];
            float er = 0.5f * (xkr + xjr), ei = 0.5f * (xki - xji);
            float dr = 0.5f * (xkr - xjr), di = 0.5f * (xki + xji);
            float wr = _rCos[k], wi = _rSin[k];
            float or = dr * wr - di * wi, oi = dr * wi + di * wr;
            zr[k] = er - oi;
            zi[k] = ei + or;
        }
        _half!.Inverse(zr, zi);
        for (int k = 0; k < m; k++) { x[2 * k] = zr[k]; x[2 * k + 1] = zi[k]; }
    }
}
