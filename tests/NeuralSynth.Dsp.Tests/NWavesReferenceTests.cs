using NWaves.Signals;

namespace NeuralSynth.Dsp.Tests;

/// NWaves (the .NET DSP library the package list names) as an independent reference for our own DSP. We keep ours
/// where these tests and a timing run show it is as exact and faster (README, "Our DSP and NWaves"): real FFT 1024
/// 7.0 us vs NWaves 13.5 us; mel bank identical; YIN interpolates the lag where NWaves' is an integer; the polyphase
/// resampler converts 10 s 44.1 -> 16 kHz in 23 ms vs NWaves' 259 ms.
public class NWavesReferenceTests
{
    [Theory]
    [InlineData(256)]
    [InlineData(1024)]
    [InlineData(4096)]
    public void RealFftMatchesNWaves(int n)
    {
        var rng = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var re = new float[n / 2 + 1]; var im = new float[n / 2 + 1];
        Fft.Get(n).RealForward(x, re, im);
        var re2 = new float[n]; var im2 = new float[n];
        new NWaves.Transforms.RealFft(n).Direct(x, re2, im2);
        double scale = Math.Sqrt(n);
        for (int k = 0; k <= n / 2; k++)
        {
            Assert.True(Math.Abs(re[k] - re2[k]) < 1e-5 * scale * 10, $"n {n} bin {k}: re {re[k]} vs NWaves {re2[k]}");
            Assert.True(Math.Abs(im[k] - im2[k]) < 1e-5 * scale * 10, $"n {n} bin {k}: im {im[k]} vs NWaves {im2[k]}");
        }
    }

    [Fact]
    public void SlaneyMelBankEqualsNWaves()
    {
        var ours = MelFilterBank.Create(16000, 1024, 80, 30, 8000);
        var theirs = NWaves.Filters.Fda.FilterBanks.MelBankSlaney(80, 1024, 16000, 30, 8000, true, null);
        for (int m = 0; m < 80; m++)
            for (int k = 0; k < 513; k++)
                Assert.True(Math.Abs(ours[m, k] - theirs[m][k]) < 1e-7, $"band {m} bin {k}: {ours[m, k]} vs NWaves {theirs[m][k]}");
    }

    [Theory]
    [InlineData(55.0)]
    [InlineData(220.0)]
    [InlineData(440.0)]
    [InlineData(1760.0)]
    public void YinAgreesWithNWavesWithinItsIntegerLag(double hz)
    {
        const int sr = 16000;
        var x = Enumerable.Range(0, sr).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * hz * i / sr) + 0.25 * Math.Sin(4 * Math.PI * hz * i / sr))).ToArray();
        float ours = Yin.MedianPitch(x, sr, 40, 2000);
        float theirs = NWaves.Features.Pitch.FromYin(x, sr, 4000, 4000 + 2048, 40, 2000, 0.2f);
        // NWaves reports sr / integer lag: its error bound is one lag step, f^2 / sr.
        double lagStep = hz * hz / sr;
        Assert.True(Math.Abs(theirs - hz) <= lagStep + 1e-3, $"NWaves {theirs} Hz for {hz} Hz");
        Assert.True(Math.Abs(ours - theirs) <= lagStep + 1e-3, $"ours {ours} Hz vs NWaves {theirs} Hz for {hz} Hz");
        Assert.True(Math.Abs(Yin.Cents(ours, hz)) < 1, $"ours {ours} Hz for {hz} Hz");
    }

    [Fact]
    public void ResamplerKeepsATonesLevelLikeNWaves()
    {
        const int from = 44100, to = 16000;
        var x = Enumerable.Range(0, from * 2).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * 1000 * i / from))).ToArray();
        var ours = NeuralSynth.Realtime.Resampler.Offline(x, from, to);
        var theirs = new NWaves.Operations.Resampler().Resample(new DiscreteSignal(from, x), to).Samples;
        Assert.InRange(ours.Length, to * 2 - 2, to * 2 + 1);
        Assert.InRange(theirs.Length, to * 2 - 2, to * 2 + 1);
        static double Rms(float[] y) => Math.Sqrt(y.Skip(2000).Take(y.Length - 4000).Sum(v => (double)v * v) / (y.Length - 4000));
        Assert.True(Math.Abs(20 * Math.Log10(Rms(ours) / Rms(theirs))) < 0.1, $"level ours {Rms(ours):F4} vs NWaves {Rms(theirs):F4}");
        Assert.True(Math.Abs(Yin.MedianPitch(ours, to, 200, 2000) - 1000) < 0.5);
        Assert.True(Math.Abs(Yin.MedianPitch(theirs, to, 200, 2000) - 1000) < 0.5);
    }
}
