namespace NeuralSynth.Dsp;

/// Listening with numbers, one note at a time: how harmonic a note is and whether its attack can be heard.
public static class NoteMeasures
{
    /// Harmonic-to-noise ratio in dB of x[start, start + length) for a note of fundamental f0Hz: the energy within
    /// +-2 bins (the Hann main lobe) of each harmonic k f0 against the energy everywhere else between 0.5 f0 and
    /// maxHz, summed over Hann frames whose size puts at least 6 bins between harmonics. Real notes and generated
    /// notes measured with the same maxHz (the models' 8 kHz band) compare directly; a noise floor between the
    /// harmonics, or partials off their pitch, lower it. NaN when the segment is silent or too short for one frame.
    public static double HarmonicToNoiseDb(float[] x, int sampleRate, double f0Hz, int start, int length, double maxHz = 7600)
    {
        if (!(f0Hz > 0)) throw new ArgumentException($"f0 {f0Hz} Hz must be positive");
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
        double binHz = (double)sampleRate / nFft, top = Math.Min(maxHz, sampleRate / 2.0);
        var harmonicBin = new bool[bins];
        var counted = new bool[bins];
        for (int k = 0; k < bins; k++)
        {
            double f = k * binHz;
            counted[k] = f >= 0.5 * f0Hz && f <= top;
            double h = Math.Round(f / f0Hz);
            harmonicBin[k] = h >= 1 && Math.Abs(f - h * f0Hz) <= 2 * binHz;
        }
        double harmonic = 0, noise = 0;
        int hop = nFft / 2;
        for (int s = start; s + nFft <= start + length; s += hop)
        {
            for (int i = 0; i < nFft; i++) frame[i] = x[s + i] * window[i];
            fft.RealForward(frame, re, im);
            for (int k = 0; k < bins; k++)
            {
                if (!counted[k]) continue;
                double p = (double)re[k] * re[k] + (double)im[k] * im[k];
                if (harmonicBin[k]) harmonic += p; else noise += p;
            }
        }
        if (harmonic <= 0) return double.NaN;
        return 10 * Math.Log10(harmonic / Math.Max(noise, harmonic * 1e-12));
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

    /// Milliseconds from noteOnSample to the attack: the first 1 ms frame, from 5 ms before the note-on to 100 ms
    /// after, whose energy is 6 dB or more above the mean of the 10 ms before it and within 40 dB of the loudest frame
    /// of that window. A note that fades in, or starts under another note's release without rising above it, has no
    /// detectable onset: null.
    public static double? OnsetDelayMs(float[] x, int sampleRate, int noteOnSample)
    {
        int frame = Math.Max(1, sampleRate / 1000);
        int first = (noteOnSample - 5 * frame) / frame, last = (noteOnSample + 100 * frame) / frame;
        int history = 10;
        int lo = Math.Max(0, first - history), hi = Math.Min(x.Length / frame - 1, last);
        if (hi <= lo) return null;
        var energy = FrameEnergies(x, frame, lo, hi);
        // Mean power, floored so that "4x the silence before it" stays a finite comparison in digital silence.
        for (int k = 0; k < energy.Length; k++) energy[k] = energy[k] / frame + 1e-20;
        double loudest = energy.Max();
        for (int f = Math.Max(first, lo + history); f <= hi; f++)
        {
            double before = 0;
            for (int j = f - history; j < f; j++) before += energy[j - lo];
            before /= history;
            double e = energy[f - lo];
            if (e >= 4 * before && e >= loudest * 1e-4) return (f * frame - noteOnSample) * 1000.0 / sampleRate;
        }
        return null;
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
