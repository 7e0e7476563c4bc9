// Window functions.
//
// Public API
//   Window.Hann(int n, bool periodic = true)      0.5 - 0.5 cos(2 pi t / N), N = n (periodic, torch/librosa STFT default) or n-1 (symmetric)
//   Window.Gaussian(int n, float lambda)          exp(-pi (t - n/2)^2 / lambda), periodic-centred at n/2; lambda = time-frequency ratio
//                                                 in samples^2 (PGHI's gamma); TiFGAN uses lambda = 0.25645 * n^2 for a "Hann-like" width
//   Window.HannGaussianLambda(int n)              the Gaussian lambda that matches a Hann window of length n (0.25645 n^2)
//   Window.SquareSum(float[] w)                   sum of w^2
namespace NeuralSynth.Dsp;

public static class Window
{
    public static float[] Hann(int n, bool periodic = true)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "Window length must be >= 1.");
        var w = new float[n];
        if (n == 1) { w[0] = 1f; return w; }
        double denom = periodic ? n : n - 1;
        for (int t = 0; t < n; t++) w[t] = (float)(0.5 - 0.5 * Math.Cos(2.0 * Math.PI * t / denom));
        return w;
    }

    public static float[] Gaussian(int n, double lambda)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "Window length must be >= 1.");
        if (!(lambda > 0)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "Gaussian lambda must be > 0.");
        var w = new float[n];
        double c = n / 2.0;
        for (int t = 0; t < n; t++)
        {
            double d = t - c;
            w[t] = (float)Math.Exp(-Math.PI * d * d / lambda);
        }
        return w;
    }

    /// <summary>Gaussian time-frequency ratio whose window is about as wide as a Hann window of length n (Prusa et al.).</summary>
    public static double HannGaussianLambda(int n) => 0.25645 * (double)n * n;

    public static double SquareSum(ReadOnlySpan<float> w)
    {
        double s = 0;
        foreach (float v in w) s += (double)v * v;
        return s;
    }
}
