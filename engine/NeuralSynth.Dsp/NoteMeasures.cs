namespace NeuralSynth.Dsp;

/// Listening with numbers, one note at a time: how harmonic a note is and whether its attack can be heard.
public static class NoteMeasures
{
    /// Harmonic-to-noise ratio in dB of x[start, start + length) for a note of fundamental f0Hz: the energy within
    /// +-2 bins (the Hann main lobe) of each harmonic k f0 against the energy everywhere else between 0.5 f0 and
    /// maxHz, summed over Hann frames whose size puts at least 6 bins between harmonics. Real notes and generated
    /// notes measured with the same maxHz (the models' 8 kHz band) compare directly; a noise floor between the
    /// harmonics, or partials off their pitch, lower it. tuneCents > 0: the harmonics are those of the note's own
    /// tuning, the f0 within +-tuneCents of f0Hz (2-cent steps) whose harmonics hold the most energy, so a sample
    /// tuned 20 cents off its key (the test keyboard's) is not counted as noise from its tenth harmonic up; its pitch
    /// error is the cents measure's to report. NaN when the segment is silent or too short for one frame.
    public static double HarmonicToNoiseDb(float[] x, int sampleRate, double f0Hz, int start, int length, double maxHz = 7600, double tuneCents = 0)
    {
        if (!(f0Hz > 0)) throw new ArgumentException($"f0 {f0Hz} Hz must be positive");
        if (!(tuneCents >= 0 && tuneCents <= 600)) throw new ArgumentException($"tuning range {tuneCents} cents must be in 0-600");
        start = Math.Clamp(start, 0, x.Length);
        length = Math.Clamp(length, 0, x.Length - start);
        int nFft = 1024;
        while (nFft < 6.0 * sampleRate / f0Hz && nFft < 1 << 16) nFft <<= 1;
        while (nFft > length && nFft > 256) nFft >>= 1;
        if (length < nFft) return double.NaN;
        var window = Window.Hann(nFft);
        var fft = Fft.Get(nFft);
        int bins = nFft / 2 + 1;
        var frame = new float[nFft];
        var re = new float[bins]; var im = new float[bins];
        var power = new double[bins]; // summed over frames: the split into harmonic and noise bins is the same in every frame
        int hop = nFft / 2;
        for (int s = start; s + nFft <= start + length; s += hop)
        {
            for (int i = 0; i < nFft; i++) frame[i] = x[s + i] * window[i];
            fft.RealForward(frame, re, im);
            for (int k = 0; k < bins; k++) power[k] += (double)re[k] * re[k] + (double)im[k] * im[k];
        }
        double binHz = (double)sampleRate / nFft, top = Math.Min(maxHz, sampleRate / 2.0);
        double bestHarmonic = -1, bestNoise = 0;
        int steps = (int)(tuneCents / 2);
        for (int step = -steps; step <= steps; step++)
        {
            double f0 = f0Hz * Math.Pow(2, 2.0 * step / 1200);
            double harmonic = 0, noise = 0;
            for (int k = 0; k < bins; k++)
            {
                double f = k * binHz;
                if (f < 0.5 * f0 || f > top) continue;
                double h = Math.Round(f / f0);
                if (h >= 1 && Math.Abs(f - h * f0) <= 2 * binHz) harmonic += power[k]; else noise += power[k];
            }
            if (harmonic > bestHarmonic) { bestHarmonic = harmonic; bestNoise = noise; }
        }
        if (bestHarmonic <= 0) return double.NaN;
        return 10 * Math.Log10(bestHarmonic / Math.Max(bestNoise, bestHarmonic * 1e-12));
    }

