namespace NeuralSynth.Models.Evaluation;

/// Fréchet distance between two Gaussians fitted to feature sets (FID, computed on our pitch classifier's
/// penultimate features instead of Inception's):
///   d = ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^{1/2}).
/// Tr (S1 S2)^{1/2} = Tr (S1^{1/2} S2 S1^{1/2})^{1/2}, a symmetric PSD product, so both square roots come
/// from the Jacobi eigen-decomposition (negative round-off eigenvalues clamp to 0).
public static class FrechetDistance
{
    public sealed record Gaussian(double[] Mean, double[,] Covariance);

    /// Mean and unbiased (N-1) covariance of the rows.
    public static Gaussian Fit(IReadOnlyList<float[]> rows)
    {
        if (rows.Count < 2) throw new ArgumentException($"need at least 2 feature vectors, got {rows.Count}");
        int d = rows[0].Length;
        var mean = new double[d];
        foreach (var r in rows)
        {
            if (r.Length != d) throw new ArgumentException($"feature vectors have different sizes ({r.Length} vs {d})");
            for (int i = 0; i < d; i++) mean[i] += r[i];
        }
        for (int i = 0; i < d; i++) mean[i] /= rows.Count;
        var cov = new double[d, d];
        var centered = new double[d];
        foreach (var r in rows)
        {
            for (int i = 0; i < d; i++) centered[i] = r[i] - mean[i];
            for (int i = 0; i < d; i++)
            {
                double ci = centered[i];
                for (int j = i; j < d; j++) cov[i, j] += ci * centered[j];
            }
        }
        for (int i = 0; i < d; i++)
            for (int j = i; j < d; j++) { cov[i, j] /= rows.Count - 1; cov[j, i] = cov[i, j]; }
        return new Gaussian(mean, cov);
    }

    public static double Compute(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b) => Compute(Fit(a), Fit(b));

    public static double Compute(Gaussian a, Gaussian b) => Split(a, b).Total;

    /// The distance and its two parts: MeanTerm = ||mu1 - mu2||^2 (the sets sit in different places: a systematic
    /// difference every note shares) and the rest (their spreads differ in size or shape: too few or wrong variations).
    public readonly record struct Parts(double Total, double MeanTerm)
    {
        public double CovarianceTerm => Total - MeanTerm;
    }

    public static Parts Split(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b) => Split(Fit(a), Fit(b));

    public static Parts Split(Gaussian a, Gaussian b)
    {
        int d = a.Mean.Length;
        if (b.Mean.Length != d) throw new ArgumentException($"feature sizes differ ({d} vs {b.Mean.Length})");
        double meanTerm = 0;
        for (int i = 0; i < d; i++) { double diff = a.Mean[i] - b.Mean[i]; meanTerm += diff * diff; }

        var sqrtA = SqrtPsd(a.Covariance);
        var product = Multiply(Multiply(sqrtA, b.Covariance), sqrtA);
        Symmetrize(product);
        var (w, _) = SymmetricEigen.Decompose(product);
        double traceSqrt = 0;
        foreach (double x in w) traceSqrt += Math.Sqrt(Math.Max(x, 0));

        double trace = 0;
        for (int i = 0; i < d; i++) trace += a.Covariance[i, i] + b.Covariance[i, i];
        // Round-off can push an identical pair a hair below zero; the distance is never negative.
        return new Parts(Math.Max(meanTerm + trace - 2 * traceSqrt, 0), meanTerm);
    }

    /// Principal square root of a symmetric positive semi-definite matrix.
    public static double[,] SqrtPsd(double[,] m)
    {
        int n = m.GetLength(0);
        var (w, v) = SymmetricEigen.Decompose(m);
        var r = new double[n, n];
        for (int k = 0; k < n; k++)
        {
            double s = Math.Sqrt(Math.Max(w[k], 0));
            if (s == 0) continue;
            for (int i = 0; i < n; i++)
            {
                double vik = v[i, k] * s;
                for (int j = 0; j < n; j++) r[i, j] += vik * v[j, k];
            }
        }
        return r;
    }

    static double[,] Multiply(double[,] x, double[,] y)
    {
        int n = x.GetLength(0), m = y.GetLength(1), inner = x.GetLength(1);
        var r = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < inner; k++)
            {
                double xik = x[i, k];
                if (xik == 0) continue;
                for (int j = 0; j < m; j++) r[i, j] += xik * y[k, j];
            }
        return r;
    }

    static void Symmetrize(double[,] m)
    {
        int n = m.GetLength(0);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) { double avg = 0.5 * (m[i, j] + m[j, i]); m[i, j] = avg; m[j, i] = avg; }
    }
}
