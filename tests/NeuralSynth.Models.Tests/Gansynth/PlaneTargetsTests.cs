using NeuralSynth.Formats;
using NeuralSynth.Models.Gansynth;

namespace NeuralSynth.Models.Tests.Gansynth;

/// plane_weight: the regression also pulls the generator's planes toward the real notes' measured ones. The run
/// measures them once (planes_train.safetensors), records the plane distance, and the distance falls.
public class PlaneTargetsTests
{
    static GansynthConfig Harmonic() => new()
    {
        Head = GansynthConfig.HeadHarmonic, LatentSize = 8, MinPitch = 60, MaxPitch = 64, Velocities = [50, 100], Channels = [16, 8, 4],
        LogMagMax = 1.5f, CodeWeight = 10f, CodeSigma = 0.25f, CodeOnly = true, Filter = true, PlaneWeight = 10f,
    };

    [Fact]
    public void TheRegressionLearnsTheMeasuredPlanes()
    {
        using var temp = new TempRun("planes", oneThread: true);
        string data = TinyNotes.Make(Path.Combine(temp.Dir, "data"), [60, 62, 64], [50, 100], [("flute", 1), ("brass", 8)]);
        string run = Path.Combine(temp.Dir, "run");
        var losses = new List<GansynthLosses>();
        var options = new GansynthTrainOptions
        {
            DataDir = data, OutDir = run, Config = Harmonic(), Steps = 30, Batch = 4, Seed = 3,
            CheckpointEvery = 10, SampleEvery = 1000, LogEvery = 1, WriteSamples = false,
        };
        using (var t = new GansynthTrainer(options)) t.Train(losses.Add);
        Assert.All(losses, l => Assert.True(float.IsFinite(l.PlaneDistance) && l.PlaneDistance > 0, $"plane distance {l.PlaneDistance} at step {l.Step}"));
        double first = losses.Take(6).Average(l => l.PlaneDistance), last = losses.TakeLast(6).Average(l => l.PlaneDistance);
        Assert.True(last < first, $"the plane distance did not fall: {first:F3} -> {last:F3}");
        var (cache, _) = WeightsFile.Read(Path.Combine(run, "planes_train.safetensors"));
        Assert.Equal([12L, 160L, 128L], cache["planes"].Shape);
        var csv = File.ReadAllLines(Path.Combine(run, "losses.csv"));
        Assert.EndsWith(",plane_distance", csv[0]);
        Assert.Equal(losses[^1].PlaneDistance, float.Parse(csv[^1].Split(',')[^1], System.Globalization.CultureInfo.InvariantCulture), 4);

        // A run resumed from the cache measures nothing again and continues the same way.
        options = options with { Steps = 32 };
        var messages = new List<string>();
        using (var t = new GansynthTrainer(options, messages.Add)) t.Train();
        Assert.Contains(messages, m => m.Contains("planes: 12 notes from cache"));

        // Only the harmonic head with timbre codes has planes to compare.
        Assert.Contains("plane_weight", Assert.Throws<ArgumentException>(() => (Harmonic() with { Head = GansynthConfig.HeadIfMel, Filter = false }).Validate()).Message);
        Assert.Contains("plane_weight", Assert.Throws<ArgumentException>(() => (Harmonic() with { PlaneWeight = -1 }).Validate()).Message);
    }

