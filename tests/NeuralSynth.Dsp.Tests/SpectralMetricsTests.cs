namespace NeuralSynth.Dsp.Tests;

public class SpectralMetricsTests
{
    private static float[] Scale(float[] x, float g) => x.Select(v => v * g).ToArray();

    [Fact]
    public void IdenticalSignalsAreZeroApart()
    {
        var x = TestSignals.Noise(16000, 1, 0.3f);
        var mr = SpectralMetrics.MultiResolutionStftDistance(x, (float[])x.Clone());
        Assert.Equal(0.0, mr.Total, 9);
        Assert.Equal(3, mr.PerResolution.Length);
        Assert.Equal([512, 1024, 2048], mr.PerResolution.Select(r => r.FftSize));
        Assert.Equal(0.0, SpectralMetrics.LogSpectralDistance(x, x), 9);
        Assert.Equal(0.0, SpectralMetrics.MelCepstralDistortion(x, x, 16000), 9);
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(2f)]
    [InlineData(0.1f)]
    public void ScaledCopiesGiveClosedFormDistances(float g)
    {
        var x = TestSignals.Noise(16000, 2, 0.3f);
        var y = Scale(x, g);
        var mr = SpectralMetrics.MultiResolutionStftDistance(x, y);
        foreach (var r in mr.PerResolution)
        {
            Assert.Equal(Math.Abs(1 - g), r.SpectralConvergence, 4);
            Assert.Equal(Math.Abs(Math.Log(g)), r.LogMagnitude, 2);
        }
        Assert.Equal(Math.Abs(20 * Math.Log10(g)), SpectralMetrics.LogSpectralDistance(x, y), 3);
        // A gain only moves c0, which MCD leaves out.
        Assert.True(SpectralMetrics.MelCepstralDistortion(x, y, 16000) < 1e-3);
    }

    [Fact]
    public void DifferentSignalsAreApartAndOrderedSensibly()
    {
        int sr = 16000;
        var a = TestSignals.Harmonic(sr, 220, sr);
        var slightly = a.Zip(TestSignals.Noise(sr, 5, 0.0003f), (p, q) => p + q).ToArray();
        var other = TestSignals.Harmonic(sr, 330, sr);
        double mcdNear = SpectralMetrics.MelCepstralDistortion(a, slightly, sr);
        double mcdFar = SpectralMetrics.MelCepstralDistortion(a, other, sr);
        Assert.True(mcdNear < mcdFar, $"MCD near {mcdNear} far {mcdFar}");
        double lsdNear = SpectralMetrics.LogSpectralDistance(a, slightly), lsdFar = SpectralMetrics.LogSpectralDistance(a, other);
        Assert.True(lsdNear < lsdFar, $"LSD near {lsdNear} far {lsdFar}");
        double mrNear = SpectralMetrics.MultiResolutionStftDistance(a, slightly).Total, mrFar = SpectralMetrics.MultiResolutionStftDistance(a, other).Total;
        Assert.True(mrNear < mrFar, $"MR-STFT near {mrNear} far {mrFar}");
        Assert.Equal(mcdFar, SpectralMetrics.MelCepstralDistortion(other, a, sr), 6);
    }

    [Fact]
    public void DifferentLengthsUseTheCommonPart()
    {
        var x = TestSignals.Noise(8000, 3);
        var y = x.Concat(TestSignals.Noise(500, 4)).ToArray();
        Assert.Equal(0.0, SpectralMetrics.LogSpectralDistance(x, y), 9);
    }

    [Fact]
    public void WhiteNoiseHasFlatCepstrum()
    {
        var x = TestSignals.Noise(64000, 6);
        var c = SpectralMetrics.Mfcc(x, 16000);
        int frames = c.Length / 13;
        var mean = new double[13];
        for (int f = 0; f < frames; f++) for (int d = 0; d < 13; d++) mean[d] += c[f * 13 + d] / frames;
        for (int d = 1; d < 13; d++) Assert.True(Math.Abs(mean[d]) < 0.05 * Math.Abs(mean[0]), $"c{d} = {mean[d]} vs c0 {mean[0]}");
    }
}
