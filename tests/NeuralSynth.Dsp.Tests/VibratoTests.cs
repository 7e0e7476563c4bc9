namespace NeuralSynth.Dsp.Tests;

public class VibratoTests
{
    static float[] Steady(int sr, double f0, double seconds = 2)
    {
        var x = new float[(int)(seconds * sr)];
        for (int i = 0; i < x.Length; i++)
        {
            double p = 2 * Math.PI * f0 * i / sr;
            x[i] = (float)(0.3 * Math.Sin(p) + 0.15 * Math.Sin(2 * p + 1) + 0.08 * Math.Sin(3 * p + 2));
        }
        return x;
    }

    /// A steady note given a vibrato swings by that depth at that rate, as the project's own vibrato measure hears it
    /// (NoteMeasures.Vibrato, the `eval vibrato` the presets' depths come from); its attack stays on pitch while the
    /// depth grows; it keeps its length and its level; no depth gives the note back unchanged.
    [Theory]
    [InlineData(16000, 261.63, 8.6, 5.18)]
    [InlineData(16000, 130.81, 20.0, 4.0)]
    [InlineData(48000, 440.0, 6.7, 4.9)]
    public void TheNoteSwingsByTheDepthAtTheRateAfterItsOnset(int sr, double f0, double cents, double hz)
    {
        var x = Steady(sr, f0);
        var y = Vibrato.Apply(x, sr, cents, hz, phase: 1.3, onsetSeconds: 0.2);
        Assert.Equal(x.Length, y.Length);
        var (depth, rate) = NoteMeasures.Vibrato(y, sr, f0, (int)(0.3 * sr), sr);
        Assert.InRange(depth, 0.85 * cents, 1.15 * cents);
        Assert.InRange(rate, 0.95 * hz, 1.05 * hz);
        float onset = Yin.MedianPitch(y[..(int)(0.04 * sr)], sr, 50, 2000);
        Assert.InRange(Yin.Cents(onset, f0), -0.25 * cents - 0.5, 0.25 * cents + 0.5);
        double Rms(float[] a) => Math.Sqrt(a.Skip(sr / 10).Take(sr).Average(v => (double)v * v));
        Assert.Equal(Rms(x), Rms(y), 2);
        Assert.Equal(x, Vibrato.Apply(x, sr, 0, hz, 1.3, 0.2));
        Assert.Throws<ArgumentException>(() => Vibrato.Apply(x, sr, -1, hz, 0, 0.2));
        Assert.Throws<ArgumentException>(() => Vibrato.Apply(x, sr, cents, 0, 0, 0.2));
    }
}
