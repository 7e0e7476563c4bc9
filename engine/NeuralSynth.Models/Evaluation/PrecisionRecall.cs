using System.Numerics.Tensors;

namespace NeuralSynth.Models.Evaluation;

/// Improved precision and recall (Kynkäänniemi et al. 2019) in the classifier's feature space. Each set's manifold is
/// the union of balls around its points, each ball reaching the point's k-th nearest neighbour in its own set.
/// Precision: the share of generated notes inside the real notes' manifold (are they notes the data could hold?).
/// Recall: the share of real notes inside the generated notes' manifold (does the generator reach all of the data?).
/// FID folds both into one number; apart they say whether a gap is quality (precision) or coverage (recall).
/// Both depend on the set sizes (a ball's radius shrinks as its set grows), so compare rows of equal sizes.
public static class PrecisionRecall
{
    public const int DefaultK = 3;

    public sealed record Result(double Precision, double Recall);

    /// Whether two sets are large enough for k neighbours (a handful of notes, e.g. `eval --count 3`, is not).
    public static bool Enough(int realCount, int generatedCount, int k = DefaultK) => realCount > k && generatedCount > k;

    public static Result Compute(IReadOnlyList<float[]> real, IReadOnlyList<float[]> generated, int k = DefaultK)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"k = {k}: needs at least one neighbour");
        if (!Enough(real.Count, generated.Count, k))
            throw new ArgumentException($"precision/recall with k = {k} needs more than {k} notes per set ({real.Count} real, {generated.Count} generated)");
        var realRadius = KthNeighbourDistances(real, k);
        var genRadius = KthNeighbourDistances(generated, k);
        return new Result(Covered(generated, real, realRadius), Covered(real, generated, genRadius));
    }

    /// Each point's distance to its k-th nearest other point of the same set.
    public static float[] KthNeighbourDistances(IReadOnlyList<float[]> set, int k)
    {
        var radius = new float[set.Count];
        Parallel.For(0, set.Count, i =>
        {
            // The k smallest distances so far, ascending; k is small, so insertion beats a heap.
            var nearest = new float[k];
            Array.Fill(nearest, float.PositiveInfinity);
            for (int j = 0; j < set.Count; j++)
            {
                if (j == i) continue;
                float d = TensorPrimitives.Distance<float>(set[i], set[j]);
                if (d >= nearest[k - 1]) continue;
                int p = k - 1;
                while (p > 0 && nearest[p - 1] > d) { nearest[p] = nearest[p - 1]; p--; }
                nearest[p] = d;
            }
            radius[i] = nearest[k - 1];
        });
        return radius;
    }

    /// The share of `points` within radius[j] of some manifold[j].
    static double Covered(IReadOnlyList<float[]> points, IReadOnlyList<float[]> manifold, float[] radius)
    {
        int inside = 0;
        Parallel.For(0, points.Count, i =>
        {
            for (int j = 0; j < manifold.Count; j++)
                if (TensorPrimitives.Distance<float>(points[i], manifold[j]) <= radius[j]) { Interlocked.Increment(ref inside); return; }
        });
        return inside / (double)points.Count;
    }
}
