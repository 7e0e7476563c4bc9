using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NeuralSynth.Realtime;

/// Band-limited polyphase resampling of a mono source into a block of output samples, with any
/// ratio (`step` = source samples advanced per output sample; 1/3 for 16 kHz -> 48 kHz, times the
/// pitch ratio of transposition and bend). The read position is a double; each output sample takes
/// the two nearest phase rows of the filter, interpolates them linearly and dots the result with
/// the `Taps` source samples around the position. Allocation-free; the SIMD width is a parameter.
///
/// The source span must be readable `Taps/2` samples before `origin` and `Taps/2` samples beyond
/// the last position read (CachedNote pads its buffer for this). Looping: once the position
/// reaches `loopEnd` it jumps back by `loopLength`, and the samples just after `loopEnd` must be
/// a copy of those after `loopEnd - loopLength` (CachedNote bakes this in), so the filter window
/// never sees the seam.
public static class Resampler
{
    /// Offline band-limited conversion of a whole signal (not for the audio thread: it allocates): the polyphase
    /// filter with 32 taps per zero crossing of the lower rate's band, cutoff 0.97 of it.
    public static float[] Offline(float[] x, int fromRate, int toRate)
    {
        if (fromRate == toRate) return x;
        if (fromRate <= 0 || toRate <= 0) throw new ArgumentException($"cannot resample {fromRate} Hz to {toRate} Hz");
        double step = (double)fromRate / toRate;
        int k = (int)Math.Ceiling(Math.Max(1.0, step));
        var filter = new PolyphaseFilter(taps: 32 * k, phases: 256, cutoff: Math.Min(1.0, 0.97 / step));
        int pad = filter.Taps;
        var src = new float[x.Length + 2 * pad];
        x.CopyTo(src, pad);
        int outLength = (int)Math.Floor((x.Length - 1) / step) + 1;
        var dst = new float[outLength];
        double pos = 0;
        int n = Process(filter, src, pad, ref pos, step, double.PositiveInfinity, 0, x.Length, dst);
        return n == dst.Length ? dst : dst[..n];
    }

    /// Fills dst[..n] and returns n: dst.Length, or fewer when the position reached `end` (the
    /// source is exhausted; only happens without a loop). `pos` advances.
    public static int Process(PolyphaseFilter filter, ReadOnlySpan<float> source, int origin, ref double pos, double step,
        double loopEnd, double loopLength, double end, Span<float> dst)
        => Process(filter, source, origin, ref pos, step, loopEnd, loopLength, end, dst, Simd.MaxVectorWidth);

    internal static int Process(PolyphaseFilter filter, ReadOnlySpan<float> source, int origin, ref double pos, double step,
        double loopEnd, double loopLength, double end, Span<float> dst, int width)
    {
        int taps = filter.Taps, phases = filter.Phases, back = taps / 2 - 1;
        ref float coefficients = ref MemoryMarshal.GetArrayDataReference(filter.Coefficients);
        ref float deltas = ref MemoryMarshal.GetArrayDataReference(filter.Deltas);
        ref float src = ref MemoryMarshal.GetReference(source);
        bool loops = loopLength > 0;
        double p = pos;
        int n = 0;
        // Bounds: the window of floor(p) reads up to index origin + floor(p) + taps/2, so every read
        // stays inside `source` while p < readableEnd (checked per output sample, not per tap).
        double readableEnd = source.Length - origin - taps / 2;
        if (origin < taps / 2) throw new ArgumentException("source needs Taps/2 samples of padding before origin");
        for (; n < dst.Length; n++)
        {
            if (loops && p >= loopEnd) p -= loopLength;
            if (p >= end || p >= readableEnd) break;
            int i = (int)p; // p >= 0 always: voices start at 0 and only move forward
            double ph = (p - i) * phases;
            int row = (int)ph;
            float a = (float)(ph - row);
            dst[n] = Dot(ref Unsafe.Add(ref coefficients, row * taps), ref Unsafe.Add(ref deltas, row * taps),
                ref Unsafe.Add(ref src, origin + i - back), a, taps, width);
            p += step;
        }
        pos = p;
        return n;
    }

    /// sum_k (c[k] + a * d[k]) * x[k]: the interpolated kernel dotted with the source window.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Dot(ref float c, ref float d, ref float x, float a, int taps, int width)
    {
        int k = 0;
        float sum = 0;
        if (width >= 512 && taps >= 16)
        {
            var va = Vector512.Create(a);
            var acc = Vector512<float>.Zero;
            for (; k <= taps - 16; k += 16)
            {
                var kern = Vector512.FusedMultiplyAdd(va, Vector512.LoadUnsafe(ref d, (nuint)k), Vector512.LoadUnsafe(ref c, (nuint)k));
                acc = Vector512.FusedMultiplyAdd(kern, Vector512.LoadUnsafe(ref x, (nuint)k), acc);
            }
            sum = Vector512.Sum(acc);
        }
        else if (width >= 256 && taps >= 8)
        {
            var va = Vector256.Create(a);
            var acc = Vector256<float>.Zero;
            for (; k <= taps - 8; k += 8)
            {
                var kern = Vector256.FusedMultiplyAdd(va, Vector256.LoadUnsafe(ref d, (nuint)k), Vector256.LoadUnsafe(ref c, (nuint)k));
                acc = Vector256.FusedMultiplyAdd(kern, Vector256.LoadUnsafe(ref x, (nuint)k), acc);
            }
            sum = Vector256.Sum(acc);
        }
        else if (width >= 128 && taps >= 4)
        {
            var va = Vector128.Create(a);
            var acc = Vector128<float>.Zero;
            for (; k <= taps - 4; k += 4)
            {
                var kern = Vector128.FusedMultiplyAdd(va, Vector128.LoadUnsafe(ref d, (nuint)k), Vector128.LoadUnsafe(ref c, (nuint)k));
                acc = Vector128.FusedMultiplyAdd(kern, Vector128.LoadUnsafe(ref x, (nuint)k), acc);
            }
            sum = Vector128.Sum(acc);
        }
        for (; k < taps; k++) // scalar path and tail
            sum += (Unsafe.Add(ref c, k) + a * Unsafe.Add(ref d, k)) * Unsafe.Add(ref x, k);
        return sum;
    }
}
