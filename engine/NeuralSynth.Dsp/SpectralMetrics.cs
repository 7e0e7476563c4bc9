// SpectralMetrics: distances between two signals (or magnitudes) used to judge vocoders and phase retrieval.
//
// Public API (signals of different length are compared over the shorter one; all pure C#, deterministic)
//   SpectralMetrics.SpectralConvergence(float[] refMag, float[] estMag) -> ||ref - est||_F / ||ref||_F
//   SpectralMetrics.LogMagnitudeL1(float[] refMag, float[] estMag, float floor = 1e-5f)
//       -> mean |ln max(ref, floor) - ln max(est, floor)|
//   SpectralMetrics.MultiResolutionStftDistance(float[] reference, float[] estimate, int[]? fftSizes = null)
//       -> MultiResolutionStftResult { Total, SpectralConvergence, LogMagnitude, PerResolution[] }
//       fftSizes default {512, 1024, 2048}, hop = n/4, Hann window of n; Total = mean over sizes of (SC + log-mag L1),
//       the multi-resolution STFT loss of Parallel WaveGAN / multi-band MelGAN. The log term floors magnitudes at
//       max(1e-5, 1e-4 * max |ref|) (80 dB below the reference's peak per resolution), so exactly-empty bins of
//       synthetic signals do not dominate it.
//   SpectralMetrics.LogSpectralDistance(float[] reference, float[] estimate, int nFft = 1024, int hop = 256) -> dB
//       per frame sqrt(mean over bins of (10 log10 max(P_ref, floor) - 10 log10 max(P_est, floor))^2), averaged over
//       frames; floor = max(1e-10, 1e-8 * max P_ref): differences more than 80 dB below the reference's peak are
//       ignored, otherwise exactly-empty bins of synthetic signals (-100 dB and below) dominate the distance.
//   SpectralMetrics.Mfcc(float[] x, int sampleRate, int nMfcc = 13, int nMels = 40, int nFft = 1024, int hop = 256)
//       -> float[frames * nMfcc] frame-major; c = orthonormal DCT-II of ln(mel amplitude), mel amplitude =
//       sqrt(Slaney mel power + 1e-10), mel bank 0..sampleRate/2 (MelFilterBank).
//   SpectralMetrics.MelCepstralDistortion(float[] reference, float[] estimate, int sampleRate, int nMfcc = 13, ...)
//       -> dB, mean over frames of (10 / ln 10) sqrt(2 sum_{d=1}^{nMfcc-1} (c_ref[d] - c_est[d])^2); c0 (energy)
//       is excluded as usual, so a pure gain change gives 0. No time warping: inputs are assumed aligned.
namespace NeuralSynth.Dsp;

public sealed record StftDistance(int FftSize, double SpectralConvergence, double LogMagnitude);

public sealed record MultiResolutionStftResult(double Total, double SpectralConvergence, double LogMagnitude, StftDistance[] PerResolution);

public static class SpectralMetrics
{
    public static double SpectralConvergence(float[] refMag, float[] estMag)
    {
        if (refMag.Length != estMag.Length) throw new ArgumentException("Magnitudes differ in size.");
        double num = 0, den = 0;
        for (int i = 0; i < refMag.Length; i++)
        {
            double d = (double)refMag[i] - estMag[i];
            num += d * d;
            den += (double)refMag[i] * refMag[i];
        }
        return den > 0 ? Math.Sqrt(num / den) : (num > 0 ? double.PositiveInfinity : 0.0);
    }

    public static double LogMagnitudeL1(float[] refMag, float[] estMag, float floor = 1e-5f)
    {
        if (refMag.Length != estMag.Length) throw new ArgumentException("Magnitudes differ in size.");
        if (refMag.Length == 0) return 0;
        double s = 0;
        if (!(floor > 0)) throw new ArgumentOutOfRangeException(nameof(floor), floor, "floor must be > 0.");
        for (int i = 0; i < refMag.Length; i++) s += Math.Abs(Math.Log(Math.Max(refMag[i], floor)) - Math.Log(Math.Max(estMag[i], floor)));
        return s / refMag.Length;
    }

