using NeuralSynth.Models.Evaluation;

namespace NeuralSynth.Models.Tests.Evaluation;

/// Sanity checks of the GANSynth metrics on synthetic data with known answers.
public class MetricSanityTests
{
    static List<float[]> Gaussian(int n, int d, int seed, double shift = 0, double[]? scale = null)
    {
        var rng = new Random(seed);
        var rows = new List<float[]>();
        for (int i = 0; i < n; i++)
        {
            var r = new float[d];
            for (int j = 0; j < d; j++)
            {
                double g = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                // Correlate neighbouring dimensions so the covariance is not diagonal.
                r[j] = (float)(g * (scale?[j] ?? 1) + shift);
            }
            for (int j = d - 1; j > 0; j--) r[j] += 0.5f * r[j - 1];
            rows.Add(r);
        }
        return rows;
    }

    /// Family shares count each note once, for its most likely family.
    [Fact]
    public void FamilySharesCountTheMostLikelyFamilyOfEachNote()
    {
        var set = new NoteSetFeatures
        {
            Name = "t", Pitch = [60, 61, 62, 63], Features = [], PitchProbs = [], NdbVectors = [], YinMidi = [],
            FamilyProbs = [[0.6f, 0.3f, 0.1f], [0.2f, 0.7f, 0.1f], [0.5f, 0.1f, 0.4f], [0.1f, 0.1f, 0.8f]],
        };
        var shares = NoteSetEvaluator.FamilyShares(set, ["bass", "brass", "flute"]);
        Assert.Equal(0.5, shares["bass"]);
        Assert.Equal(0.25, shares["brass"]);
        Assert.Equal(0.25, shares["flute"]);
        // Family accuracy: a hit where the most likely family is the note's own; -1 (not a judged family) is a miss.
        Assert.Null(NoteSetEvaluator.FamilyAccuracy(set));
        set.Family = [0, 0, 2, -1];
        Assert.Equal(0.25, NoteSetEvaluator.FamilyAccuracy(set));
        set.Family = [0, 1, 0, 2];
        Assert.Equal(1.0, NoteSetEvaluator.FamilyAccuracy(set));
    }

    /// Pitch 60: one pair 5 apart; pitch 61: a single note (no pair, skipped); pitch 62: three notes on a line,
    /// pairs 1, 2, 1 apart. The spread is the mean over pitches of each pitch's mean pair distance.
    [Fact]
    public void SamePitchSpreadAveragesPairDistancesPerPitch()
    {
        float[][] features = [[0, 0], [3, 4], [1, 1], [0, 0], [0, 1], [0, 2]];
        var set = new NoteSetFeatures
        {
            Name = "t", Pitch = [60, 60, 61, 62, 62, 62], Features = features, PitchProbs = [], FamilyProbs = [], NdbVectors = [], YinMidi = [],
        };
        Assert.Equal((5.0 + 4.0 / 3.0) / 2.0, NoteSetEvaluator.SamePitchSpread(set), 6);
        // The same notes played twice as loud in feature space spread twice as far; one timbre per pitch spreads 0.
        var doubled = new NoteSetFeatures { Name = "t", Pitch = set.Pitch, Features = features.Select(f => f.Select(v => 2 * v).ToArray()).ToArray(), PitchProbs = [], FamilyProbs = [], NdbVectors = [], YinMidi = [] };
        Assert.Equal(2 * NoteSetEvaluator.SamePitchSpread(set), NoteSetEvaluator.SamePitchSpread(doubled), 6);
        var collapsed = new NoteSetFeatures { Name = "t", Pitch = set.Pitch, Features = set.Pitch.Select(p => new float[] { p, 0 }).ToArray(), PitchProbs = [], FamilyProbs = [], NdbVectors = [], YinMidi = [] };
        Assert.Equal(0, NoteSetEvaluator.SamePitchSpread(collapsed), 9);
    }

