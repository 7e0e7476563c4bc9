namespace NeuralSynth.Dsp.Tests;

public class NoteMeasuresTests
{
    /// A sine of `hz` under an amplitude envelope of time in seconds.
    static float[] Tone(int sr, double seconds, Func<double, double> envelope, double hz = 440)
    {
        var x = new float[(int)(seconds * sr)];
        for (int n = 0; n < x.Length; n++)
        {
            double t = n / (double)sr;
            x[n] = (float)(envelope(t) * Math.Sin(2 * Math.PI * hz * t));
        }
        return x;
    }

    /// A 440 Hz tone rising linearly to full level over rampMs (0: at full level from its first sample).
    static float[] Ramp(int sr, double rampMs, double seconds = 0.5) =>
        Tone(sr, seconds, t => rampMs <= 0 ? 1 : Math.Min(1, t * 1000 / rampMs));

    /// A note at full level from its first sample speaks at once; a linear 50 ms amplitude ramp comes within 10 dB
    /// (amplitude 0.316) of its peak at ~15.8 ms; silence has no rise.
    [Theory]
    [InlineData(16000)]
    [InlineData(48000)]
    public void RiseTimeFollowsTheAttack(int sr)
    {
        Assert.Equal(0, NoteMeasures.RiseTimeMs(Ramp(sr, 0), sr), 3);
        double ramp = NoteMeasures.RiseTimeMs(Ramp(sr, 50), sr);
        Assert.InRange(ramp, 14, 17);
        Assert.True(double.IsNaN(NoteMeasures.RiseTimeMs(new float[sr / 2], sr)));
        // A slower ramp rises later: the measure orders attacks.
        Assert.True(NoteMeasures.RiseTimeMs(Ramp(sr, 90), sr) > ramp);
    }