    private static (float[] a, float[] b) Trim(float[] a, float[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int n = Math.Min(a.Length, b.Length);
        return (a.Length == n ? a : a[..n], b.Length == n ? b : b[..n]);
    }

    public static MultiResolutionStftResult MultiResolutionStftDistance(float[] reference, float[] estimate, int[]? fftSizes = null)
    {
        (reference, estimate) = Trim(reference, estimate);
        fftSizes ??= [512, 1024, 2048];
        if (fftSizes.Length == 0) throw new ArgumentException("Need at least one FFT size.", nameof(fftSizes));
        var per = new StftDistance[fftSizes.Length];
        double sc = 0, lm = 0;
        for (int r = 0; r < fftSizes.Length; r++)
        {
            int n = fftSizes[r];
            var ma = Stft.Forward(reference, n, Math.Max(1, n / 4)).Magnitude();
            var mb = Stft.Forward(estimate, n, Math.Max(1, n / 4)).Magnitude();
            float peak = 0;
            foreach (float v in ma) peak = MathF.Max(peak, v);
            per[r] = new StftDistance(n, SpectralConvergence(ma, mb), LogMagnitudeL1(ma, mb, MathF.Max(1e-5f, 1e-4f * peak)));
            sc += per[r].SpectralConvergence;
            lm += per[r].LogMagnitude;
        }
        sc /= fftSizes.Length;
        lm /= fftSizes.Length;
        return new MultiResolutionStftResult(sc + lm, sc, lm, per);
    }

    public static double LogSpectralDistance(float[] reference, float[] estimate, int nFft = 1024, int hop = 256)
    {
        (reference, estimate) = Trim(reference, estimate);
        var a = Stft.Forward(reference, nFft, hop);
        var b = Stft.Forward(estimate, nFft, hop);
        var pa = new float[a.Re.Length];
        var pb = new float[b.Re.Length];
        Kernels.PowerSpectrum(a.Re, a.Im, pa);
        Kernels.PowerSpectrum(b.Re, b.Im, pb);
        int bins = a.Bins;
        float maxP = 0;
        foreach (float v in pa) maxP = MathF.Max(maxP, v);
        double floor = Math.Max(1e-10, 1e-8 * maxP);
        double total = 0;
        for (int f = 0; f < a.Frames; f++)
        {
            double s = 0;
            for (int k = 0; k < bins; k++)
            {
                double d = 10 * Math.Log10(Math.Max(pa[f * bins + k], floor)) - 10 * Math.Log10(Math.Max(pb[f * bins + k], floor));
                s += d * d;
            }
            total += Math.Sqrt(s / bins);
        }
        return a.Frames > 0 ? total / a.Frames : 0;
    }

    public static float[] Mfcc(float[] x, int sampleRate, int nMfcc = 13, int nMels = 40, int nFft = 1024, int hop = 256)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (nMfcc < 1 || nMfcc > nMels) throw new ArgumentOutOfRangeException(nameof(nMfcc), nMfcc, "Need 1 <= nMfcc <= nMels.");
        var s = Stft.Forward(x, nFft, hop);
        var power = new float[s.Re.Length];
        Kernels.PowerSpectrum(s.Re, s.Im, power);
        var bank = MelFilterBank.Create(sampleRate, nFft, nMels, 0f, sampleRate / 2f);
        var mel = MelFilterBank.Apply(bank, power, s.Frames);
        // Orthonormal DCT-II basis.
        var basis = new double[nMfcc * nMels];
        for (int d = 0; d < nMfcc; d++)
        {
            double scale = d == 0 ? Math.Sqrt(1.0 / nMels) : Math.Sqrt(2.0 / nMels);
            for (int m = 0; m < nMels; m++) basis[d * nMels + m] = scale * Math.Cos(Math.PI * d * (m + 0.5) / nMels);
        }
        var c = new float[s.Frames * nMfcc];
        var logAmp = new double[nMels];
        for (int f = 0; f < s.Frames; f++)
        {
            for (int m = 0; m < nMels; m++) logAmp[m] = 0.5 * Math.Log(mel[f * nMels + m] + 1e-10);
            for (int d = 0; d < nMfcc; d++)
            {
                double acc = 0;
                for (int m = 0; m < nMels; m++) acc += basis[d * nMels + m] * logAmp[m];
                c[f * nMfcc + d] = (float)acc;
            }
        }
        return c;
    }

    public static double MelCepstralDistortion(float[] reference, float[] estimate, int sampleRate, int nMfcc = 13, int nMels = 40, int nFft = 1024, int hop = 256)
    {
        (reference, estimate) = Trim(reference, estimate);
        var ca = Mfcc(reference, sampleRate, nMfcc, nMels, nFft, hop);
        var cb = Mfcc(estimate, sampleRate, nMfcc, nMels, nFft, hop);
        int frames = ca.Length / nMfcc;
        if (frames == 0) return 0;
        double k = 10.0 / Math.Log(10.0), total = 0;
        for (int f = 0; f < frames; f++)
        {
            double s = 0;
            for (int d = 1; d < nMfcc; d++)
            {
                double diff = (double)ca[f * nMfcc + d] - cb[f * nMfcc + d];
                s += diff * diff;
            }
            total += k * Math.Sqrt(2 * s);
        }
        return total / frames;
    }
}
