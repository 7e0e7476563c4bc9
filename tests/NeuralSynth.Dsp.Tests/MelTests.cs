namespace NeuralSynth.Dsp.Tests;

public class MelTests
{
    [Fact]
    public void SlaneyScaleKnownPoints()
    {
        Assert.Equal(15.0, MelScale.HzToMel(1000), 9);
        Assert.Equal(3.0, MelScale.HzToMel(200), 9);
        Assert.Equal(15.0 + 27.0, MelScale.HzToMel(6400), 9);
        foreach (double hz in new[] { 0.0, 55.0, 440.0, 999.0, 1000.0, 4000.0, 8000.0, 22050.0 })
        {
            Assert.Equal(hz, MelScale.MelToHz(MelScale.HzToMel(hz)), 6);
            Assert.Equal(hz, MelScale.MelToHz(MelScale.HzToMel(hz, htk: true), htk: true), 6);
        }
        Assert.Equal(1000.0, MelScale.HzToMel(1000, htk: true), 0); // HTK is ~1000 mel at 1 kHz
    }

    [Fact]
    public void FilterBankShapeAndSlaneyNormalisation()
    {
        int sr = 16000, nFft = 1024, nMels = 80;
        var w = MelFilterBank.Create(sr, nFft, nMels, 0f, 8000f);
        Assert.Equal(nMels, w.GetLength(0));
        Assert.Equal(nFft / 2 + 1, w.GetLength(1));
        double[] edges = MelScale.MelFrequencies(nMels + 2, 0, 8000);
        double binHz = (double)sr / nFft;
        for (int m = 0; m < nMels; m++)
        {
            double max = 0, area = 0;
            for (int k = 0; k <= nFft / 2; k++)
            {
                Assert.True(w[m, k] >= 0);
                max = Math.Max(max, w[m, k]);
                area += w[m, k] * binHz;
                double f = k * binHz;
                if (f <= edges[m] || f >= edges[m + 2]) Assert.Equal(0f, w[m, k]);
            }
            // Peak height 2/(hi-lo) at the centre (up to the bin grid); area of the triangle is 1.
            double peak = 2.0 / (edges[m + 2] - edges[m]);
            Assert.True(max <= peak * (1 + 1e-6));
            if (edges[m + 2] - edges[m] > 8 * binHz) Assert.InRange(area, 0.95, 1.05);
        }
    }

    [Fact]
    public void RowMajorMatchesTwoDimensional()
    {
        var w = MelFilterBank.Create(22050, 2048, 128, 30f, 11025f);
        var flat = MelFilterBank.CreateRowMajor(22050, 2048, 128, 30f, 11025f);
        Assert.Equal(128 * 1025, flat.Length);
        Assert.Equal(w[5, 17], flat[5 * 1025 + 17]);
        Assert.Equal(w[100, 700], flat[100 * 1025 + 700]);
    }

    [Fact]
    public void ApplyPicksTheBandOfASine()
    {
        int sr = 16000;
        var x = TestSignals.Sine(8000, 1000, sr);
        var s = Stft.Forward(x, 1024, 256);
        var bank = MelFilterBank.Create(sr, 1024, 64, 0, 8000);
        var mel = MelFilterBank.Apply(bank, s.Magnitude(), s.Frames);
        int f = s.Frames / 2, best = 0;
        for (int m = 0; m < 64; m++) if (mel[f * 64 + m] > mel[f * 64 + best]) best = m;
        double[] edges = MelScale.MelFrequencies(66, 0, 8000);
        Assert.InRange(1000.0, edges[best], edges[best + 2]);
    }
}
