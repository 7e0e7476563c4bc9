// Kernels: small SIMD loops used by the STFT and phase-retrieval code, each with a scalar reference.
//
// Public API (all spans must have equal length; dst may alias an input)
//   Kernels.Multiply(a, b, dst, path = Auto)          dst[i] = a[i] * b[i]               (window multiply)
//   Kernels.MultiplyAdd(a, b, dst, path = Auto)       dst[i] += a[i] * b[i]              (overlap-add of windowed frames)
//   Kernels.Magnitude(re, im, dst, path = Auto)       dst[i] = sqrt(re^2 + im^2)
//   Kernels.PowerSpectrum(re, im, dst, path = Auto)   dst[i] = re^2 + im^2
//   KernelPath { Auto, Scalar, Vector128, Vector256, Vector512 }: force a path (tests compare each one with
//   Scalar); a forced path the CPU lacks falls back to the next narrower one, and Auto picks the widest.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NeuralSynth.Dsp;

public enum KernelPath { Auto, Scalar, Vector128, Vector256, Vector512 }

public static class Kernels
{
    /// <summary>The path actually used for a requested one on this CPU.</summary>
    public static KernelPath Resolve(KernelPath path)
    {
        if (path == KernelPath.Auto) path = KernelPath.Vector512;
        if (path == KernelPath.Vector512 && !Vector512.IsHardwareAccelerated) path = KernelPath.Vector256;
        if (path == KernelPath.Vector256 && !Vector256.IsHardwareAccelerated) path = KernelPath.Vector128;
        if (path == KernelPath.Vector128 && !Vector128.IsHardwareAccelerated) path = KernelPath.Scalar;
        return path;
    }