    /// A low note's release under which the next note starts: the tail is a 52 Hz pulse train (one 2 ms pulse per
    /// period, as a brass or reed note's waveform has), the new note a 440 Hz tone at full level from its note-on.
    /// The onset is the note-on's, not a tail pulse a few milliseconds before it (which the detector took for the
    /// attack while it searched from 5 ms before the note-on: 123 of the scale check's 1,380 notes came out 1-5 ms
    /// "early" that way); a note that creeps in under the tail has none within 10 ms; the tail alone has none.
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.004)]
    [InlineData(0.0101)]
    public void TheOnsetIsTheNoteOnsNotAPulseOfThePreviousTail(double tailPhase)
    {
        int sr = 48000, on = sr / 2, period = sr / 52;
        float[] Phrase(double rampMs)
        {
            var x = new float[sr];
            for (int n = 0; n < x.Length; n++)
            {
                double t = n / (double)sr, tail = 0.3 * Math.Exp(-t / 0.5); // -33 dB mean power at the note-on, the new note -17 dB
                int k = (n + (int)(tailPhase * sr)) % period, width = sr / 500; // a 2 ms raised-cosine pulse per period
                x[n] = (float)(k < width ? tail * (0.5 - 0.5 * Math.Cos(2 * Math.PI * k / width)) : 0.0);
                if (n >= on)
                {
                    double tn = (n - on) / (double)sr, env = rampMs <= 0 ? 1 : Math.Min(1, tn * 1000 / rampMs);
                    x[n] += (float)(0.2 * env * Math.Sin(2 * Math.PI * 440 * tn));
                }
            }
            return x;
        }
        double? sharp = NoteMeasures.OnsetDelayMs(Phrase(0), sr, on);
        Assert.NotNull(sharp);
        Assert.InRange(sharp!.Value, -1, 1);
        double? creeping = NoteMeasures.OnsetDelayMs(Phrase(300), sr, on); // overtakes the decaying tail late, if at all
        Assert.True(creeping is null or > 10, $"a 300 ms fade-in under the tail detected at {creeping} ms");
        var tailOnly = Phrase(0);
        Array.Clear(tailOnly, on, tailOnly.Length - on); // the release alone, cut at the note-on: nothing rises
        Assert.Null(NoteMeasures.OnsetDelayMs(tailOnly, sr, on));
    }

    /// A 220 Hz tone held for 0.5 s, then decaying exponentially by 60 dB in `t60` seconds: the release measured is
    /// t60 whether the recording holds the whole decay or ends after -40 dB (extrapolated along the decay); a tone that
    /// does not fall has an infinite release, and silence none.
    [Theory]
    [InlineData(16000, 0.3, 1.0)]
    [InlineData(48000, 0.3, 1.0)]
    [InlineData(16000, 0.9, 0.75)]
    [InlineData(16000, 0.12, 0.2)]
    public void ReleaseIsTheTimeToFallSixtyDecibels(int sr, double t60, double tailSeconds)
    {
        var x = Tone(sr, 0.5 + tailSeconds, t => 0.5 * Math.Pow(10, -3 * Math.Max(0, t - 0.5) / t60), hz: 220);
        Assert.InRange(NoteMeasures.ReleaseSeconds(x, sr, sr / 2), t60 - 0.012, t60 + 0.012);
        Assert.Equal(double.PositiveInfinity, NoteMeasures.ReleaseSeconds(Ramp(sr, 0, 1.0), sr, sr / 2));
        Assert.True(double.IsNaN(NoteMeasures.ReleaseSeconds(new float[sr], sr, sr / 2)));
    }

    /// A harmonic tone whose pitch swings by `cents` (peak) at `hz`, drifting 10 cents over the second: the depth and
    /// rate measured are the swing's, the drift taken out; a steady tone has no depth and no rate.
    [Theory]
    [InlineData(16000, 261.63, 8.0, 5.2)]
    [InlineData(16000, 130.81, 20.0, 4.0)]
    [InlineData(48000, 440.0, 5.0, 6.5)]
    public void VibratoIsTheSwingsDepthAndRate(int sr, double f0, double cents, double hz)
    {
        var x = new float[2 * sr];
        double phase = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double t = i / (double)sr, f = f0 * Math.Pow(2, (cents * Math.Sin(2 * Math.PI * hz * t) + 10 * t) / 1200);
            phase += 2 * Math.PI * f / sr;
            x[i] = (float)(0.3 * Math.Sin(phase) + 0.15 * Math.Sin(2 * phase + 1) + 0.08 * Math.Sin(3 * phase + 2));
        }
        var (depth, rate) = NoteMeasures.Vibrato(x, sr, f0, (int)(0.3 * sr), sr);
        Assert.InRange(depth, 0.85 * cents, 1.15 * cents);
        Assert.InRange(rate, 0.95 * hz, 1.05 * hz);
        var steady = new float[2 * sr];
        for (int i = 0; i < steady.Length; i++) steady[i] = (float)(0.3 * Math.Sin(2 * Math.PI * f0 * i / sr));
        var (d0, r0) = NoteMeasures.Vibrato(steady, sr, f0, (int)(0.3 * sr), sr);
        Assert.InRange(d0, 0, 0.5);
        Assert.True(double.IsNaN(r0), $"a steady tone has no vibrato rate, got {r0}");
        Assert.True(double.IsNaN(NoteMeasures.Vibrato(new float[2 * sr], sr, f0, 0, sr).DepthCents)); // silence
    }

    /// Twenty-four harmonics of f0 (amplitudes 1/k), plus white noise of the given RMS.
    static float[] Harmonics(int sr, double f0, double noiseRms, double seconds = 0.6, int seed = 3)
    {
        var rng = new Random(seed);
        var x = new float[(int)(seconds * sr)];
        for (int n = 0; n < x.Length; n++)
        {
            double t = n / (double)sr, v = 0;
            for (int k = 1; k <= 24 && k * f0 < sr / 2.0; k++) v += Math.Sin(2 * Math.PI * k * f0 * t + k) / k;
            double g = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            x[n] = (float)(0.2 * v + noiseRms * g);
        }
        return x;
    }

    /// The harmonic-to-noise ratio hears a noise floor: a clean note is far above 30 dB, white noise lowers it, and twice
    /// the noise's amplitude lowers it by 6 dB. A note tuned 20 cents off the f0 it is measured at loses its upper
    /// harmonics to the noise bins; measured at its own tuning (tuneCents) it is as clean as in tune, and its noise
    /// still counts.
    [Theory]
    [InlineData(16000, 220.0)]
    [InlineData(48000, 110.0)]
    public void HarmonicToNoiseHearsTheNoiseFloorAtTheNotesOwnTuning(int sr, double f0)
    {
        double Hnr(float[] x, double tune = 0) => NoteMeasures.HarmonicToNoiseDb(x, sr, f0, sr / 10, (int)(0.3 * sr), tuneCents: tune);
        double clean = Hnr(Harmonics(sr, f0, 0));
        Assert.True(clean > 28, $"clean note {clean:F1} dB (the Hann skirts beyond +-2 bins bound it)");
        double noisy = Hnr(Harmonics(sr, f0, 0.03)), noisier = Hnr(Harmonics(sr, f0, 0.06));
        Assert.InRange(noisy, 10, clean - 8);
        Assert.InRange(noisy - noisier, 5, 7);

        double sharp = f0 * Math.Pow(2, 20 / 1200.0);
        double detuned = Hnr(Harmonics(sr, sharp, 0)), tuned = Hnr(Harmonics(sr, sharp, 0), tune: 50);
        Assert.True(detuned < clean - 10, $"20 cents sharp at the nominal f0: {detuned:F1} dB, in tune {clean:F1}");
        Assert.True(tuned > clean - 5, $"20 cents sharp at its own tuning: {tuned:F1} dB, in tune {clean:F1}");
        Assert.InRange(Hnr(Harmonics(sr, sharp, 0.03), tune: 50) - noisy, -1, 1);
        Assert.Equal(clean, Hnr(Harmonics(sr, f0, 0), tune: 50), 6); // in tune: its own tuning is the nominal one
        Assert.Throws<ArgumentException>(() => Hnr(Harmonics(sr, f0, 0), tune: -1));
    }
}
