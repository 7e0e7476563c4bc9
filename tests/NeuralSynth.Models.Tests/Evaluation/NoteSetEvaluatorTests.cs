using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Evaluation;

namespace NeuralSynth.Models.Tests.Evaluation;

/// The evaluation pipeline on synthetic notes with a tiny (untrained) classifier: known answers only.
public class NoteSetEvaluatorTests
{
    static float[] Tone(double midi, int samples)
    {
        double f = 440 * Math.Pow(2, (midi - 69) / 12.0);
        var x = new float[samples];
        for (int h = 1; h <= 4; h++)
            for (int i = 0; i < samples; i++) x[i] += (float)(0.2 / h * Math.Sin(2 * Math.PI * h * f * i / 16000));
        return x;
    }

    [Fact]
    public void RealSetAgainstItselfHasZeroFidAndNdbAndYinHearsThePitches()
    {
        var spectral = SpectralConfig.Default with { Frames = 32 };  // 0.5 s notes keep the test quick
        var config = ClassifierConfig.Tiny(["a"]) with { Samples = spectral.Samples };
        using var classifier = new ClassifierModel(config);
        using var evaluator = new NoteSetEvaluator(classifier, spectral);
        int[] pitches = Enumerable.Range(0, 24).Select(i => 30 + 2 * i).ToArray();
        var set = evaluator.Extract("real", pitches.Select(p => (Tone(p, spectral.Samples), p)), chunk: 10);
        Assert.Equal(24, set.Count);
        Assert.Equal(config.FeatureSize, set.Features[0].Length);
        Assert.Equal(80 / NoteSetEvaluator.NdbPoolMels * (32 / NoteSetEvaluator.NdbPoolFrames), set.NdbVectors[0].Length);

        var bins = new Ndb(set.NdbVectors, k: 5, seed: 1);
        var self = evaluator.Row(set, set, set, bins);
        Assert.Null(self.FidVsTrain);  // a set is not compared with itself
        Assert.Equal(0, self.Ndb);
        Assert.Equal(1.0, self.YinPitchAccuracy);

        // The same notes played 70 cents sharp: YIN rejects all of them (> 50 cents), NDB of the same bins stays finite.
        var sharp = evaluator.Extract("sharp", pitches.Select(p => (Tone(p + 0.7, spectral.Samples), p)));
        var row = evaluator.Row(sharp, set, null, bins);
        Assert.Equal(0.0, row.YinPitchAccuracy);
        Assert.True(row.FidVsTrain > 0);
        Assert.Null(row.FidVsTest);
        Assert.InRange(row.PitchEntropy, 0, Math.Log(61) + 1e-6);
        Assert.InRange(row.InceptionScore, 1 - 1e-9, 61);

        // And the same notes exactly (a second extraction) give FID 0 against the first.
        var again = evaluator.Extract("again", pitches.Select(p => (Tone(p, spectral.Samples), p)));
        Assert.True(evaluator.Row(again, set, null, bins).FidVsTrain < 1e-6);

        // The feature cache gives back exactly what was saved.
        string path = Path.Combine(Path.GetTempPath(), "ns-noteset-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            NoteSetCache.Save(set, path);
            var back = NoteSetCache.TryLoad(path, "real")!;
            Assert.Equal(set.Pitch, back.Pitch);
            Assert.Equal(set.YinMidi, back.YinMidi);
            for (int i = 0; i < set.Count; i++)
            {
                Assert.Equal(set.Features[i], back.Features[i]);
                Assert.Equal(set.PitchProbs[i], back.PitchProbs[i]);
                Assert.Equal(set.NdbVectors[i], back.NdbVectors[i]);
            }
        }
        finally { File.Delete(path); }
    }
    [Fact]
    public void AReportWithMetricsASmallSetLeavesUndefinedIsStillWritten()
    {
        // Three notes of three pitches have no same-pitch spread (NaN) and no precision/recall (too few for k = 3).
        var row = new EvalRow("generated (vocoder)", 3, 1, 1, 0, 3, 2445.0, 2303.8, 3, 0.06, double.NaN);
        var report = new EvalReport { CreatedUtc = "2026-12-06 15:00 UTC", Data = "data", Classifier = "classifier", FidTrainVsTest = 60.3, FidRatio = double.PositiveInfinity, Rows = [row] };
        string dir = Path.Combine(Path.GetTempPath(), "ns-eval-" + Guid.NewGuid().ToString("N"));
        try
        {
            GansynthEvaluation.Write(report, dir);
            string json = File.ReadAllText(Path.Combine(dir, "eval.json"));
            Assert.Contains("\"same_pitch_spread\": \"NaN\"", json);
            Assert.Contains("\"fid_ratio\": \"Infinity\"", json);
            Assert.DoesNotContain("precision_vs_test", json);
            Assert.Contains("| NaN | — |", File.ReadAllText(Path.Combine(dir, "EVAL.md")));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    /// Recall by the test notes' family is written beside its bar, in eval.json and as a table in EVAL.md.
    [Fact]
    public void RecallByFamilyIsReportedBesideItsBar()
    {
        var byFamily = new Dictionary<string, double> { ["bass"] = 0.25, ["guitar"] = 0.0 };
        var row = new EvalRow("generated (vocoder)", 1000, 1, 1, 0, 50, 200, 110, 5, 0.1, 22, Precision: 0.97, Recall: 0.125, RecallByFamily: byFamily);
        var report = new EvalReport
        {
            CreatedUtc = "2026-12-06 17:00 UTC", Data = "data", Classifier = "classifier", FidTrainVsTest = 60.3, FidRatio = 3.3, Rows = [row],
            TrainDrawNotes = 1000, TrainPrecision = 0.95, TrainRecall = 0.85, TrainRecallByFamily = new Dictionary<string, double> { ["bass"] = 0.9, ["guitar"] = 0.8 },
        };
        var md = GansynthEvaluation.Markdown(report);
        Assert.Contains("| set | bass | guitar |", md);
        Assert.Contains("| 1000 real train notes (the bar) | 0.90 | 0.80 |", md);
        Assert.Contains("| generated (vocoder) | 0.25 | 0.00 |", md);
        string dir = Path.Combine(Path.GetTempPath(), "ns-eval-" + Guid.NewGuid().ToString("N"));
        try
        {
            GansynthEvaluation.Write(report, dir);
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "eval.json")));
            Assert.Equal(0.8, doc.RootElement.GetProperty("train_recall_vs_test_by_family").GetProperty("guitar").GetDouble());
            Assert.Equal(0.25, doc.RootElement.GetProperty("rows")[0].GetProperty("recall_vs_test_by_family").GetProperty("bass").GetDouble());
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    /// The reconstruction figures (--reconstruct) are written with their floor, in EVAL.md and eval.json, and only when measured.
    [Fact]
    public void ReconstructionIsReportedWithItsFloor()
    {
        var row = new EvalRow("generated (vocoder)", 1000, 1, 1, 0, 50, 200, 110, 5, 0.1, 22);
        var report = new EvalReport
        {
            CreatedUtc = "2026-12-07 03:00 UTC", Data = "data", Classifier = "classifier", FidTrainVsTest = 60.3, FidRatio = 3.0, Rows = [row],
            TrainDrawNotes = 1000, ReconstructionFidVsDraw = 77.52, PathFloorFidVsDraw = 36.39, TrainDrawFidVsTrain = 17.99,
        };
        Assert.Contains("played from their instruments' codes score FID 77.52 against those very notes; their own real log-mel (on the additive path: their measured planes) through the same path 36.39 (what the path costs a perfect copy); the drawn real notes themselves score 17.99", GansynthEvaluation.Markdown(report));
        Assert.DoesNotContain("Reconstruction:", GansynthEvaluation.Markdown(report with { ReconstructionFidVsDraw = null, TrainDrawFidVsTrain = null }));
        string dir = Path.Combine(Path.GetTempPath(), "ns-eval-" + Guid.NewGuid().ToString("N"));
        try
        {
            GansynthEvaluation.Write(report, dir);
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "eval.json")));
            Assert.Equal(77.52, doc.RootElement.GetProperty("reconstruction_fid_vs_draw").GetDouble());
            Assert.Equal(17.99, doc.RootElement.GetProperty("train_draw_fid_vs_train").GetDouble());
            Assert.Equal(36.39, doc.RootElement.GetProperty("path_floor_fid_vs_draw").GetDouble());
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
