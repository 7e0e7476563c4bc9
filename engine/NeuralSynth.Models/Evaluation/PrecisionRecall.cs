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

    /// RealCovered[i]: real note i lies inside the generated manifold (Recall is their share).
    public sealed record Result(double Precision, double Recall, bool[] RealCovered);

    /// Whether two sets are large enough for k neighbours (a handful of notes, e.g. `eval --count 3`, is not).
    public static bool Enough(int realCount, int generatedCount, int k = DefaultK) => realCount > k && generatedCount > k;

    public static Result Compute(IReadOnlyList<float[]> real, IReadOnlyList<float[]> generated, int k = DefaultK)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"k = {k}: needs at least one neighbour");
        if (!Enough(real.Count, generated.Count, k))
            throw new ArgumentException($"precision/recall with k = {k} needs more than {k} notes per set ({real.Count} real, {generated.Count} generated)");
        var realRadius = KthNeighbourDistances(real, k);
        var genRadius = KthNeighbourDistances(generated, k);
        var realCovered = Inside(real, generated, genRadius);
        return new Result(Inside(generated, real, realRadius).Count(c => c) / (double)generated.Count, realCovered.Count(c => c) / (double)real.Count, realCovered);
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

    /// Which `points` lie within radius[j] of some manifold[j].
    static bool[] Inside(IReadOnlyList<float[]> points, IReadOnlyList<float[]> manifold, float[] radius)
    {
        var inside = new bool[points.Count];
        Parallel.For(0, points.Count, i =>
        {
            for (int j = 0; j < manifold.Count; j++)
                if (TensorPrimitives.Distance<float>(points[i], manifold[j]) <= radius[j]) { inside[i] = true; return; }
        });
        return inside;
    }

    /// Recall per group of the real notes (e.g. their family): the share of each group's notes the generated manifold
    /// reaches. Groups with no notes (index < 0 = unknown, or absent) are left out.
    public static IReadOnlyDictionary<string, double> RecallByGroup(bool[] realCovered, int[] group, string[] names)
    {
        if (group.Length != realCovered.Length) throw new ArgumentException($"{group.Length} group labels for {realCovered.Length} real notes");
        var result = new Dictionary<string, double>();
        for (int g = 0; g < names.Length; g++)
        {
            int n = 0, hit = 0;
            for (int i = 0; i < group.Length; i++)
                if (group[i] == g) { n++; if (realCovered[i]) hit++; }
            if (n > 0) result[names[g]] = hit / (double)n;
        }
        return result;
    }
}
