using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NeuralSynth.Realtime;

/// Accumulates a mono voice block into the stereo bus with a linear gain ramp per channel:
/// left[i] += src[i] * (gl0 + i * (gl1 - gl0) / n), same for right. Ramping every gain change over
/// the block (envelopes, crossfades, velocity) keeps it click-free. Allocation-free.
public static class Mixer
{
    public static void AccumulateRamp(ReadOnlySpan<float> src, Span<float> left, Span<float> right,
        float gl0, float gl1, float gr0, float gr1)
        => AccumulateRamp(src, left, right, gl0, gl1, gr0, gr1, Simd.MaxVectorWidth);

    internal static void AccumulateRamp(ReadOnlySpan<float> src, Span<float> left, Span<float> right,
        float gl0, float gl1, float gr0, float gr1, int width)
    {
        int n = src.Length;
        if (left.Length < n || right.Length < n) throw new ArgumentException("output shorter than source");
        if (n == 0) return;
        float dl = (gl1 - gl0) / n, dr = (gr1 - gr0) / n;
        ref float s = ref MemoryMarshal.GetReference(src);
        ref float l = ref MemoryMarshal.GetReference(left);
        ref float r = ref MemoryMarshal.GetReference(right);
        int i = 0;
        if (width >= 512 && n >= 16)
        {
            var idx = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            var vdl = Vector512.Create(dl); var vdr = Vector512.Create(dr);
            var vgl0 = Vector512.Create(gl0); var vgr0 = Vector512.Create(gr0);
            for (; i <= n - 16; i += 16)
            {
                var x = Vector512.LoadUnsafe(ref s, (nuint)i);
                var at = idx + Vector512.Create((float)i);
                var gl = Vector512.FusedMultiplyAdd(at, vdl, vgl0);
                var gr = Vector512.FusedMultiplyAdd(at, vdr, vgr0);
                Vector512.FusedMultiplyAdd(x, gl, Vector512.LoadUnsafe(ref l, (nuint)i)).StoreUnsafe(ref l, (nuint)i);
                Vector512.FusedMultiplyAdd(x, gr, Vector512.LoadUnsafe(ref r, (nuint)i)).StoreUnsafe(ref r, (nuint)i);
            }
        }
        else if (width >= 256 && n >= 8)
        {
            var idx = Vector256.Create(0f, 1, 2, 3, 4, 5, 6, 7);
            var vdl = Vector256.Create(dl); var vdr = Vector256.Create(dr);
            var vgl0 = Vector256.Create(gl0); var vgr0 = Vector256.Create(gr0);
            for (; i <= n - 8; i += 8)
            {
                var x = Vector256.LoadUnsafe(ref s, (nuint)i);
                var at = idx + Vector256.Create((float)i);
                var gl = Vector256.FusedMultiplyAdd(at, vdl, vgl0);
                var gr = Vector256.FusedMultiplyAdd(at, vdr, vgr0);
                Vector256.FusedMultiplyAdd(x, gl, Vector256.LoadUnsafe(ref l, (nuint)i)).StoreUnsafe(ref l, (nuint)i);
                Vector256.FusedMultiplyAdd(x, gr, Vector256.LoadUnsafe(ref r, (nuint)i)).StoreUnsafe(ref r, (nuint)i);
            }
        }
        else if (width >= 128 && n >= 4)
        {
            var idx = Vector128.Create(0f, 1, 2, 3);
            var vdl = Vector128.Create(dl); var vdr = Vector128.Create(dr);
            var vgl0 = Vector128.Create(gl0); var vgr0 = Vector128.Create(gr0);
            for (; i <= n - 4; i += 4)
            {
                var x = Vector128.LoadUnsafe(ref s, (nuint)i);
                var at = idx + Vector128.Create((float)i);
                var gl = Vector128.FusedMultiplyAdd(at, vdl, vgl0);
                var gr = Vector128.FusedMultiplyAdd(at, vdr, vgr0);
                Vector128.FusedMultiplyAdd(x, gl, Vector128.LoadUnsafe(ref l, (nuint)i)).StoreUnsafe(ref l, (nuint)i);
                Vector128.FusedMultiplyAdd(x, gr, Vector128.LoadUnsafe(ref r, (nuint)i)).StoreUnsafe(ref r, (nuint)i);
            }
        }
        for (; i < n; i++) // scalar path and tail, same formula
        {
            float x = Unsafe.Add(ref s, i);
            Unsafe.Add(ref l, i) += x * MathF.FusedMultiplyAdd(i, dl, gl0);
            Unsafe.Add(ref r, i) += x * MathF.FusedMultiplyAdd(i, dr, gr0);
        }
    }
}
