namespace NeuralSynth.Models.Evaluation;

/// Eigen-decomposition of a real symmetric matrix by the cyclic Jacobi method (double precision).
/// Small and exact enough for the 128x128 covariances of the Fréchet distance; O(n^3) per sweep,
/// converges quadratically, typically in < 10 sweeps.
public static class SymmetricEigen
{
    /// Returns eigenvalues w and eigenvectors V (column j of V, i.e. V[i, j], belongs to w[j]) with A = V diag(w) V^T.
    public static (double[] Values, double[,] Vectors) Decompose(double[,] matrix)
    {
        int n = matrix.GetLength(0);
        if (matrix.GetLength(1) != n) throw new ArgumentException("matrix is not square");
        var a = (double[,])matrix.Clone();
        var v = new double[n, n];
        for (int i = 0; i < n; i++) v[i, i] = 1;

        double scale = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) scale += a[i, j] * a[i, j];
        scale = Math.Sqrt(scale);
        for (int sweep = 0; sweep < 100 && scale > 0; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++) for (int q = p + 1; q < n; q++) off += a[p, q] * a[p, q];
            if (Math.Sqrt(off) <= 1e-15 * scale) break;
            for (int p = 0; p < n - 1; p++)
            for (int q = p + 1; q < n; q++)
            {
                double apq = a[p, q];
                if (Math.Abs(apq) <= 1e-300) continue;
                // Rotation angle that zeroes a[p,q] (Numerical Recipes' stable form).
                double theta = (a[q, q] - a[p, p]) / (2 * apq);
                double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                if (theta == 0) t = 1;
                double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < n; k++)
                {
                    double akp = a[k, p], akq = a[k, q];
                    a[k, p] = c * akp - s * akq;
                    a[k, q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; k++)
                {
                    double apk = a[p, k], aqk = a[q, k];
                    a[p, k] = c * apk - s * aqk;
                    a[q, k] = s * apk + c * aqk;
                }
                for (int k = 0; k < n; k++)
                {
                    double vkp = v[k, p], vkq = v[k, q];
                    v[k, p] = c * vkp - s * vkq;
                    v[k, q] = s * vkp + c * vkq;
                }
            }
        }
        var w = new double[n];
        for (int i = 0; i < n; i++) w[i] = a[i, i];
        return (w, v);
    }
}
