namespace NeuralSynth.Models.Evaluation;

/// Lloyd's k-means with k-means++ seeding, deterministic from a seed (System.Random with a fixed seed is
/// stable across runs on the same .NET). Squared Euclidean distance; an emptied cluster is re-seeded with
/// the point farthest from its centroid so all K bins stay in use.
public sealed class KMeans
{
    public float[][] Centroids { get; }
    public int K => Centroids.Length;

    KMeans(float[][] centroids) { Centroids = centroids; }

    public static KMeans Fit(IReadOnlyList<float[]> rows, int k, int seed = 0, int maxIterations = 100)
    {
        if (k < 1) throw new ArgumentException($"k must be >= 1, got {k}");
        if (rows.Count < k) throw new ArgumentException($"k-means needs at least k={k} samples, got {rows.Count}");
        int d = rows[0].Length;
        foreach (var r in rows) if (r.Length != d) throw new ArgumentException($"samples have different sizes ({r.Length} vs {d})");
        var rng = new Random(seed);

        // k-means++: each next centre drawn with probability proportional to its squared distance to the nearest centre.
        var centroids = new float[k][];
        centroids[0] = (float[])rows[rng.Next(rows.Count)].Clone();
        var nearest = new double[rows.Count];
        for (int i = 0; i < rows.Count; i++) nearest[i] = Distance2(rows[i], centroids[0]);
        for (int c = 1; c < k; c++)
        {
            double total = nearest.Sum();
            int pick = 0;
            if (total > 0)
            {
                double u = rng.NextDouble() * total;
                for (pick = 0; pick < rows.Count - 1; pick++) { u -= nearest[pick]; if (u <= 0) break; }
            }
            else pick = rng.Next(rows.Count);
            centroids[c] = (float[])rows[pick].Clone();
            for (int i = 0; i < rows.Count; i++) nearest[i] = Math.Min(nearest[i], Distance2(rows[i], centroids[c]));
        }

        var model = new KMeans(centroids);
        var assignment = new int[rows.Count];
        Array.Fill(assignment, -1);
        var sums = new double[k, d];
        var counts = new int[k];
        for (int iter = 0; iter < maxIterations; iter++)
        {
            bool changed = false;
            var dist = new double[rows.Count];
            for (int i = 0; i < rows.Count; i++)
            {
                int a = model.Assign(rows[i], out dist[i]);
                if (a != assignment[i]) { assignment[i] = a; changed = true; }
            }
            if (!changed) break;
            Array.Clear(sums);
            Array.Clear(counts);
            for (int i = 0; i < rows.Count; i++)
            {
                int a = assignment[i];
                counts[a]++;
                var r = rows[i];
                for (int j = 0; j < d; j++) sums[a, j] += r[j];
            }
            for (int c = 0; c < k; c++)
            {
                if (counts[c] == 0)
                {
                    int far = 0;
                    for (int i = 1; i < rows.Count; i++) if (dist[i] > dist[far]) far = i;
                    centroids[c] = (float[])rows[far].Clone();
                    dist[far] = 0;
                    continue;
                }
                for (int j = 0; j < d; j++) centroids[c][j] = (float)(sums[c, j] / counts[c]);
            }
        }
        return model;
    }

    public int Assign(ReadOnlySpan<float> x) => Assign(x, out _);

    public int Assign(ReadOnlySpan<float> x, out double distance2)
    {
        if (x.Length != Centroids[0].Length) throw new ArgumentException($"sample has {x.Length} values, centroids have {Centroids[0].Length}");
        int best = 0;
        double bestD = double.MaxValue;
        for (int c = 0; c < Centroids.Length; c++)
        {
            double dd = Distance2(x, Centroids[c]);
            if (dd < bestD) { bestD = dd; best = c; }
        }
        distance2 = bestD;
        return best;
    }

    static double Distance2(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        // TensorPrimitives would be faster, but the Models project does not reference it; float sums in
        // double keep the comparison stable for ~10^3-dimensional log-mel vectors.
        double s = 0;
        for (int i = 0; i < a.Length; i++) { double d = a[i] - b[i]; s += d * d; }
        return s;
    }
}