    /// Milliseconds from the start of an isolated note until a 1 ms frame first comes within riseDb of the loudest frame
    /// of its first windowMs: how quickly the note speaks. (OnsetDelayMs of an isolated note says little: after
    /// silence any rise is "detected" at once; it is a slow rise that goes unheard under another note's release.)
    public static double RiseTimeMs(float[] x, int sampleRate, double riseDb = 10, double windowMs = 100)
    {
        int frame = Math.Max(1, sampleRate / 1000);
        int frames = Math.Min(x.Length / frame, (int)(windowMs * sampleRate / 1000.0 / frame));
        if (frames < 1) return double.NaN;
        var energy = FrameEnergies(x, frame, 0, frames - 1);
        double target = energy.Max() * Math.Pow(10, -riseDb / 10);
        if (target <= 0) return double.NaN;
        for (int f = 0; f < frames; f++)
            if (energy[f] >= target) return f * frame * 1000.0 / sampleRate;
        return double.NaN;
    }

    /// Milliseconds from noteOnSample to the attack: the first 1 ms frame, from 1 ms before the note-on to 100 ms
    /// after, whose energy is 6 dB or more above the mean of the 10 ms before it and within 40 dB of the loudest frame
    /// of that window, and where the level rises to stay: the mean of the 25 ms from that frame on is 3 dB or more above
    /// the mean of the 25 ms before it. A note that fades in, or starts under another note's release without rising
    /// above it, has no detectable onset: null. Why the second test: a low note's release is periodic (41-100 Hz at
    /// MIDI 28-43, a period of 10-24 ms; 25 ms holds one down to MIDI 28) and peaky, and each pulse of its waveform
    /// rises 6 dB above the 10 ms before it without raising the level over a period. Why from 1 ms before (it was
    /// 5 ms): the render is sample-accurate, and a tail pulse in those milliseconds was taken for the note's attack (123
    /// of the scale check's 1,380 notes came out 1-5 ms "early"); 1 ms leaves room for the resampler's pre-ringing.
    public static double? OnsetDelayMs(float[] x, int sampleRate, int noteOnSample)
    {
        int frame = Math.Max(1, sampleRate / 1000);
        int first = (noteOnSample - 1 * frame) / frame, last = (noteOnSample + 100 * frame) / frame;
        const int history = 10, period = 25;
        int lo = Math.Max(0, first - period), hi = Math.Min(x.Length / frame - 1, last + period);
        if (hi <= lo) return null;
        var energy = FrameEnergies(x, frame, lo, hi);
        // Mean power, floored so that "4x the silence before it" stays a finite comparison in digital silence.
        for (int k = 0; k < energy.Length; k++) energy[k] = energy[k] / frame + 1e-20;
        double loudest = 0;
        for (int f = Math.Max(first, lo); f <= Math.Min(last, hi); f++) loudest = Math.Max(loudest, energy[f - lo]);
        double Mean(int from, int to) { double m = 0; for (int j = from; j < to; j++) m += energy[j - lo]; return m / (to - from); }
        for (int f = Math.Max(first, lo + period); f <= Math.Min(last, hi - period); f++)
        {
            double e = energy[f - lo];
            if (e >= 4 * Mean(f - history, f) && e >= loudest * 1e-4 && Mean(f, f + period) >= 2 * Mean(f - period, f))
                return (f * frame - noteOnSample) * 1000.0 / sampleRate;
        }
        return null;
    }

    /// A swing shallower than this is no vibrato (Vibrato gives it no rate).
    public const double MinVibratoCents = 1;

