// MelScale: Hz <-> mel conversions and mel filter banks (librosa defaults: Slaney mel scale, htk=False,
// Slaney area normalisation norm="slaney").
//
// Public API
//   MelScale.HzToMel(double hz, bool htk = false), MelScale.MelToHz(double mel, bool htk = false)
//       Slaney: linear below 1 kHz (mel = 3 hz / 200), logarithmic above (27 mels per factor 6.4);
//       htk: 2595 log10(1 + hz / 700).
//   MelScale.MelFrequencies(int n, double fMin, double fMax, bool htk = false) -> double[n] (Hz, equally spaced in mel)
//   MelFilterBank.Create(int sampleRate, int nFft, int nMels, float fMin, float fMax) -> float[nMels, nFft/2+1]
//       triangular filters on the Slaney mel scale, each scaled by 2 / (f[m+2] - f[m]) so every filter has
//       the same area (librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax) with default htk=False, norm="slaney").
//       Element [m, k] is the weight of FFT bin k (k * sampleRate / nFft Hz) in mel band m.
//   MelFilterBank.CreateRowMajor(...) -> float[nMels * (nFft/2+1)], same values, index m * (nFft/2+1) + k
//       (ready for torch.tensor(...).reshape(nMels, nFft/2+1)).
//   MelFilterBank.Apply(float[,] bank, float[] spec, int frames) -> float[frames * nMels]
//       spec is frame-major [frames, bins] (e.g. Spectrogram.Magnitude()); result frame-major [frames, nMels].
namespace NeuralSynth.Dsp;

public static class MelScale
{
    private const double FSp = 200.0 / 3.0;
    private const double MinLogHz = 1000.0;
    private const double MinLogMel = MinLogHz / FSp; // 15
    private static readonly double LogStep = Math.Log(6.4) / 27.0;

    public static double HzToMel(double hz, bool htk = false)
    {
        if (htk) return 2595.0 * Math.Log10(1.0 + hz / 700.0);
        return hz >= MinLogHz ? MinLogMel + Math.Log(hz / MinLogHz) / LogStep : hz / FSp;
    }

    public static double MelToHz(double mel, bool htk = false)
    {
        if (htk) return 700.0 * (Math.Pow(10.0, mel / 2595.0) - 1.0);
        return mel >= MinLogMel ? MinLogHz * Math.Exp(LogStep * (mel - MinLogMel)) : FSp * mel;
    }

    public static double[] MelFrequencies(int n, double fMin, double fMax, bool htk = false)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n));
        double a = HzToMel(fMin, htk), b = HzToMel(fMax, htk);
        var f = new double[n];
        for (int i = 0; i < n; i++) f[i] = MelToHz(n == 1 ? a : a + (b - a) * i / (n - 1), htk);
        return f;
    }
}
