namespace NeuralSynth.Dsp.Tests;

public class StftTests
{
    [Theory]
    [InlineData(512, 128)]
    [InlineData(512, 256)]
    [InlineData(512, 64)]
    [InlineData(1024, 256)]
    [InlineData(1024, 512)]
    [InlineData(1024, 128)]
    [InlineData(1024, 300)]
    public void InverseOfForwardReconstructsNoise(int nFft, int hop)
    {
        var x = TestSignals.Noise(16000, nFft + hop);
        var s = Stft.Forward(x, nFft, hop);
        Assert.Equal(1 + x.Length / hop, s.Frames);
        Assert.Equal(nFft / 2 + 1, s.Bins);
        var y = Stft.Inverse(s);
        Assert.Equal(x.Length, y.Length);
        double err = TestSignals.MaxAbsDiff(x, y);
        Assert.True(err < 1e-5, $"max error {err}");
    }

    [Fact]
    public void NonPowerOfTwoAndUncenteredReconstructInterior()
    {
        var x = TestSignals.Noise(4000, 11);
        var s = Stft.Forward(x, 400, 100, center: false);
        Assert.Equal(1 + (4000 - 400) / 100, s.Frames);
        var y = Stft.Inverse(s);
        // Without centring, the first and last samples are only covered by tiny window values.
        double err = TestSignals.MaxAbsDiff(x.AsSpan(100, 3700), y.AsSpan(100, 3700));
        Assert.True(err < 1e-5, $"max error {err}");
    }

    [Fact]
    public void SineLandsInItsBin()
    {
        int sr = 16000, nFft = 1024;
        var x = TestSignals.Sine(8000, 1000.0, sr);
        var s = Stft.Forward(x, nFft, 256);
        var mag = s.Magnitude();
        int f = s.Frames / 2, best = 0;
        for (int k = 0; k < s.Bins; k++) if (mag[f * s.Bins + k] > mag[f * s.Bins + best]) best = k;
        Assert.Equal(64, best); // 1000 Hz * 1024 / 16000
        // Hann window sum is nFft/2, sine amplitude 0.5 -> peak about 0.5 * 512 / 2.
        Assert.InRange(mag[f * s.Bins + best], 120, 130);
    }

    [Fact]
    public void ShortSignalUsesZeroPadding()
    {
        var x = TestSignals.Noise(100, 5);
        var s = Stft.Forward(x, 512, 128);
        Assert.Equal(1, s.Frames);
        var y = Stft.Inverse(s);
        Assert.True(TestSignals.MaxAbsDiff(x, y) < 1e-5);
    }
}
