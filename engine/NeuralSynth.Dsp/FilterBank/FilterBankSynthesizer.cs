// FilterBankSynthesizer: band signals (each at its own rate) -> full-rate waveform, the last stage of the
// multiband vocoder at inference. Per band a polyphase FIR upsampler with the frozen synthesis taps, then
// the sum over bands. It computes exactly what the torch layer computes in training,
//   conv_transpose1d(x, taps, stride = s) cropped to [c, c + N*s)   (c = (L-1)/2),
// i.e. y[n] = sum_m x[m] * h[n + c - m*s] for n in [0, N*s).
//
// Public API
//   new FilterBankSynthesizer(FilterBankDesign design)
//   float[] Synthesize(IReadOnlyList<float[]> bands, KernelPath path = Auto)
//       bands[k].Length * Decimation_k must be equal for every band (the full-rate length).
//   void Synthesize(IReadOnlyList<float[]> bands, Span<float> output, KernelPath path = Auto)   (output overwritten)
//   static void UpsampleAdd(ReadOnlySpan<float> x, ReadOnlySpan<float> taps, int decimation, Span<float> output, KernelPath path = Auto)
//       output[n] += y[n]; output.Length must be x.Length * decimation.
//   static void UpsampleAddReference(...)  the direct O(N*s*L/s) scalar formula above (tests compare every path with it).
//
// How: output samples n = q*s + r - c with the same phase r share the sub-filter p_r[i] = h[r + i*s], and
// z_r[q] = sum_i p_r[i] * x[q - i] is an ordinary FIR on contiguous input. The SIMD paths vectorise over q
// (broadcast one tap, load contiguous x, fused multiply-add into 4 register accumulators), then z_r is
// scattered into every s-th output sample. Cost: L/s multiply-adds per output sample per band.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NeuralSynth.Dsp.FilterBank;

public sealed class FilterBankSynthesizer
{
    private readonly FilterBankDesign _design;

    public FilterBankSynthesizer(FilterBankDesign design)
    {
        _design = design ?? throw new ArgumentNullException(nameof(design));
    }

    public FilterBankDesign Design => _design;

    /// <summary>Full-rate length for band signals of these lengths (throws if the bands disagree).</summary>
    public int OutputLength(IReadOnlyList<float[]> bands)
    {
        ArgumentNullException.ThrowIfNull(bands);
        if (bands.Count != _design.Bands.Count)
            throw new ArgumentException($"Expected {_design.Bands.Count} band signals, got {bands.Count}.", nameof(bands));
        int length = bands[0].Length * _design.Bands[0].Decimation;
        for (int k = 1; k < bands.Count; k++)
        {
            int l = bands[k].Length * _design.Bands[k].Decimation;
            if (l != length)
                throw new ArgumentException($"Band {k} has {bands[k].Length} samples at decimation {_design.Bands[k].Decimation} " +
                                            $"({l} at full rate) but band 0 implies {length}.", nameof(bands));
        }
        return length;
    }

    public float[] Synthesize(IReadOnlyList<float[]> bands, KernelPath path = KernelPath.Auto)
    {
        var output = new float[OutputLength(bands)];
        Synthesize(bands, output, path);
        return output;
    }

    public void Synthesize(IReadOnlyList<float[]> bands, Span<float> output, KernelPath path = KernelPath.Auto)
    {
        int length = OutputLength(bands);
        if (output.Length != length) throw new ArgumentException($"Output has {output.Length} samples, bands need {length}.", nameof(output));
        output.Clear();
        for (int k = 0; k < bands.Count; k++)
            UpsampleAdd(bands[k], _design.Bands[k].SynthesisTaps, _design.Bands[k].Decimation, output, path);
    }

    public static void UpsampleAddReference(ReadOnlySpan<float> x, ReadOnlySpan<float> taps, int decimation, Span<float> output)
    {
        CheckArgs(x.Length, taps.Length, decimation, output.Length);
        int s = decimation, c = (taps.Length - 1) / 2, n = x.Length;
        for (int o = 0; o < output.Length; o++)
        {
            // h index j = o + c - m*s must lie in [0, L).
            int mLo = Math.Max(0, CeilDiv(o + c - (taps.Length - 1), s));
            int mHi = Math.Min(n - 1, FloorDiv(o + c, s));
            float acc = 0;
            for (int m = mLo; m <= mHi; m++) acc += x[m] * taps[o + c - m * s];
            output[o] += acc;
        }
    }

