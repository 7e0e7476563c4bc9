using NeuralSynth.Dsp;
using NeuralSynth.Dsp.Neural;

namespace NeuralSynth.Dsp.Tests.Neural;

/// The vocoder graph's kernels against plain double-precision references, on every SIMD width the CPU has.
public class InferenceKernelTests
{
    public static TheoryData<KernelPath> Paths => new() { KernelPath.Scalar, KernelPath.Vector256, KernelPath.Vector512 };

    /// Output channels 1, 8, 13 and 32 (the 8-channel block's tails), kernels 1/3/5, dilations 1/3/9, lengths that are
    /// not multiples of the lanes; the kernel adds into what y already holds.
    [Theory]
    [MemberData(nameof(Paths))]
    public void PackedConv1dAddsTheConvolution(KernelPath path)
    {
        var rng = new Random(4);
        foreach (var (ci, co, k, d, count) in new[] { (16, 32, 3, 9, 77), (3, 13, 1, 1, 40), (5, 8, 5, 3, 33), (16, 1, 3, 1, 16), (7, 9, 3, 2, 5) })
        {
            int reach = k / 2 * d, stride = count + 2 * reach + 3, at = reach + 1;
            var w = Random(rng, co * ci * k);
            var x = Random(rng, ci * stride);
            var y = Random(rng, co * stride);
            var expected = (float[])y.Clone();
            for (int o = 0; o < co; o++)
                for (int p = 0; p < count; p++)
                {
                    double acc = 0;
                    for (int i = 0; i < ci; i++)
                        for (int j = 0; j < k; j++) acc += (double)w[(o * ci + i) * k + j] * x[i * stride + at + p + (j - k / 2) * d];
                    expected[o * stride + at + p] += (float)acc;
                }
            new PackedConv1d(w, ci, co, k, d).Accumulate(x, stride, at, y, stride, at, count, path);
            for (int i = 0; i < y.Length; i++)
                Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-4f * (1 + Math.Abs(expected[i])), $"{ci}->{co} k{k} d{d} [{i}]: {y[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void PackedConv1dRefusesReadsOutsideTheInput()
    {
        var conv = new PackedConv1d(new float[2 * 2 * 3], 2, 2, 3, 4);
        var x = new float[2 * 20]; var y = new float[2 * 20];
        Assert.Throws<ArgumentOutOfRangeException>(() => conv.Accumulate(x, 20, 2, y, 20, 2, 10));   // reads position -2
        Assert.Throws<ArgumentOutOfRangeException>(() => conv.Accumulate(x, 20, 4, y, 20, 4, 14));   // reads position 21
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void GateAndExpMatchTheirDefinitions(KernelPath path)
    {
        var rng = new Random(5);
        var a = Random(rng, 1003, 12); var b = Random(rng, 1003, 12);
        a[0] = 0; a[1] = -0f; a[2] = 90; a[3] = -90; b[4] = 200; b[5] = -200; a[6] = float.Epsilon;
        var g = new float[a.Length];
        Activations.Gate(a, b, g, path);
        for (int i = 0; i < a.Length; i++)
        {
            double expected = Math.Tanh(a[i]) / (1 + Math.Exp(-b[i]));
            Assert.True(Math.Abs(g[i] - expected) <= 2e-6, $"gate({a[i]}, {b[i]}) = {g[i]}, expected {expected}");
        }
        var x = Random(rng, 517, 80);
        var e = new float[x.Length];
        Activations.Exp(x, e, path);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Math.Exp(x[i]);
            Assert.True(Math.Abs(e[i] - expected) <= 1e-6 * expected, $"exp({x[i]}) = {e[i]}, expected {expected}");
        }
    }

    static float[] Random(Random rng, int n, double scale = 1)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return v;
    }
}
