using NeuralSynth.Dsp;
using NeuralSynth.Models.Audio;

namespace NeuralSynth.Models.Tests.Audio;

public class MelSpectrogramTests
{
    [Fact]
    public void SineLandsInTheMelBandOfItsFrequency()
    {
        var cfg = SpectralConfig.Default;
        var x = new float[cfg.Samples];
        for (int i = 0; i < x.Length; i++) x[i] = 0.5f * MathF.Sin(2 * MathF.PI * 440f * i / cfg.SampleRate);
        using var mel = new MelSpectrogram(cfg);
        var lm = mel.LogMel(x);
        Assert.Equal(cfg.NMels, lm.GetLength(0));
        Assert.Equal(cfg.Frames, lm.GetLength(1));
        int frame = cfg.Frames / 2, best = 0;
        for (int m = 1; m < cfg.NMels; m++) if (lm[m, frame] > lm[best, frame]) best = m;
        // Centre frequencies of the mel bands: the loudest band must be the one nearest 440 Hz.
        var centres = MelScale.MelFrequencies(cfg.NMels + 2, cfg.FMin, cfg.FMax);
        int expected = Enumerable.Range(0, cfg.NMels).MinBy(m => Math.Abs(centres[m + 1] - 440));
        Assert.InRange(best, expected - 1, expected + 1);
        Assert.True(lm[best, frame] > lm[(best + 20) % cfg.NMels, frame] + 5, "a sine's band should stand far above distant bands");
    }
}