    public static void UpsampleAdd(ReadOnlySpan<float> x, ReadOnlySpan<float> taps, int decimation, Span<float> output, KernelPath path = KernelPath.Auto)
    {
        CheckArgs(x.Length, taps.Length, decimation, output.Length);
        int s = decimation, length = taps.Length, c = (length - 1) / 2, n = x.Length;
        if (n == 0) return;
        int maxPhaseTaps = CeilDiv(length, s);
        int lead = maxPhaseTaps - 1;
        int qMaxAll = FloorDiv(n * s - 1 + c, s);
        int padded = lead + qMaxAll + 1;
        var pool = ArrayPool<float>.Shared;
        float[] xp = pool.Rent(padded);
        float[] z = pool.Rent(qMaxAll + 2);
        float[] phase = pool.Rent(maxPhaseTaps);
        try
        {
            // xp[m + lead] = x[m], zeros outside [0, n).
            Array.Clear(xp, 0, padded);
            x.CopyTo(xp.AsSpan(lead, n));
            var resolved = Kernels.Resolve(path);
            for (int r = 0; r < s; r++)
            {
                int phaseTaps = CeilDiv(length - r, s);
                if (phaseTaps <= 0) continue;
                for (int i = 0; i < phaseTaps; i++) phase[i] = taps[r + i * s];
                int qMin = Math.Max(0, CeilDiv(c - r, s));
                int qMax = FloorDiv(n * s - 1 + c - r, s);
                if (qMax < qMin) continue;
                int count = qMax - qMin + 1;
                // z[j] = sum_i phase[i] * xp[qMin + j - i + lead]
                PhaseFir(xp.AsSpan(0, padded), qMin + lead, phase.AsSpan(0, phaseTaps), z.AsSpan(0, count), resolved);
                // Scatter: output[q*s + r - c] += z[q - qMin] (one add per output sample: negligible next to the FIR).
                ref float po = ref MemoryMarshal.GetReference(output);
                int o = qMin * s + r - c;
                for (int j = 0; j < count; j++, o += s) Unsafe.Add(ref po, o) += z[j];
            }
        }
        finally
        {
            pool.Return(xp);
            pool.Return(z);
            pool.Return(phase);
        }
    }

