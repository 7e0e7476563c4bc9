// Yin: the YIN fundamental-frequency estimator (de Cheveigné & Kawahara 2002).
//
// Steps per frame: difference function d(tau) = sum_{j<W} (x_j - x_{j+tau})^2 (computed with an FFT
// cross-correlation), cumulative-mean-normalised difference d'(tau) = d(tau) * tau / sum_{1..tau} d,
// absolute threshold (first dip of d' whose interpolated minimum is below `threshold`, else the global
// minimum), parabolic interpolation.
// Parabolic interpolation on a few samples per period is biased for high notes (4 kHz at 16 kHz has a
// 4-sample period: ~18 cents), so the period is then refined on the dips of d at 2T, 4T, 8T, ... up to
// the lag range (each refit divides the interpolation error by the multiple); the points of those fits are
// recomputed directly in double precision.
//
// Public API
//   Yin.Estimate(float[] x, int sampleRate, float fMin, float fMax, int hop = 0, float threshold = 0.1f,
//                float voicingThreshold = 0.2f) -> YinTrack
//       hop 0 = sampleRate / 100 (10 ms). Integration window W = ceil(sampleRate / fMin) + 2, frame = W + tauMax.
//   YinTrack { float[] F0Hz (0 where unvoiced), bool[] Voiced, float[] Aperiodicity (d' at the chosen lag,
//              0 = perfectly periodic), float[] TimeSeconds (frame centre), int Hop, int SampleRate }
//       a frame is voiced when its aperiodicity < voicingThreshold and it is not silent.
//   Yin.MedianPitch(float[] x, int sampleRate, float fMin, float fMax, bool asMidi = false) -> float
//       median F0 of the voiced frames, in Hz or as a fractional MIDI note; NaN if no frame is voiced.
//   Yin.HzToMidi(double hz), Yin.MidiToHz(double midi), Yin.Cents(double hz, double referenceHz)

namespace NeuralSynth.Dsp;

public sealed record YinTrack(float[] F0Hz, bool[] Voiced, float[] Aperiodicity, float[] TimeSeconds, int Hop, int SampleRate);

public static class Yin
{
    public static double HzToMidi(double hz) => 69.0 + 12.0 * Math.Log2(hz / 440.0);
    public static double MidiToHz(double midi) => 440.0 * Math.Pow(2.0, (midi - 69.0) / 12.0);
    public static double Cents(double hz, double referenceHz) => 1200.0 * Math.Log2(hz / referenceHz);

