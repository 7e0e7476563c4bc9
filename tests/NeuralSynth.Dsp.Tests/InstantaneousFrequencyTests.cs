namespace NeuralSynth.Dsp.Tests;

public class InstantaneousFrequencyTests
{
    [Theory]
    [InlineData(440.0, 1024, 256)]
    [InlineData(1000.0, 1024, 256)]
    [InlineData(3100.0, 512, 128)]
    [InlineData(110.0, 2048, 512)]
    public void SteadySineIfEqualsItsFrequency(double freq, int nFft, int hop)
    {
        int sr = 16000;
        var x = TestSignals.Sine(sr, freq, sr);
        var s = Stft.Forward(x, nFft, hop);
        var r = InstantaneousFrequency.Encode(s);
        int bin = (int)Math.Round(freq * nFft / sr);
        for (int f = 4; f < r.Frames - 4; f++)
        {
            float v = r.If[f * r.Bins + bin];
            Assert.InRange(v, -1f, 1f);
            double hz = InstantaneousFrequency.ToHz(v, bin, nFft, hop, sr);
            Assert.True(Math.Abs(hz - freq) < 0.01 * freq / 100 + 0.05, $"frame {f}: {hz} Hz vs {freq}");
            // Neighbouring bins in the main lobe see the same frequency.
            double hz2 = InstantaneousFrequency.ToHz(r.If[f * r.Bins + bin + 1], bin + 1, nFft, hop, sr);
            Assert.True(Math.Abs(hz2 - freq) < 0.5, $"frame {f} bin+1: {hz2} Hz vs {freq}");
        }
    }

    [Fact]
    public void PhaseRoundTripAndUnwrap()
    {
        int frames = 50, bins = 7;
        var rnd = new Random(3);
        var phase = new float[frames * bins];
        for (int i = 0; i < phase.Length; i++) phase[i] = (float)(rnd.NextDouble() * 2 * Math.PI - Math.PI);
        var ifs = InstantaneousFrequency.FromPhase(phase, frames, bins);
        Assert.All(ifs, v => Assert.InRange(v, -1f, 1f));
        var back = InstantaneousFrequency.ToPhase(ifs, frames, bins);
        var unwrapped = InstantaneousFrequency.Unwrap(phase, frames, bins);
        for (int i = 0; i < phase.Length; i++)
        {
            double d = back[i] - phase[i];
            double k = Math.Round(d / (2 * Math.PI));
            Assert.True(Math.Abs(d - 2 * Math.PI * k) < 1e-4, $"index {i}");
            Assert.True(Math.Abs(back[i] - unwrapped[i]) < 1e-4, $"unwrap index {i}");
        }
    }

    [Fact]
    public void EncodeDecodeResynthesises()
    {
        int sr = 16000;
        var x = TestSignals.Harmonic(sr, 220, sr);
        var s = Stft.Forward(x, 1024, 256);
        var y = Stft.Inverse(InstantaneousFrequency.Decode(InstantaneousFrequency.Encode(s)));
        double err = TestSignals.MaxAbsDiff(x, y);
        Assert.True(err < 1e-3, $"max error {err}");
    }

    [Fact]
    public void MelWarpKeepsSineFrequencyAndLevel()
    {
        int sr = 16000, nFft = 1024, hop = 256;
        double freq = 440;
        var x = TestSignals.Sine(sr, freq, sr);
        var lin = InstantaneousFrequency.Encode(Stft.Forward(x, nFft, hop));
        var warp = new MelIfWarp(sr, nFft, 256);
        var mel = warp.ToMel(lin);
        Assert.Equal(256, mel.Bins);
        double[] edges = MelScale.MelFrequencies(258, 0, sr / 2.0);
        int band = 0;
        for (int m = 0; m < 256; m++) if (Math.Abs(edges[m + 1] - freq) < Math.Abs(edges[band + 1] - freq)) band = m;
        int bin = (int)Math.Round(freq * nFft / sr);
        int f0 = lin.Frames / 2;
        double hz = InstantaneousFrequency.ToHz(mel.If[f0 * 256 + band], bin, nFft, hop, sr);
        Assert.True(Math.Abs(hz - freq) < 0.5, $"mel IF gives {hz} Hz");
        // Brightest mel band is the one around the sine.
        int best = 0;
        for (int m = 0; m < 256; m++) if (mel.LogMagnitude[f0 * 256 + m] > mel.LogMagnitude[f0 * 256 + best]) best = m;
        Assert.InRange(best, band - 1, band + 1);
        // Back to linear: the peak bin and its IF survive.
        var back = warp.ToLinear(mel);
        Assert.Equal(lin.Bins, back.Bins);
        double hzBack = InstantaneousFrequency.ToHz(back.If[f0 * back.Bins + bin], bin, nFft, hop, sr);
        Assert.True(Math.Abs(hzBack - freq) < 0.5, $"linear IF after round trip gives {hzBack} Hz");
        Assert.True(Math.Abs(back.LogMagnitude[f0 * back.Bins + bin] - lin.LogMagnitude[f0 * lin.Bins + bin]) < 0.2);
    }

    [Fact]
    public void WarpMatricesAreAverages()
    {
        var warp = new MelIfWarp(16000, 1024, 128);
        for (int m = 0; m < 128; m++)
        {
            double s = 0;
            for (int k = 0; k < warp.Bins; k++) s += warp.LinearToMel[m * warp.Bins + k];
            Assert.Equal(1.0, s, 4);
        }
        for (int k = 0; k < warp.Bins; k++)
        {
            double s = 0;
            for (int m = 0; m < 128; m++) s += warp.MelToLinear[k * 128 + m];
            Assert.Equal(1.0, s, 4);
        }
    }
}
