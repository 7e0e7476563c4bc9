namespace NeuralSynth.Dsp.Tests;

public class NoteMeasuresTests
{
    static float[] Tone(int sr, double rampMs, double seconds = 0.5)
    {
        var x = new float[(int)(seconds * sr)];
        for (int n = 0; n < x.Length; n++)
        {
            double t = n / (double)sr, env = rampMs <= 0 ? 1 : Math.Min(1, t * 1000 / rampMs);
            x[n] = (float)(env * Math.Sin(2 * Math.PI * 440 * t));
        }
        return x;
    }

    /// A note at full level from its first sample speaks at once; a linear 50 ms amplitude ramp comes within 10 dB
    /// (amplitude 0.316) of its peak at ~15.8 ms; silence has no rise.
    [Theory]
    [InlineData(16000)]
    [InlineData(48000)]
    public void RiseTimeFollowsTheAttack(int sr)
    {
        Assert.Equal(0, NoteMeasures.RiseTimeMs(Tone(sr, 0), sr), 3);
        double ramp = NoteMeasures.RiseTimeMs(Tone(sr, 50), sr);
        Assert.InRange(ramp, 14, 17);
        Assert.True(double.IsNaN(NoteMeasures.RiseTimeMs(new float[sr / 2], sr)));
        // A slower ramp rises later: the measure orders attacks.
        Assert.True(NoteMeasures.RiseTimeMs(Tone(sr, 90), sr) > ramp);
    }
}
