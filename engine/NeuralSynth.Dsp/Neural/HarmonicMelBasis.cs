namespace NeuralSynth.Dsp.Neural;

/// The fixed matrices of the generator's harmonic head (see NeuralSynth.Models.Gansynth.HarmonicMel), computed without
/// torch so that the torch layer and the C# inference graph share one definition. Each is [pitches, n_mels, rows]:
///   Magnitude[p, m, r]: mel image of harmonic row r of pitch p, normalised so a lone harmonic peaks at 1;
///   PowerCos/PowerSin[p, m, r]: the same with power weights times cos/sin of the harmonic's phase advance per hop.
public sealed record HarmonicMelBasis(float[] Magnitude, float[] PowerCos, float[] PowerSin, int Pitches, int Mels, int Rows)
{
    public const int MaxHarmonic = 256;

    /// Fractional row of harmonic h: linear for the first rows/2 harmonics, geometric above, MaxHarmonic at the last row.
    public static double RowPosition(double h, int rows)
    {
        int linear = rows / 2;
        if (h <= linear) return h - 1;
        return linear - 1 + (rows - linear) * Math.Log(h / linear) / Math.Log((double)MaxHarmonic / linear);
    }

    static (int Lo, int Hi, double WHi) RowsOf(int h, int rows)
    {
        double rho = Math.Min(RowPosition(h, rows), rows - 1);
        int lo = (int)Math.Floor(rho);
        int hi = Math.Min(lo + 1, rows - 1);
        return (lo, hi, rho - lo);
    }

    /// For a stationary sinusoid the centred, Hann-windowed STFT magnitude is |rfft(window * cos)| in every interior
    /// frame: measured here once per (pitch, harmonic) through the same Slaney mel matrix the models use.
    public static HarmonicMelBasis Compute(int sampleRate, int nFft, int hop, int mels, float fMin, float fMax, int minPitch, int maxPitch, int rows)
    {
        int pitches = maxPitch - minPitch + 1, n = nFft, bins = n / 2 + 1;
        var melW = MelFilterBank.CreateRowMajor(sampleRate, n, mels, fMin, fMax);
        var mag = new float[pitches * mels * rows];
        var pc = new float[pitches * mels * rows];
        var ps = new float[pitches * mels * rows];
        var window = new double[n];
        for (int i = 0; i < n; i++) window[i] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / n);
        double top = Math.Min(fMax, sampleRate / 2.0);
        var fft = Fft.Get(n);
        var re = new float[bins]; var im = new float[bins];
        var melMag = new double[mels]; var melPow = new double[mels];
        var frame = new float[n];
        // Each mel band covers a few bins: visit only those (this runs at every model load).
        var bandLo = new int[mels]; var bandHi = new int[mels];
        for (int m = 0; m < mels; m++)
        {
            int lo = 0, hi = bins;
            while (lo < bins && melW[m * bins + lo] == 0) lo++;
            while (hi > lo && melW[m * bins + hi - 1] == 0) hi--;
            (bandLo[m], bandHi[m]) = (lo, hi);
        }
        for (int p = 0; p < pitches; p++)
        {
            double f0 = 440.0 * Math.Pow(2, (minPitch + p - 69) / 12.0);
            for (int h = 1; h <= MaxHarmonic && h * f0 < top; h++)
            {
                double f = h * f0;
                for (int i = 0; i < n; i++) frame[i] = (float)(window[i] * Math.Cos(2 * Math.PI * f * (i - n / 2) / sampleRate));
                fft.RealForward(frame, re, im);
                Array.Clear(melMag); Array.Clear(melPow);
                for (int m = 0; m < mels; m++)
                    for (int k = bandLo[m]; k < bandHi[m]; k++)
                    {
                        float w = melW[m * bins + k];
                        double a2 = (double)re[k] * re[k] + (double)im[k] * im[k];
                        melMag[m] += w * Math.Sqrt(a2);
                        melPow[m] += w * a2;
                    }
                double peak = melMag.Max();
                if (peak <= 0) continue;
                double advance = Math.PI * (2.0 * f * hop / sampleRate); // radians per hop
                var (lo, hi, wHi) = RowsOf(h, rows);
                foreach (var (r, wr) in new[] { (lo, 1 - wHi), (hi, wHi) })
                {
                    if (wr == 0) continue;
                    for (int m = 0; m < mels; m++)
                    {
                        int idx = (p * mels + m) * rows + r;
                        mag[idx] += (float)(wr * melMag[m] / peak);
                        // Power scales with the square of the amplitude: the row's exp(2a) times (1/peak)^2.
                        double pw = wr * melPow[m] / (peak * peak);
                        pc[idx] += (float)(pw * Math.Cos(advance));
                        ps[idx] += (float)(pw * Math.Sin(advance));
                    }
                }
            }
        }
        return new HarmonicMelBasis(mag, pc, ps, pitches, mels, rows);
    }
}
