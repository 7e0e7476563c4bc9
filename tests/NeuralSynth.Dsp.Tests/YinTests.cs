using Xunit.Abstractions;

namespace NeuralSynth.Dsp.Tests;

public class YinTests(ITestOutputHelper output)
{
    public static TheoryData<int, double> Sines()
    {
        var d = new TheoryData<int, double>();
        foreach (int sr in new[] { 16000, 44100 })
            foreach (double f in new[] { 30.0, 41.2, 55.0, 98.0, 220.0, 261.63, 440.0, 1000.0, 1760.0, 2500.0, 3520.0, 4000.0 })
                d.Add(sr, f);
        return d;
    }

    [Theory]
    [MemberData(nameof(Sines))]
    public void SineWithinFiveCents(int sr, double freq)
    {
        var x = TestSignals.Sine(sr / 2, freq, sr, 0.5, 0.7); // 0.5 s
        var t = Yin.Estimate(x, sr, 25f, 5000f);
        int voiced = 0;
        double worst = 0;
        for (int i = 0; i < t.F0Hz.Length; i++)
        {
            if (!t.Voiced[i]) continue;
            voiced++;
            worst = Math.Max(worst, Math.Abs(Yin.Cents(t.F0Hz[i], freq)));
        }
        output.WriteLine($"{sr} Hz, {freq} Hz: {voiced}/{t.F0Hz.Length} voiced, worst {worst:F3} cents");
        Assert.True(voiced >= t.F0Hz.Length * 0.9, $"only {voiced}/{t.F0Hz.Length} frames voiced");
        Assert.True(worst < 5.0, $"worst frame {worst} cents off");
        float med = Yin.MedianPitch(x, sr, 25f, 5000f);
        Assert.True(Math.Abs(Yin.Cents(med, freq)) < 5.0);
    }

    [Theory]
    [InlineData(16000, 24)]
    [InlineData(16000, 45)]
    [InlineData(16000, 60)]
    [InlineData(16000, 84)]
    [InlineData(44100, 33)]
    [InlineData(44100, 69)]
    public void HarmonicToneGivesItsMidiNote(int sr, int midi)
    {
        double f0 = Yin.MidiToHz(midi);
        var x = TestSignals.Harmonic(sr / 2, f0, sr, 10);
        float m = Yin.MedianPitch(x, sr, 25f, 2500f, asMidi: true);
        output.WriteLine($"MIDI {midi}: {m:F4}");
        Assert.True(Math.Abs(m - midi) * 100 < 5.0, $"got MIDI {m}");
    }

    [Fact]
    public void NoiseAndSilenceAreUnvoiced()
    {
        var noise = TestSignals.Noise(16000, 9);
        var t = Yin.Estimate(noise, 16000, 50f, 2000f);
        int voiced = t.Voiced.Count(v => v);
        Assert.True(voiced < t.Voiced.Length / 10, $"{voiced} noise frames voiced");
        Assert.True(float.IsNaN(Yin.MedianPitch(new float[16000], 16000, 50f, 2000f)));
    }

    [Fact]
    public void ShortInputAndBadArguments()
    {
        var t = Yin.Estimate(TestSignals.Sine(100, 440, 16000), 16000, 50f, 2000f);
        Assert.Single(t.F0Hz);
        Assert.Throws<ArgumentException>(() => Yin.Estimate(new float[1000], 16000, 500f, 100f));
        Assert.Equal(69.0, Yin.HzToMidi(440), 9);
        Assert.Equal(261.6256, Yin.MidiToHz(60), 3);
    }
}
