namespace NeuralSynth.Dsp;

/// A whole note played again with a vibrato, offline: its pitch swings by `cents` peak at `hz`, the depth growing from 0
/// over the first onsetSeconds (the attack stays on pitch, as a player's does and as VoiceEngine's own vibrato does), by
/// reading the note at a rate of 2^(cents(t) / 1200) with linear interpolation. The note keeps its length; the read
/// position drifts by at most a few samples, since the swing averages out over each cycle.
public static class Vibrato
{
    public static float[] Apply(ReadOnlySpan<float> x, int sampleRate, double cents, double hz, double phase, double onsetSeconds)
    {
        if (sampleRate <= 0) throw new ArgumentException($"sample rate must be positive, got {sampleRate}");
        if (!(cents >= 0 && cents <= 1200)) throw new ArgumentException($"vibrato depth must be 0-1200 cents, got {cents}");
        if (!(hz > 0 && double.IsFinite(hz))) throw new ArgumentException($"vibrato rate must be positive, got {hz} Hz");
        if (!(onsetSeconds >= 0)) throw new ArgumentException($"vibrato onset must be >= 0 s, got {onsetSeconds}");
        var y = new float[x.Length];
        if (cents == 0) { x.CopyTo(y); return y; }
        double pos = 0, w = 2 * Math.PI * hz / sampleRate, onset = onsetSeconds * sampleRate;
        for (int n = 0; n < y.Length; n++)
        {
            int k = (int)pos;
            if (k + 1 >= x.Length) { if (k < x.Length) y[n] = x[k]; break; }
            double f = pos - k;
            y[n] = (float)(x[k] + f * (x[k + 1] - x[k]));
            double depth = onset > 0 ? cents * Math.Min(1, n / onset) : cents;
            pos += Math.Pow(2, depth * Math.Sin(w * n + phase) / 1200);
        }
        return y;
    }
}