    /// A note's vibrato over [start, start + length): YIN every 5 ms near f0Hz (0.7-1.4 f0), the pitch in cents about
    /// its median with a straight line (a slow drift or glide) taken out; depth = sqrt(2) x the RMS deviation (a sine's
    /// peak), rate = the lag of the deviation's autocorrelation peak between 3 and 9 Hz when that peak reaches 0.3 and
    /// the depth a cent (else NaN: a wobble with no period, or the estimator's own ripple, which on a steady tone is
    /// periodic too but hundredths of a cent deep). NaN depth when under 80 % of the frames are voiced.
    public static (double DepthCents, double RateHz) Vibrato(float[] x, int sampleRate, double f0Hz, int start, int length)
    {
        int hop = Math.Max(1, sampleRate / 200);
        start = Math.Clamp(start, 0, x.Length); length = Math.Clamp(length, 0, x.Length - start);
        var track = Yin.Estimate(x[start..(start + length)], sampleRate, (float)(0.7 * f0Hz), (float)Math.Min(1.4 * f0Hz, sampleRate / 2.0), hop);
        var cents = new List<double>();
        for (int i = 0; i < track.F0Hz.Length; i++) if (track.Voiced[i] && track.F0Hz[i] > 0) cents.Add(Yin.Cents(track.F0Hz[i], f0Hz));
        if (cents.Count < 16 || cents.Count < 0.8 * track.F0Hz.Length) return (double.NaN, double.NaN);
        int n = cents.Count;
        double mt = (n - 1) / 2.0, mc = cents.Average(), sxy = 0, sxx = 0;
        for (int i = 0; i < n; i++) { sxy += (i - mt) * (cents[i] - mc); sxx += (i - mt) * (i - mt); }
        double slope = sxy / sxx;
        var d = new double[n];
        for (int i = 0; i < n; i++) d[i] = cents[i] - mc - slope * (i - mt);
        double e0 = d.Sum(v => v * v);
        double depth = Math.Sqrt(2 * e0 / n);
        if (e0 <= 0 || depth < MinVibratoCents) return (depth, double.NaN);
        double frameRate = sampleRate / (double)hop;
        int lo = (int)Math.Floor(frameRate / 9), hi = Math.Min(n - 2, (int)Math.Ceiling(frameRate / 3));
        double R(int lag) { double s = 0; for (int i = 0; i + lag < n; i++) s += d[i] * d[i + lag]; return s / e0 * n / (n - lag); }
        int best = -1; double bestR = 0.3;
        for (int lag = Math.Max(1, lo); lag <= hi; lag++) { double r = R(lag); if (r > bestR && r >= R(lag - 1) && r >= R(lag + 1)) { bestR = r; best = lag; } }
        if (best < 0) return (depth, double.NaN);
        double rm = R(best - 1), rp = R(best + 1), den = rm - 2 * bestR + rp;
        double lagRefined = best + (den < 0 ? 0.5 * (rm - rp) / den : 0);
        return (depth, frameRate / lagRefined);
    }

    /// Seconds after noteOffSample until the level (10 ms RMS, every 5 ms) has fallen 60 dB below the 10 ms before the
    /// note-off: how long the instrument rings on once released. A note whose recording ends first is extrapolated
    /// along its own decay in dB from the deepest of -40 / -20 dB it reached (t60 = 1.5 t40 or 3 t20); a note that never
    /// fell 20 dB gives +infinity, one silent before its note-off NaN.
    public static double ReleaseSeconds(float[] x, int sampleRate, int noteOffSample)
    {
        int frame = Math.Max(1, sampleRate / 100), hop = Math.Max(1, frame / 2);
        if (noteOffSample < frame || noteOffSample > x.Length) return double.NaN;
        double Power(int start) { double e = 0; for (int i = start; i < start + frame; i++) e += (double)x[i] * x[i]; return e / frame; }
        double reference = Power(noteOffSample - frame);
        if (reference < 1e-14) return double.NaN; // -140 dBFS: nothing to release
        double t20 = double.NaN, t40 = double.NaN;
        for (int s = noteOffSample; s + frame <= x.Length; s += hop)
        {
            double db = 10 * Math.Log10(Power(s) / reference + 1e-30), t = (s + frame / 2 - noteOffSample) / (double)sampleRate; // at the frame's middle
            if (db <= -60) return t;
            if (double.IsNaN(t40) && db <= -40) t40 = t;
            if (double.IsNaN(t20) && db <= -20) t20 = t;
        }
        return !double.IsNaN(t40) ? 1.5 * t40 : !double.IsNaN(t20) ? 3 * t20 : double.PositiveInfinity;
    }

    /// Sum of squares of each frame of `frame` samples, frames first..last (inclusive).
    static double[] FrameEnergies(float[] x, int frame, int first, int last)
    {
        var energy = new double[last - first + 1];
        for (int f = first; f <= last; f++)
        {
            double e = 0;
            for (int i = f * frame; i < (f + 1) * frame; i++) e += (double)x[i] * x[i];
            energy[f - first] = e;
        }
        return energy;
    }
}