    /// <summary>z[j] = sum_{i&lt;T} h[i] * xp[start + j - i]; every index read lies in xp (the caller padded it).</summary>
    private static void PhaseFir(ReadOnlySpan<float> xp, int start, ReadOnlySpan<float> h, Span<float> z, KernelPath path)
    {
        int count = z.Length, taps = h.Length, j = 0;
        ref float px = ref MemoryMarshal.GetReference(xp);
        ref float ph = ref MemoryMarshal.GetReference(h);
        ref float pz = ref MemoryMarshal.GetReference(z);
        switch (path)
        {
            case KernelPath.Vector512:
                for (; j <= count - 64; j += 64)
                {
                    Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    ref float b = ref Unsafe.Add(ref px, start + j);
                    for (int i = 0; i < taps; i++)
                    {
                        var w = Vector512.Create(Unsafe.Add(ref ph, i));
                        ref float bi = ref Unsafe.Subtract(ref b, i);
                        a0 = Vector512.FusedMultiplyAdd(w, Vector512.LoadUnsafe(ref bi, 0), a0);
                        a1 = Vector512.FusedMultiplyAdd(w, Vector512.LoadUnsafe(ref bi, 16), a1);
                        a2 = Vector512.FusedMultiplyAdd(w, Vector512.LoadUnsafe(ref bi, 32), a2);
                        a3 = Vector512.FusedMultiplyAdd(w, Vector512.LoadUnsafe(ref bi, 48), a3);
                    }
                    a0.StoreUnsafe(ref pz, (nuint)j);
                    a1.StoreUnsafe(ref pz, (nuint)(j + 16));
                    a2.StoreUnsafe(ref pz, (nuint)(j + 32));
                    a3.StoreUnsafe(ref pz, (nuint)(j + 48));
                }
                for (; j <= count - 16; j += 16)
                {
                    Vector512<float> a0 = default;
                    ref float b = ref Unsafe.Add(ref px, start + j);
                    for (int i = 0; i < taps; i++)
                        a0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ph, i)), Vector512.LoadUnsafe(ref Unsafe.Subtract(ref b, i)), a0);
                    a0.StoreUnsafe(ref pz, (nuint)j);
                }
                break;
            case KernelPath.Vector256:
                for (; j <= count - 32; j += 32)
                {
                    Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    ref float b = ref Unsafe.Add(ref px, start + j);
                    for (int i = 0; i < taps; i++)
                    {
                        var w = Vector256.Create(Unsafe.Add(ref ph, i));
                        ref float bi = ref Unsafe.Subtract(ref b, i);
                        a0 = Vector256.FusedMultiplyAdd(w, Vector256.LoadUnsafe(ref bi, 0), a0);
                        a1 = Vector256.FusedMultiplyAdd(w, Vector256.LoadUnsafe(ref bi, 8), a1);
                        a2 = Vector256.FusedMultiplyAdd(w, Vector256.LoadUnsafe(ref bi, 16), a2);
                        a3 = Vector256.FusedMultiplyAdd(w, Vector256.LoadUnsafe(ref bi, 24), a3);
                    }
                    a0.StoreUnsafe(ref pz, (nuint)j);
                    a1.StoreUnsafe(ref pz, (nuint)(j + 8));
                    a2.StoreUnsafe(ref pz, (nuint)(j + 16));
                    a3.StoreUnsafe(ref pz, (nuint)(j + 24));
                }
                for (; j <= count - 8; j += 8)
                {
                    Vector256<float> a0 = default;
                    ref float b = ref Unsafe.Add(ref px, start + j);
                    for (int i = 0; i < taps; i++)
                        a0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ph, i)), Vector256.LoadUnsafe(ref Unsafe.Subtract(ref b, i)), a0);
                    a0.StoreUnsafe(ref pz, (nuint)j);
                }
                break;
            case KernelPath.Vector128:
                for (; j <= count - 16; j += 16)
                {
                    Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    ref float b = ref Unsafe.Add(ref px, start + j);
                    for (int i = 0; i < taps; i++)
                    {
                        var w = Vector128.Create(Unsafe.Add(ref ph, i));
                        ref float bi = ref Unsafe.Subtract(ref b, i);
                        a0 = Vector128.FusedMultiplyAdd(w, Vector128.LoadUnsafe(ref bi, 0), a0);
                        a1 = Vector128.FusedMultiplyAdd(w, Vector128.LoadUnsafe(ref bi, 4), a1);
                        a2 = Vector128.FusedMultiplyAdd(w, Vector128.LoadUnsafe(ref bi, 8), a2);
                        a3 = Vector128.FusedMultiplyAdd(w, Vector128.LoadUnsafe(ref bi, 12), a3);
                    }
                    a0.StoreUnsafe(ref pz, (nuint)j);
                    a1.StoreUnsafe(ref pz, (nuint)(j + 4));
                    a2.StoreUnsafe(ref pz, (nuint)(j + 8));
                    a3.StoreUnsafe(ref pz, (nuint)(j + 12));
                }
                for (; j <= count - 4; j += 4)
                {
                    Vector128<float> a0 = default;
                    ref float b = ref Unsafe.Add(ref px, start + j);
                    for (int i = 0; i < taps; i++)
                        a0 = Vector128.FusedMultiplyAdd(Vector128.Create(Unsafe.Add(ref ph, i)), Vector128.LoadUnsafe(ref Unsafe.Subtract(ref b, i)), a0);
                    a0.StoreUnsafe(ref pz, (nuint)j);
                }
                break;
        }
        // Scalar tail (and the whole range on the Scalar path).
        for (; j < count; j++)
        {
            float acc = 0;
            ref float b = ref Unsafe.Add(ref px, start + j);
            for (int i = 0; i < taps; i++) acc = MathF.FusedMultiplyAdd(Unsafe.Add(ref ph, i), Unsafe.Subtract(ref b, i), acc);
            Unsafe.Add(ref pz, j) = acc;
        }
    }

    private static void CheckArgs(int n, int tapCount, int decimation, int outputLength)
    {
        if (decimation < 1) throw new ArgumentOutOfRangeException(nameof(decimation), decimation, "Decimation must be >= 1.");
        if (tapCount < 1 || tapCount % 2 == 0) throw new ArgumentException($"Synthesis filters must have odd length, got {tapCount}.");
        if ((long)n * decimation != outputLength)
            throw new ArgumentException($"Output has {outputLength} samples; {n} band samples at decimation {decimation} need {(long)n * decimation}.");
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);
    private static int CeilDiv(int a, int b) => -FloorDiv(-a, b);
}