    public static YinTrack Estimate(float[] x, int sampleRate, float fMin, float fMax, int hop = 0, float threshold = 0.1f, float voicingThreshold = 0.2f)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate));
        if (!(fMin > 0) || !(fMax > fMin) || fMax > sampleRate / 2f)
            throw new ArgumentException($"Need 0 < fMin < fMax <= sampleRate/2 (got {fMin}, {fMax}, rate {sampleRate}).");
        if (hop <= 0) hop = Math.Max(1, sampleRate / 100);

        int tauMax = (int)Math.Ceiling(sampleRate / (double)fMin);
        int tauMin = Math.Max(2, (int)Math.Floor(sampleRate / (double)fMax));
        int w = tauMax + 2;
        int frameLen = w + tauMax + 1;
        float[] sig = x;
        if (sig.Length < frameLen)
        {
            sig = new float[frameLen];
            x.CopyTo(sig, 0);
        }
        int frames = 1 + (sig.Length - frameLen) / hop;
        int nFft = 1;
        while (nFft < frameLen) nFft <<= 1;
        var fft = Fft.Get(nFft);
        int bins = nFft / 2 + 1;
        var a = new float[nFft];
        var ar = new float[bins]; var ai = new float[bins];
        var br = new float[bins]; var bi = new float[bins];
        var corr = new float[nFft];
        var d = new double[tauMax + 1];
        var dn = new double[tauMax + 1];

        var f0 = new float[frames];
        var voiced = new bool[frames];
        var aper = new float[frames];
        var times = new float[frames];
        double globalEnergy = 0;
        foreach (float v in x) globalEnergy += (double)v * v;
        double silence = Math.Max(1e-20, 1e-8 * globalEnergy / Math.Max(1, x.Length)) * w; // -80 dB below the mean power

        for (int f = 0; f < frames; f++)
        {
            int s = f * hop;
            times[f] = (float)((s + (w + tauMax) / 2.0) / sampleRate);
            var frame = sig.AsSpan(s, frameLen);
            // r(tau) = sum_{j<W} x_j x_{j+tau} = IFFT(conj(A) B) with A = first W samples zero-padded.
            Array.Clear(a);
            frame[..w].CopyTo(a);
            fft.RealForward(a, ar, ai);
            Array.Clear(a);
            frame.CopyTo(a);
            fft.RealForward(a, br, bi);
            for (int k = 0; k < bins; k++)
            {
                float re = ar[k] * br[k] + ai[k] * bi[k];
                float im = ar[k] * bi[k] - ai[k] * br[k];
                br[k] = re; bi[k] = im;
            }
            fft.RealInverse(br, bi, corr);

            double e0 = 0;
            for (int j = 0; j < w; j++) e0 += (double)frame[j] * frame[j];
            if (e0 < silence) { aper[f] = 1f; continue; }
            double et = e0, sum = 0;
            d[0] = 0; dn[0] = 1;
            for (int tau = 1; tau <= tauMax; tau++)
            {
                // Energy of x[tau .. tau+W) updated incrementally.
                double outV = frame[tau - 1], inV = frame[tau + w - 1];
                et += inV * inV - outV * outV;
                d[tau] = Math.Max(0.0, e0 + et - 2.0 * corr[tau]);
                sum += d[tau];
                dn[tau] = sum > 0 ? d[tau] * tau / sum : 1.0;
            }

            // Absolute threshold: the first local minimum of d' whose parabola-interpolated value is below the
            // threshold (interpolated, because with 4-5 samples per period the sampled dip can miss the threshold
            // and YIN would jump an octave down), else the global minimum.
            int best = -1;
            double bestValue = 1.0;
            for (int tau = Math.Max(tauMin, 2); tau < tauMax; tau++)
            {
                if (dn[tau] > dn[tau - 1] || dn[tau] > dn[tau + 1]) continue;
                double v = InterpolatedMin(dn, tau);
                if (v < threshold) { best = tau; bestValue = v; break; }
            }
            if (best < 0)
            {
                best = tauMin;
                for (int tau = tauMin + 1; tau < tauMax; tau++) if (dn[tau] < dn[best]) best = tau;
                bestValue = best > 1 && best < tauMax ? InterpolatedMin(dn, best) : dn[best];
            }
            aper[f] = (float)Math.Max(0.0, bestValue);
            double period = Parabolic(dn, best, tauMin, tauMax);

            // Refine on multiples of the period using the exact difference function.
            for (int m = 2; m * period + period / 3 + 1 < tauMax; m *= 2)
            {
                double centre = m * period;
                int lo = Math.Max(1, (int)Math.Floor(centre - period / 3)), hi = Math.Min(tauMax - 1, (int)Math.Ceiling(centre + period / 3));
                int tb = lo;
                for (int tau = lo + 1; tau <= hi; tau++) if (d[tau] < d[tb]) tb = tau;
                double y0 = Direct(frame, w, tb - 1), y1 = Direct(frame, w, tb), y2 = Direct(frame, w, tb + 1);
                double den = y0 - 2 * y1 + y2;
                double shift = den > 0 ? 0.5 * (y0 - y2) / den : 0.0;
                if (Math.Abs(shift) > 1) break;
                period = (tb + shift) / m;
            }

            bool isVoiced = aper[f] < voicingThreshold;
            voiced[f] = isVoiced;
            f0[f] = isVoiced ? (float)(sampleRate / period) : 0f;
        }
        return new YinTrack(f0, voiced, aper, times, hop, sampleRate);
    }

    private static double Parabolic(double[] y, int t, int lo, int hi)
    {
        if (t <= lo || t >= hi) return t;
        double den = y[t - 1] - 2 * y[t] + y[t + 1];
        if (!(den > 0)) return t;
        double shift = 0.5 * (y[t - 1] - y[t + 1]) / den;
        return t + Math.Clamp(shift, -1.0, 1.0);
    }

    private static double InterpolatedMin(double[] y, int t)
    {
        double den = y[t - 1] - 2 * y[t] + y[t + 1];
        if (!(den > 0)) return y[t];
        double diff = y[t - 1] - y[t + 1];
        return Math.Min(y[t], Math.Max(0.0, y[t] - diff * diff / (8 * den)));
    }

    private static double Direct(ReadOnlySpan<float> frame, int w, int tau)
    {
        double s = 0;
        for (int j = 0; j < w; j++)
        {
            double v = (double)frame[j] - frame[j + tau];
            s += v * v;
        }
        return s;
    }

    public static float MedianPitch(float[] x, int sampleRate, float fMin, float fMax, bool asMidi = false)
    {
        var t = Estimate(x, sampleRate, fMin, fMax);
        var v = new List<float>();
        for (int i = 0; i < t.F0Hz.Length; i++) if (t.Voiced[i]) v.Add(t.F0Hz[i]);
        if (v.Count == 0) return float.NaN;
        v.Sort();
        double med = v.Count % 2 == 1 ? v[v.Count / 2] : 0.5 * (v[v.Count / 2 - 1] + v[v.Count / 2]);
        return (float)(asMidi ? HzToMidi(med) : med);
    }
}