    [Fact]
    public void FrechetDistanceOfASetWithItselfIsZero()
    {
        var x = Gaussian(400, 32, 1);
        double fid = FrechetDistance.Compute(x, x);
        var g = FrechetDistance.Fit(x);
        double trace = 0;
        for (int i = 0; i < 32; i++) trace += g.Covariance[i, i];
        Assert.True(fid < 1e-6 * trace, $"FID(x, x) = {fid}, trace = {trace}");
    }

    [Fact]
    public void FrechetDistanceGrowsAsSquaredMeanShift()
    {
        var x = Gaussian(300, 16, 2);
        foreach (double shift in new[] { 0.5, 1.0, 2.0 })
        {
            // Same samples moved by `shift` in every dimension: identical covariance, so FID = ||mu||^2 = d shift^2 exactly.
            var y = x.Select(r => r.Select(v => (float)(v + shift)).ToArray()).ToList();
            double fid = FrechetDistance.Compute(x, y);
            Assert.Equal(16 * shift * shift, fid, 16 * shift * shift * 1e-4);
        }
    }

    [Fact]
    public void FrechetDistanceMatchesClosedFormForDiagonalGaussians()
    {
        // For commuting (diagonal) covariances the trace term is sum (s1 - s2)^2 over standard deviations.
        var s1 = new[] { 1.0, 2.0, 3.0 };
        var s2 = new[] { 2.0, 2.0, 0.5 };
        var a = new FrechetDistance.Gaussian(new double[] { 0, 0, 0 }, Diag(s1.Select(s => s * s)));
        var b = new FrechetDistance.Gaussian(new double[] { 1, 0, 2 }, Diag(s2.Select(s => s * s)));
        double expected = 1 + 4 + (1 - 2) * (1 - 2) + 0 + (3 - 0.5) * (3 - 0.5);
        Assert.Equal(expected, FrechetDistance.Compute(a, b), 1e-9);
        var parts = FrechetDistance.Split(a, b);
        Assert.Equal(1 + 4, parts.MeanTerm, 1e-9);
        Assert.Equal((1 - 2) * (1 - 2) + (3 - 0.5) * (3 - 0.5), parts.CovarianceTerm, 1e-9);
    }

    [Fact]
    public void FrechetDistanceOfIndependentSamplesIsSmallButSeesScaleChange()
    {
        var a = Gaussian(2000, 8, 3);
        var b = Gaussian(2000, 8, 4);
        var c = Gaussian(2000, 8, 5, scale: Enumerable.Repeat(2.0, 8).ToArray());
        double same = FrechetDistance.Compute(a, b), wider = FrechetDistance.Compute(a, c);
        Assert.True(same < 0.2, $"same distribution: {same}");
        Assert.True(wider > 10 * same, $"scaled x2: {wider} vs {same}");
    }

    static double[,] Diag(IEnumerable<double> values)
    {
        var v = values.ToArray();
        var m = new double[v.Length, v.Length];
        for (int i = 0; i < v.Length; i++) m[i, i] = v[i];
        return m;
    }

