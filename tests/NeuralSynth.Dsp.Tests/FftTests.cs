namespace NeuralSynth.Dsp.Tests;

public class FftTests
{
    private static (double[] re, double[] im) NaiveDft(float[] re, float[] im)
    {
        int n = re.Length;
        var or = new double[n];
        var oi = new double[n];
        for (int k = 0; k < n; k++)
        {
            double sr = 0, si = 0;
            for (int t = 0; t < n; t++)
            {
                double a = -2 * Math.PI * ((long)k * t % n) / n;
                sr += re[t] * Math.Cos(a) - im[t] * Math.Sin(a);
                si += re[t] * Math.Sin(a) + im[t] * Math.Cos(a);
            }
            or[k] = sr; oi[k] = si;
        }
        return (or, oi);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(512)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(12)]
    [InlineData(100)]
    [InlineData(257)]
    [InlineData(640)]
    public void ComplexForwardMatchesNaiveDftAndInverts(int n)
    {
        var re = TestSignals.Noise(n, 1);
        var im = TestSignals.Noise(n, 2);
        var (er, ei) = NaiveDft(re, im);
        var r = (float[])re.Clone();
        var i = (float[])im.Clone();
        var fft = Fft.Get(n);
        fft.Forward(r, i);
        double tol = 2e-5 * Math.Sqrt(n) * Math.Log2(n + 1) + 1e-6;
        for (int k = 0; k < n; k++)
        {
            Assert.True(Math.Abs(r[k] - er[k]) < tol, $"re[{k}] {r[k]} vs {er[k]}");
            Assert.True(Math.Abs(i[k] - ei[k]) < tol, $"im[{k}] {i[k]} vs {ei[k]}");
        }
        fft.Inverse(r, i);
        Assert.True(TestSignals.MaxAbsDiff(r, re) < 1e-5);
        Assert.True(TestSignals.MaxAbsDiff(i, im) < 1e-5);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(16)]
    [InlineData(1024)]
    [InlineData(6)]
    [InlineData(9)]
    [InlineData(400)]
    public void RealForwardMatchesNaiveDftAndInverts(int n)
    {
        var x = TestSignals.Noise(n, 3);
        var (er, ei) = NaiveDft(x, new float[n]);
        int bins = n / 2 + 1;
        var re = new float[bins];
        var im = new float[bins];
        var fft = Fft.Get(n);
        fft.RealForward(x, re, im);
        double tol = 2e-5 * Math.Sqrt(n) * Math.Log2(n + 1) + 1e-6;
        for (int k = 0; k < bins; k++)
        {
            Assert.True(Math.Abs(re[k] - er[k]) < tol, $"re[{k}] {re[k]} vs {er[k]}");
            Assert.True(Math.Abs(im[k] - ei[k]) < tol, $"im[{k}] {im[k]} vs {ei[k]}");
        }
        var y = new float[n];
        fft.RealInverse(re, im, y);
        Assert.True(TestSignals.MaxAbsDiff(y, x) < 1e-5);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(1024)]
    [InlineData(4096)]
    public void EveryButterflyWidthGivesIdenticalResults(int n)
    {
        var fft = Fft.Get(n);
        var re0 = TestSignals.Noise(n, 11);
        var im0 = TestSignals.Noise(n, 12);
        foreach (bool inverse in new[] { false, true })
        {
            float[] sr = (float[])re0.Clone(), si = (float[])im0.Clone();
            fft.Radix2(sr, si, inverse, 1);
            foreach (int width in new[] { 4, 8 })
            {
                float[] vr = (float[])re0.Clone(), vi = (float[])im0.Clone();
                fft.Radix2(vr, vi, inverse, width);
                Assert.Equal(sr, vr);
                Assert.Equal(si, vi);
            }
        }
    }

    [Fact]
    public void RejectsShortSpans()
    {
        var fft = Fft.Get(8);
        Assert.Throws<ArgumentException>(() => fft.Forward(new float[4], new float[8]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Fft.Get(0));
    }
}
