namespace NeuralSynth.Dsp.Tests;

public class CqtTests
{
    [Theory]
    [InlineData(16000, 24, 440.0)]
    [InlineData(16000, 12, 65.41)]
    [InlineData(16000, 24, 3000.0)]
    [InlineData(44100, 24, 1000.0)]
    public void SineLandsInItsBinWithExpectedLevelAndIf(int sr, int bpo, double freq)
    {
        int hop = sr > 20000 ? 1024 : 256;
        var cqt = new Cqt(sr, 32.70f, bpo, hop: hop);
        var x = TestSignals.Sine(sr / 2, freq, sr, 0.5);
        var r = cqt.Forward(x);
        Assert.Equal(1 + x.Length / hop, r.Frames);
        var mag = r.Magnitude();
        int f = r.Frames / 2, best = 0;
        for (int k = 0; k < r.Bins; k++) if (mag[f * r.Bins + k] > mag[f * r.Bins + best]) best = k;
        Assert.Equal(cqt.BinOf(freq), best);
        // A/4 for a bin-centred sine; the nearest bin is within half a bin, so allow some loss.
        Assert.InRange(mag[f * r.Bins + best], 0.5 / 4 * 0.7, 0.5 / 4 * 1.05);
        // IF: the phase advances 2 pi f hop / sr per frame.
        var ifs = InstantaneousFrequency.FromPhase(r.Phase(), r.Frames, r.Bins);
        double expected = InstantaneousFrequency.Wrap(2 * Math.PI * freq * hop / sr) / Math.PI;
        Assert.True(Math.Abs(InstantaneousFrequency.Wrap(Math.PI * (ifs[f * r.Bins + best] - expected))) < 0.01);
    }

    [Fact]
    public void ClosedFormKernelsEqualFftKernels()
    {
        var cqt = new Cqt(16000, 110f, 12, hop: 128);
        int specBins = cqt.NFft / 2 + 1;
        for (int k = 0; k < cqt.Bins; k += 5)
        {
            var a = Dense(cqt.KernelOf(k), specBins);
            var b = Dense(cqt.KernelByFft(k), specBins);
            double peak = a.Max(v => v.Magnitude);
            double worst = a.Zip(b).Max(p => (p.First - p.Second).Magnitude);
            // Both drop entries under 0.5 % of the peak, so differences up to that level are allowed.
            Assert.True(worst < 0.0051 * peak, $"bin {k}: {worst / peak:E2} of peak");
        }
    }

    private static System.Numerics.Complex[] Dense((int[] idx, float[] kr, float[] ki) k, int n)
    {
        var d = new System.Numerics.Complex[n];
        for (int i = 0; i < k.idx.Length; i++) d[k.idx[i]] = new System.Numerics.Complex(k.kr[i], k.ki[i]);
        return d;
    }

    [Fact]
    public void BinsDefaultStopsBelowNyquist()
    {
        var cqt = new Cqt(16000, 32.70f, 24);
        Assert.True(cqt.Frequencies[^1] < 0.9 * 8000);
        Assert.Equal(32.70, cqt.Frequencies[0], 4);
        Assert.Equal(65.40, cqt.Frequencies[24], 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Cqt(16000, 32.70f, 24, bins: 1000));
        Assert.Same(Cqt.Get(16000, 65f, 12), Cqt.Get(16000, 65f, 12));
    }
}
