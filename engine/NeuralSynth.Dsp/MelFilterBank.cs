// MelFilterBank: see the header of MelScale.cs for the documented layout and conventions.
namespace NeuralSynth.Dsp;

public static class MelFilterBank
{
    public static float[,] Create(int sampleRate, int nFft, int nMels, float fMin, float fMax)
    {
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate));
        if (nFft < 2) throw new ArgumentOutOfRangeException(nameof(nFft));
        if (nMels < 1) throw new ArgumentOutOfRangeException(nameof(nMels));
        if (fMin < 0 || !(fMax > fMin)) throw new ArgumentException($"Need 0 <= fMin < fMax (got {fMin}, {fMax}).");
        int bins = nFft / 2 + 1;
        var fftFreqs = new double[bins];
        for (int k = 0; k < bins; k++) fftFreqs[k] = (double)sampleRate * k / nFft;
        double[] melF = MelScale.MelFrequencies(nMels + 2, fMin, fMax);
        var w = new float[nMels, bins];
        for (int m = 0; m < nMels; m++)
        {
            double lo = melF[m], mid = melF[m + 1], hi = melF[m + 2];
            double enorm = 2.0 / (hi - lo);
            for (int k = 0; k < bins; k++)
            {
                double lower = (fftFreqs[k] - lo) / (mid - lo);
                double upper = (hi - fftFreqs[k]) / (hi - mid);
                double v = Math.Max(0.0, Math.Min(lower, upper));
                w[m, k] = (float)(v * enorm);
            }
        }
        return w;
    }

    public static float[] CreateRowMajor(int sampleRate, int nFft, int nMels, float fMin, float fMax)
    {
        var w = Create(sampleRate, nFft, nMels, fMin, fMax);
        var flat = new float[w.Length];
        Buffer.BlockCopy(w, 0, flat, 0, w.Length * sizeof(float));
        return flat;
    }

    public static float[] Apply(float[,] bank, float[] spec, int frames)
    {
        int nMels = bank.GetLength(0), bins = bank.GetLength(1);
        if (spec.Length != frames * bins) throw new ArgumentException($"Spectrum must hold frames*bins = {frames * bins} values, got {spec.Length}.");
        var flat = new float[bank.Length];
        Buffer.BlockCopy(bank, 0, flat, 0, bank.Length * sizeof(float));
        var outp = new float[frames * nMels];
        for (int f = 0; f < frames; f++)
        {
            var row = spec.AsSpan(f * bins, bins);
            for (int m = 0; m < nMels; m++)
                outp[f * nMels + m] = System.Numerics.Tensors.TensorPrimitives.Dot(flat.AsSpan(m * bins, bins), row);
        }
        return outp;
    }
}
