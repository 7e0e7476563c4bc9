namespace NeuralSynth.Realtime;

/// Where a held note loops, chosen once when the note enters the cache.
/// `Start`/`End`: playback jumps from End back to Start (End - Start is a whole number of pitch
/// periods as measured on the waveform itself). `Crossfade`: the length of the crossfade baked in
/// before the seam. `Guard`: samples just before End that are exact copies of those before Start.
public readonly record struct LoopPoints(int Start, int End, int Crossfade, int Guard)
{
    public int Length => End - Start;
}

/// Finds a seamless sustain loop in a rendered note:
/// 1. the sustained part: from 50 ms after the attack (first frame within 3 dB of the peak) to the release onset (the first point
///    where the level falls 12 dB within the next 100 ms, else 90% of the note);
/// 2. the loop end: a rising zero crossing just before the release onset;
/// 3. the loop length: about `TargetSeconds`, a whole number of nominal pitch periods, refined to
///    the lag (within half a period) with the highest normalized correlation between the regions
///    before the end and before the start, so the waveform matches at the seam even when the
///    model's pitch is off by a few cents; the start is then snapped to a nearby rising zero crossing.
public static class LoopFinder
{
    public const double TargetSeconds = 0.5;
    public const double MaxCrossfadeSeconds = 0.05;

    /// Null when the note has no usable sustained part (too short, silent, or pure release).
    /// `guard` is how many samples before the seam must be exact copies (half the longest resampler kernel).
    public static LoopPoints? Find(ReadOnlySpan<float> x, int sampleRate, int midiPitch, int guard)
    {
        int frame = Math.Max(1, sampleRate / 100);
        int frames = x.Length / frame;
        if (frames < 20) return null;
        Span<float> db = frames <= 4096 ? stackalloc float[frames] : new float[frames];
        int peak = 0;
        for (int f = 0; f < frames; f++)
        {
            double e = 0;
            for (int i = f * frame; i < (f + 1) * frame; i++) e += x[i] * (double)x[i];
            db[f] = (float)(10 * Math.Log10(e / frame + 1e-20));
            if (db[f] > db[peak]) peak = f;
        }
        if (db[peak] < -80) return null; // silence
        // The end of the attack: the first frame within 3 dB of the maximum (a flat sustain has its
        // numerical maximum anywhere, which would leave no room for a loop).
        for (int f = 0; f < peak; f++) if (db[f] >= db[peak] - 3) { peak = f; break; }
        int releaseFrame = (int)(frames * 0.9);
        for (int f = peak + 10; f + 10 < frames; f++)
            if (db[f + 10] < db[f] - 12) { releaseFrame = f; break; }
        int sustainStart = (peak + 5) * frame;
        int sustainEnd = Math.Min(releaseFrame * frame, x.Length - guard - 1);
        double f0 = 440.0 * Math.Pow(2, (midiPitch - 69) / 12.0);
        double period = sampleRate / f0;

        int crossfade = (int)Math.Min(MaxCrossfadeSeconds * sampleRate, Math.Max(2 * period, 0.02 * sampleRate));
        int available = sustainEnd - sustainStart - 2 * (guard + crossfade);
        double minLength = Math.Max(4 * period, guard + crossfade + period);
        if (available < minLength) return null;

        int end = RisingZeroBefore(x, sustainEnd, Math.Max(sustainEnd - (int)(2 * period) - 2, sustainStart + 1)) ?? sustainEnd;
        // A whole number of periods near the target length, as close to an integer sample count as possible.
        double target = Math.Min(TargetSeconds * sampleRate, available - period);
        int k = Math.Max(4, (int)(target / period));
        int nominal = -1;
        double bestError = 1;
        for (int kk = k; kk >= Math.Max(4, k - 3); kk--)
        {
            double len = kk * period;
            if (len < minLength) break;
            double error = Math.Abs(len - Math.Round(len));
            if (error < bestError) { bestError = error; nominal = (int)Math.Round(len); }
        }
        if (nominal < 0) return null;
        // Refine by correlation over the region that will be crossfaded and guarded.
        int window = guard + crossfade;
        int bestLength = nominal;
        double best = double.NegativeInfinity;
        int span = (int)Math.Ceiling(period / 2);
        for (int len = nominal - span; len <= nominal + span; len++)
        {
            if (end - len - window < sustainStart || len < minLength) continue;
            double c = NormalizedCorrelation(x.Slice(end - window, window), x.Slice(end - len - window, window));
            if (c > best) { best = c; bestLength = len; }
        }
        if (double.IsNegativeInfinity(best)) return null;
        int start = end - bestLength;
        int snap = (int)Math.Max(1, period / 8);
        int? zc = NearestRisingZero(x, start, snap);
        if (zc is int z && end - z >= minLength && z - window >= sustainStart) start = z;
        return new LoopPoints(start, end, crossfade, guard);
    }

    static double NormalizedCorrelation(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++) { ab += a[i] * (double)b[i]; aa += a[i] * (double)a[i]; bb += b[i] * (double)b[i]; }
        return ab / Math.Sqrt(aa * bb + 1e-30);
    }

    static int? RisingZeroBefore(ReadOnlySpan<float> x, int from, int limit)
    {
        for (int i = from; i > limit; i--) if (x[i - 1] < 0 && x[i] >= 0) return i;
        return null;
    }

    static int? NearestRisingZero(ReadOnlySpan<float> x, int at, int radius)
    {
        for (int d = 0; d <= radius; d++)
        {
            if (at - d > 0 && x[at - d - 1] < 0 && x[at - d] >= 0) return at - d;
            if (at + d < x.Length && at + d > 0 && x[at + d - 1] < 0 && x[at + d] >= 0) return at + d;
        }
        return null;
    }
}