    /// plane_mean_weight: only each row's level averaged over the note is pulled toward the measured one (the spectral
    /// envelope); that distance is what the run reports, and it falls.
    [Fact]
    public void TheMeanRegressionLearnsTheMeasuredEnvelope()
    {
        using var temp = new TempRun("planes-mean", oneThread: true);
        string data = TinyNotes.Make(Path.Combine(temp.Dir, "data"), [60, 62, 64], [50, 100], [("flute", 1), ("brass", 8)]);
        var losses = new List<GansynthLosses>();
        var options = new GansynthTrainOptions
        {
            DataDir = data, OutDir = Path.Combine(temp.Dir, "run"), Config = Harmonic() with { PlaneWeight = 0, PlaneMeanWeight = 10f }, Steps = 30, Batch = 4, Seed = 3,
            CheckpointEvery = 10, SampleEvery = 1000, LogEvery = 1, WriteSamples = false,
        };
        using (var t = new GansynthTrainer(options)) t.Train(losses.Add);
        Assert.All(losses, l => Assert.True(float.IsFinite(l.PlaneDistance) && l.PlaneDistance > 0, $"plane mean distance {l.PlaneDistance} at step {l.Step}"));
        double first = losses.Take(6).Average(l => l.PlaneDistance), last = losses.TakeLast(6).Average(l => l.PlaneDistance);
        Assert.True(last < first, $"the plane mean distance did not fall: {first:F3} -> {last:F3}");
        Assert.True(File.Exists(Path.Combine(temp.Dir, "run", "planes_train.safetensors")));

        Assert.Contains("plane_mean_weight", Assert.Throws<ArgumentException>(() => (Harmonic() with { PlaneWeight = 0, PlaneMeanWeight = -1 }).Validate()).Message);
        Assert.Contains("plane_mean_weight", Assert.Throws<ArgumentException>(() => (Harmonic() with { PlaneWeight = 0, PlaneMeanWeight = 1, CodeWeight = 0, CodeOnly = false }).Validate()).Message);
    }

    /// envelope_only: a trained run's envelope head is added (zero: the same notes) and learns the measured envelope
    /// alone. The distance it reports falls while every other weight of the generator and of its average stays what
    /// the run shipped, the average's (the head learns on the weights the model plays).
    [Fact]
    public void TheEnvelopeHeadLearnsTheEnvelopeWithTheGeneratorFixed()
    {
        using var temp = new TempRun("envelope", oneThread: true);
        string data = TinyNotes.Make(Path.Combine(temp.Dir, "data"), [60, 62, 64], [50, 100], [("flute", 1), ("brass", 8)]);
        string run = Path.Combine(temp.Dir, "run");
        var options = new GansynthTrainOptions
        {
            DataDir = data, OutDir = run, Config = Harmonic() with { PlaneWeight = 0, EmaDecay = 0.9f }, Steps = 10, Batch = 4, Seed = 3,
            CheckpointEvery = 10, SampleEvery = 1000, LogEvery = 1, WriteSamples = false,
        };
        using (var t = new GansynthTrainer(options)) t.Train();
        var (average, _) = WeightsFile.Read(Path.Combine(run, "checkpoint", "generator_ema.safetensors"));
        var (raw, _) = WeightsFile.Read(Path.Combine(run, "checkpoint", "generator.safetensors"));
        Assert.NotEqual(average["conv0.weight"].Data, raw["conv0.weight"].Data); // so the test can tell them apart

        string cfgPath = Path.Combine(run, GansynthModel.ConfigFile);
        (GansynthConfig.Load(cfgPath) with { EnvelopeLayers = 2, EnvelopeOnly = true, LearningRate = 1e-3f }).Save(cfgPath);
        var losses = new List<GansynthLosses>();
        var messages = new List<string>();
        using (var t = new GansynthTrainer(options with { Steps = 50 }, messages.Add)) t.Train(losses.Add);
        Assert.Contains(messages, m => m.Contains("envelope"));
        Assert.Equal(40, losses.Count);
        Assert.All(losses, l => Assert.True(float.IsFinite(l.PlaneDistance) && l.PlaneDistance > 0, $"envelope distance {l.PlaneDistance} at step {l.Step}"));
        double first = losses.Take(6).Average(l => l.PlaneDistance), last = losses.TakeLast(6).Average(l => l.PlaneDistance);
        Assert.True(last < first * 0.9, $"the envelope distance did not fall: {first:F3} -> {last:F3}");

        foreach (var file in new[] { "generator.safetensors", "generator_ema.safetensors" })
        {
            var (after, _) = WeightsFile.Read(Path.Combine(run, "checkpoint", file));
            foreach (var (name, t) in average) Assert.Equal(t.Data, after[name].Data);
            Assert.Contains(after["envelope.2.weight"].Data, v => v != 0); // the head learned
        }
        Assert.Contains("envelope_only", Assert.Throws<ArgumentException>(() => (Harmonic() with { EnvelopeOnly = true }).Validate()).Message);
        Assert.Contains("envelope_layers", Assert.Throws<ArgumentException>(() => (Harmonic() with { Head = GansynthConfig.HeadIfMel, Filter = false, PlaneWeight = 0, EnvelopeLayers = 1 }).Validate()).Message);
    }
}