    [Fact]
    public void JacobiReconstructsASymmetricMatrix()
    {
        var rng = new Random(7);
        int n = 20;
        var a = new double[n, n];
        for (int i = 0; i < n; i++) for (int j = i; j < n; j++) a[i, j] = a[j, i] = rng.NextDouble() - 0.5;
        var (w, v) = SymmetricEigen.Decompose(a);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double r = 0;
                for (int k = 0; k < n; k++) r += v[i, k] * w[k] * v[j, k];
                Assert.Equal(a[i, j], r, 1e-10);
            }
    }

    static float[] OneHot(int c, int k) { var p = new float[c]; p[k] = 1; return p; }

    [Fact]
    public void PitchEntropyIsLnCForUniformAndZeroForOneHot()
    {
        var uniform = Enumerable.Range(0, 10).Select(_ => Enumerable.Repeat(1f / 61, 61).ToArray()).ToList();
        Assert.Equal(Math.Log(61), ClassMetrics.MeanEntropy(uniform), 1e-5);
        var oneHot = Enumerable.Range(0, 61).Select(k => OneHot(61, k)).ToList();
        Assert.Equal(0, ClassMetrics.MeanEntropy(oneHot), 12);
    }

    [Fact]
    public void InceptionScoreOfOneHotPredictionsSpreadOverClassesIsTheClassCount()
    {
        var spread = Enumerable.Range(0, 61 * 3).Select(i => OneHot(61, i % 61)).ToList();
        Assert.Equal(61, ClassMetrics.InceptionScore(spread), 1e-6);
        var collapsed = Enumerable.Range(0, 50).Select(_ => OneHot(61, 5)).ToList();
        Assert.Equal(1, ClassMetrics.InceptionScore(collapsed), 1e-9);
        var uniform = Enumerable.Range(0, 50).Select(_ => Enumerable.Repeat(1f / 61, 61).ToArray()).ToList();
        Assert.Equal(1, ClassMetrics.InceptionScore(uniform), 1e-5);
    }

    [Fact]
    public void AccuracyCountsArgMaxMatches()
    {
        var probs = new List<float[]> { new[] { 0.1f, 0.9f }, new[] { 0.8f, 0.2f }, new[] { 0.3f, 0.7f }, new[] { 0.6f, 0.4f } };
        Assert.Equal(0.75, ClassMetrics.Accuracy(probs, new[] { 1, 0, 1, 1 }), 12);
        Assert.Throws<ArgumentException>(() => ClassMetrics.Accuracy(probs, new[] { 1, 0 }));
    }

    static List<float[]> Blobs(int perBlob, int blobs, int seed, Func<int, int>? count = null)
    {
        var rng = new Random(seed);
        var rows = new List<float[]>();
        for (int b = 0; b < blobs; b++)
            for (int i = 0; i < (count?.Invoke(b) ?? perBlob); i++)
                rows.Add(new[] { (float)(10 * b + rng.NextDouble()), (float)(rng.NextDouble() - 10 * b) });
        return rows;
    }

    [Fact]
    public void NdbOfASetAgainstItselfIsZero()
    {
        var x = Gaussian(600, 6, 8);
        var ndb = new Ndb(x, k: 50, seed: 1);
        var r = ndb.Evaluate(x);
        Assert.Equal(0, r.Ndb);
        Assert.Equal(1, r.Share.Sum(), 1e-9);
    }

    [Fact]
    public void NdbSeesAMissingModeButNotAFreshSampleOfTheSameData()
    {
        var train = Blobs(100, 10, 1);
        var ndb = new Ndb(train, k: 10, seed: 3);
        var fresh = ndb.Evaluate(Blobs(100, 10, 2));
        Assert.True(fresh.Ndb <= 1, $"fresh sample of the same blobs: NDB = {fresh.Ndb}");
        // A generator that drops 3 of the 10 modes (and over-produces the rest) fails those bins and more.
        var collapsed = ndb.Evaluate(Blobs(100, 10, 4, b => b < 3 ? 0 : 140));
        Assert.True(collapsed.Ndb >= 3, $"mode-dropping set: NDB = {collapsed.Ndb}");
    }

    [Fact]
    public void KMeansSeparatesWellSeparatedBlobsDeterministically()
    {
        var x = Blobs(30, 5, 9);
        var a = KMeans.Fit(x, 5, seed: 11);
        var b = KMeans.Fit(x, 5, seed: 11);
        Assert.Equal(a.Centroids.SelectMany(c => c), b.Centroids.SelectMany(c => c));
        for (int blob = 0; blob < 5; blob++)
        {
            var labels = x.Skip(blob * 30).Take(30).Select(r => a.Assign(r)).Distinct().ToList();
            Assert.Single(labels);
        }
    }
}
