namespace NeuralSynth.Models.Evaluation;

/// Number of statistically-different bins (Richardson & Weiss 2018, used by GANSynth): k-means (K bins)
/// on the reference (real training) samples; the share of reference and of evaluated samples falling in
/// each bin are compared with a two-proportion z-test; NDB counts the bins that differ at p < 0.05.
/// NDB/K near 0 means the evaluated set covers the modes of the data in the right proportions.
public sealed class Ndb
{
    public const double ZCritical = 1.959963984540054; // two-sided p < 0.05

    readonly KMeans bins;
    readonly double[] referenceShare;
    readonly int referenceCount;

    public int K => bins.K;
    public IReadOnlyList<double> ReferenceShare => referenceShare;

    public Ndb(IReadOnlyList<float[]> reference, int k = 50, int seed = 0)
    {
        bins = KMeans.Fit(reference, k, seed);
        referenceCount = reference.Count;
        referenceShare = Shares(reference);
    }

    public sealed record Result(int Ndb, int K, double NdbOverK, double[] Share, double[] Z);

    public Result Evaluate(IReadOnlyList<float[]> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("no samples to evaluate");
        var share = Shares(samples);
        var z = new double[K];
        int different = 0;
        for (int b = 0; b < K; b++)
        {
            z[b] = TwoProportionZ(referenceShare[b], referenceCount, share[b], samples.Count);
            if (Math.Abs(z[b]) > ZCritical) different++;
        }
        return new Result(different, K, different / (double)K, share, z);
    }

    /// z statistic of the difference between two proportions with the pooled standard error; 0 when both
    /// proportions are equal (including a bin empty in both sets).
    public static double TwoProportionZ(double p1, int n1, double p2, int n2)
    {
        double pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
        double se = Math.Sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
        if (se == 0) return 0;
        return (p1 - p2) / se;
    }

    double[] Shares(IReadOnlyList<float[]> rows)
    {
        var share = new double[K];
        foreach (var r in rows) share[bins.Assign(r)]++;
        for (int b = 0; b < K; b++) share[b] /= rows.Count;
        return share;
    }
}