    private static void Check(int a, int b, int c)
    {
        if (a != b || a != c) throw new ArgumentException($"Kernel spans differ in length ({a}, {b}, {c}).");
    }

    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> dst, KernelPath path = KernelPath.Auto)
    {
        Check(a.Length, b.Length, dst.Length);
        int n = a.Length, i = 0;
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float pd = ref MemoryMarshal.GetReference(dst);
        switch (Resolve(path))
        {
            case KernelPath.Vector512:
                for (; i <= n - 16; i += 16)
                    Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref pa, (nuint)i) * Vector512.LoadUnsafe(ref pb, (nuint)i), ref pd, (nuint)i);
                break;
            case KernelPath.Vector256:
                for (; i <= n - 8; i += 8)
                    Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref pa, (nuint)i) * Vector256.LoadUnsafe(ref pb, (nuint)i), ref pd, (nuint)i);
                break;
            case KernelPath.Vector128:
                for (; i <= n - 4; i += 4)
                    Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref pa, (nuint)i) * Vector128.LoadUnsafe(ref pb, (nuint)i), ref pd, (nuint)i);
                break;
        }
        for (; i < n; i++) Unsafe.Add(ref pd, i) = Unsafe.Add(ref pa, i) * Unsafe.Add(ref pb, i);
    }

    public static void MultiplyAdd(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> dst, KernelPath path = KernelPath.Auto)
    {
        Check(a.Length, b.Length, dst.Length);
        int n = a.Length, i = 0;
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float pd = ref MemoryMarshal.GetReference(dst);
        // Multiply then add (not fused) so every path rounds exactly like the scalar reference.
        switch (Resolve(path))
        {
            case KernelPath.Vector512:
                for (; i <= n - 16; i += 16)
                    Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref pd, (nuint)i) + Vector512.LoadUnsafe(ref pa, (nuint)i) * Vector512.LoadUnsafe(ref pb, (nuint)i), ref pd, (nuint)i);
                break;
            case KernelPath.Vector256:
                for (; i <= n - 8; i += 8)
                    Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref pd, (nuint)i) + Vector256.LoadUnsafe(ref pa, (nuint)i) * Vector256.LoadUnsafe(ref pb, (nuint)i), ref pd, (nuint)i);
                break;
            case KernelPath.Vector128:
                for (; i <= n - 4; i += 4)
                    Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref pd, (nuint)i) + Vector128.LoadUnsafe(ref pa, (nuint)i) * Vector128.LoadUnsafe(ref pb, (nuint)i), ref pd, (nuint)i);
                break;
        }
        for (; i < n; i++)
        {
            float prod = Unsafe.Add(ref pa, i) * Unsafe.Add(ref pb, i);
            Unsafe.Add(ref pd, i) += prod;
        }
    }

    public static void PowerSpectrum(ReadOnlySpan<float> re, ReadOnlySpan<float> im, Span<float> dst, KernelPath path = KernelPath.Auto)
    {
        Check(re.Length, im.Length, dst.Length);
        int n = re.Length, i = 0;
        ref float pr = ref MemoryMarshal.GetReference(re);
        ref float pi = ref MemoryMarshal.GetReference(im);
        ref float pd = ref MemoryMarshal.GetReference(dst);
        switch (Resolve(path))
        {
            case KernelPath.Vector512:
                for (; i <= n - 16; i += 16)
                {
                    var r = Vector512.LoadUnsafe(ref pr, (nuint)i); var m = Vector512.LoadUnsafe(ref pi, (nuint)i);
                    Vector512.StoreUnsafe(r * r + m * m, ref pd, (nuint)i);
                }
                break;
            case KernelPath.Vector256:
                for (; i <= n - 8; i += 8)
                {
                    var r = Vector256.LoadUnsafe(ref pr, (nuint)i); var m = Vector256.LoadUnsafe(ref pi, (nuint)i);
                    Vector256.StoreUnsafe(r * r + m * m, ref pd, (nuint)i);
                }
                break;
            case KernelPath.Vector128:
                for (; i <= n - 4; i += 4)
                {
                    var r = Vector128.LoadUnsafe(ref pr, (nuint)i); var m = Vector128.LoadUnsafe(ref pi, (nuint)i);
                    Vector128.StoreUnsafe(r * r + m * m, ref pd, (nuint)i);
                }
                break;
        }
        for (; i < n; i++)
        {
            float r = Unsafe.Add(ref pr, i), m = Unsafe.Add(ref pi, i);
            float rr = r * r, mm = m * m;
            Unsafe.Add(ref pd, i) = rr + mm;
        }
    }

    /// |re + i im| per element, into a new array.
    public static float[] Magnitude(ReadOnlySpan<float> re, ReadOnlySpan<float> im)
    {
        var m = new float[re.Length];
        Magnitude(re, im, m);
        return m;
    }

    /// atan2(im, re) per element (radians), into a new array.
    public static float[] Phase(ReadOnlySpan<float> re, ReadOnlySpan<float> im)
    {
        Check(re.Length, im.Length, re.Length);
        var p = new float[re.Length];
        for (int i = 0; i < p.Length; i++) p[i] = MathF.Atan2(im[i], re[i]);
        return p;
    }

    public static void Magnitude(ReadOnlySpan<float> re, ReadOnlySpan<float> im, Span<float> dst, KernelPath path = KernelPath.Auto)
    {
        Check(re.Length, im.Length, dst.Length);
        int n = re.Length, i = 0;
        ref float pr = ref MemoryMarshal.GetReference(re);
        ref float pi = ref MemoryMarshal.GetReference(im);
        ref float pd = ref MemoryMarshal.GetReference(dst);
        switch (Resolve(path))
        {
            case KernelPath.Vector512:
                for (; i <= n - 16; i += 16)
                {
                    var r = Vector512.LoadUnsafe(ref pr, (nuint)i); var m = Vector512.LoadUnsafe(ref pi, (nuint)i);
                    Vector512.StoreUnsafe(Vector512.Sqrt(r * r + m * m), ref pd, (nuint)i);
                }
                break;
            case KernelPath.Vector256:
                for (; i <= n - 8; i += 8)
                {
                    var r = Vector256.LoadUnsafe(ref pr, (nuint)i); var m = Vector256.LoadUnsafe(ref pi, (nuint)i);
                    Vector256.StoreUnsafe(Vector256.Sqrt(r * r + m * m), ref pd, (nuint)i);
                }
                break;
            case KernelPath.Vector128:
                for (; i <= n - 4; i += 4)
                {
                    var r = Vector128.LoadUnsafe(ref pr, (nuint)i); var m = Vector128.LoadUnsafe(ref pi, (nuint)i);
                    Vector128.StoreUnsafe(Vector128.Sqrt(r * r + m * m), ref pd, (nuint)i);
                }
                break;
        }
        for (; i < n; i++)
        {
            float r = Unsafe.Add(ref pr, i), m = Unsafe.Add(ref pi, i);
            float rr = r * r, mm = m * m;
            Unsafe.Add(ref pd, i) = MathF.Sqrt(rr + mm);
        }
    }
}
