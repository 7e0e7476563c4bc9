namespace NeuralSynth.Dsp.Tests;

public class KernelTests
{
    public static TheoryData<KernelPath, int> Cases()
    {
        var d = new TheoryData<KernelPath, int>();
        foreach (var p in new[] { KernelPath.Vector128, KernelPath.Vector256, KernelPath.Vector512, KernelPath.Auto })
            foreach (int n in new[] { 0, 1, 3, 4, 7, 8, 15, 16, 17, 33, 1000 })
                d.Add(p, n);
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryPathEqualsScalar(KernelPath path, int n)
    {
        var a = TestSignals.Noise(n, 1);
        var b = TestSignals.Noise(n, 2);
        var c = TestSignals.Noise(n, 3);
        void Same(Action<float[], KernelPath> op)
        {
            var r1 = (float[])c.Clone();
            var r2 = (float[])c.Clone();
            op(r1, KernelPath.Scalar);
            op(r2, path);
            Assert.Equal(r1, r2);
        }
        Same((d, p) => Kernels.Multiply(a, b, d, p));
        Same((d, p) => Kernels.MultiplyAdd(a, b, d, p));
        Same((d, p) => Kernels.PowerSpectrum(a, b, d, p));
        Same((d, p) => Kernels.Magnitude(a, b, d, p));
    }

    [Fact]
    public void ScalarReferenceIsRight()
    {
        var d = new float[2];
        Kernels.Magnitude([3f, 0f], [4f, -2f], d, KernelPath.Scalar);
        Assert.Equal([5f, 2f], d);
        Kernels.Multiply([2f, 3f], [4f, 5f], d, KernelPath.Scalar);
        Assert.Equal([8f, 15f], d);
        Kernels.MultiplyAdd([1f, 1f], [1f, 2f], d, KernelPath.Scalar);
        Assert.Equal([9f, 17f], d);
        Assert.Throws<ArgumentException>(() => Kernels.Multiply(new float[2], new float[3], new float[2]));
    }

    [Fact]
    public void ReportsResolvedPaths()
    {
        Assert.Equal(KernelPath.Scalar, Kernels.Resolve(KernelPath.Scalar));
        Assert.NotEqual(KernelPath.Auto, Kernels.Resolve(KernelPath.Auto));
    }
}
