using NeuralSynth.Dsp;
using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Vocoder;

namespace NeuralSynth.Models.Tests.Vocoder;

public class MelPostFilterTests
{
    static float[] Tone(double f0, Func<int, double> amp, int n)
    {
        var x = new float[n];
        for (int h = 1; h * f0 < 7500; h++)
            for (int i = 0; i < n; i++) x[i] += (float)(amp(h) * Math.Sin(2 * Math.PI * h * f0 * i / 16000 + h));
        return x;
    }

    [Fact]
    public void PullsTheMelTowardsTheRequestedOneAndKeepsThePitch()
    {
        var spectral = SpectralConfig.Default with { Frames = 32 };
        int n = spectral.Samples;
        var target = Tone(196, h => 0.2 / h, n);          // bright: 1/h
        var wrong = Tone(196, h => 0.05 / (h * h), n);    // dull and 4x too quiet
        using var mel = new MelSpectrogram(spectral);
        var targetMel = mel.LogMel(target);
        float Distance(float[] y)
        {
            var m = mel.LogMel(y);
            double d = 0;
            for (int i = 0; i < m.GetLength(0); i++)
                for (int f = 2; f < m.GetLength(1) - 2; f++) d += Math.Abs(m[i, f] - targetMel[i, f]);
            return (float)(d / (m.GetLength(0) * (m.GetLength(1) - 4)));
        }
        var fixedUp = new MelPostFilter(spectral).Apply(wrong, targetMel);
        Assert.Equal(n, fixedUp.Length);
        float before = Distance(wrong), after = Distance(fixedUp);
        Assert.True(after < 0.3f * before, $"mel distance {before:F3} -> {after:F3}");
        float pitch = Yin.MedianPitch(fixedUp, 16000, 50, 1000);
        Assert.InRange(Math.Abs(Yin.Cents(pitch, 196)), 0, 5);
    }
}
