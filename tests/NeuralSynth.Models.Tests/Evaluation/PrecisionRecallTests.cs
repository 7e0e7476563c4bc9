using NeuralSynth.Models.Evaluation;

namespace NeuralSynth.Models.Tests.Evaluation;

/// Improved precision/recall on point clouds whose answer is known: it must tell a collapsed generator (good notes,
/// too few kinds) from a noisy one (notes unlike any real one), which one FID number cannot.
public class PrecisionRecallTests
{
    /// `count` points around each of `modes` centres spread far apart in 8 dimensions.
    static List<float[]> Cloud(int[] modes, int count, double spread, int seed)
    {
        var rng = new Random(seed);
        var points = new List<float[]>();
        foreach (int m in modes)
            for (int i = 0; i < count; i++)
            {
                var x = new float[8];
                for (int d = 0; d < 8; d++) x[d] = (float)((d == m % 8 ? 100.0 * (1 + m / 8) : 0) + spread * Gaussian(rng));
                points.Add(x);
            }
        return points;
    }

    static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Fact]
    public void TwoDrawsOfTheSameDistributionScoreHighOnBoth()
    {
        int[] modes = [0, 1, 2, 3, 4, 5, 6, 7];
        var r = PrecisionRecall.Compute(Cloud(modes, 150, 1, seed: 1), Cloud(modes, 150, 1, seed: 2));
        // Not 1: a fresh draw's tail points fall outside the balls of a finite set (8 dimensions, k = 3).
        Assert.InRange(r.Precision, 0.8, 1.0);
        Assert.InRange(r.Recall, 0.8, 1.0);
    }

    [Fact]
    public void CollapsedGeneratorKeepsPrecisionAndLosesRecall()
    {
        var real = Cloud([0, 1, 2, 3, 4, 5, 6, 7], 150, 1, seed: 1);
        var collapsed = Cloud([0, 1], 600, 1, seed: 2);  // as many notes, only two of the eight modes
        var r = PrecisionRecall.Compute(real, collapsed);
        Assert.InRange(r.Precision, 0.8, 1.0);
        Assert.InRange(r.Recall, 0.18, 0.25);  // at most the two modes' share of the real notes
    }

    /// Recall split by the real notes' group names the modes a collapsed generator never reaches.
    [Fact]
    public void RecallByGroupNamesTheModesNeverReached()
    {
        var real = Cloud([0, 1, 2, 3], 150, 1, seed: 1);
        var group = Enumerable.Range(0, real.Count).Select(i => i / 150).ToArray();  // Cloud lays modes out in order
        var r = PrecisionRecall.Compute(real, Cloud([0, 2], 300, 1, seed: 2));
        var byGroup = PrecisionRecall.RecallByGroup(r.RealCovered, group, ["a", "b", "c", "d"]);
        Assert.Equal(["a", "b", "c", "d"], byGroup.Keys);
        Assert.InRange(byGroup["a"], 0.8, 1.0);
        Assert.Equal(0.0, byGroup["b"]);
        Assert.InRange(byGroup["c"], 0.8, 1.0);
        Assert.Equal(0.0, byGroup["d"]);
        Assert.Equal(r.Recall, byGroup.Values.Average(), 9);  // equal groups: their mean is the recall
    }

    [Fact]
    public void NotesUnlikeAnyRealOneLosePrecision()
    {
        var real = Cloud([0, 1, 2, 3], 150, 1, seed: 1);
        var elsewhere = Cloud([0, 1, 10, 11], 150, 1, seed: 2);  // half the notes in modes the data does not have
        var r = PrecisionRecall.Compute(real, elsewhere);
        Assert.InRange(r.Precision, 0.38, 0.5);  // at most the half that sits on real modes
        Assert.InRange(r.Recall, 0.38, 0.5);
    }

    [Fact]
    public void KthNeighbourDistanceMatchesASortedScan()
    {
        var set = Cloud([0, 3], 20, 2, seed: 5);
        var radius = PrecisionRecall.KthNeighbourDistances(set, 3);
        for (int i = 0; i < set.Count; i++)
        {
            var sorted = set.Where((_, j) => j != i)
                .Select(y => Math.Sqrt(set[i].Zip(y, (a, b) => (double)(a - b) * (a - b)).Sum())).Order().ToArray();
            Assert.Equal(sorted[2], radius[i], 3);
        }
    }

    [Fact]
    public void TooFewNotesForKAreRefused()
    {
        var three = Cloud([0], 3, 1, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => PrecisionRecall.Compute(three, Cloud([0], 50, 1, seed: 2)));
        Assert.Contains("3 real", e.Message);
    }
}
