using NeuralSynth.Models.Gansynth;

namespace NeuralSynth.Models.Tests.Gansynth;

/// plane_critic_weight: a second critic judges the generator's planes against the real notes' measured ones. In a code
/// regression phase (code_only) its loss, Wasserstein estimate and penalty take the log-mel critic's columns; it learns
/// to tell the two apart, and its weights and optimizer resume from the checkpoint.
public class PlaneCriticTests
{
    static GansynthConfig Harmonic() => new()
    {
        Head = GansynthConfig.HeadHarmonic, LatentSize = 8, MinPitch = 60, MaxPitch = 64, Velocities = [50, 100], Channels = [16, 8, 4],
        LogMagMax = 1.5f, CodeWeight = 10f, CodeSigma = 0.25f, CodeOnly = true, Filter = true, PlaneCriticWeight = 1f,
    };

    [Fact]
    public void TheCriticLearnsToTellGeneratedPlanesFromMeasuredOnes()
    {
        using var temp = new TempRun("planecritic", oneThread: true);
        string data = TinyNotes.Make(Path.Combine(temp.Dir, "data"), [60, 62, 64], [50, 100], [("flute", 1), ("brass", 8)]);
        string run = Path.Combine(temp.Dir, "run");
        var losses = new List<GansynthLosses>();
        var options = new GansynthTrainOptions
        {
            DataDir = data, OutDir = run, Config = Harmonic(), Steps = 40, Batch = 4, Seed = 3,
            CheckpointEvery = 10, SampleEvery = 1000, LogEvery = 1, WriteSamples = false,
        };
        using (var t = new GansynthTrainer(options))
        {
            Assert.NotNull(t.Pc);
            t.Train(losses.Add);
        }
        Assert.All(losses, l => Assert.True(float.IsFinite(l.DLoss) && float.IsFinite(l.Wasserstein) && l.GradientPenalty >= 0 && l.CodeDistance > 0,
            $"step {l.Step}: critic loss {l.DLoss}, W {l.Wasserstein}, penalty {l.GradientPenalty}, code distance {l.CodeDistance}"));
        // A fresh critic scores both sides alike; trained, it scores the measured planes higher.
        double first = losses.Take(5).Average(l => l.Wasserstein), last = losses.TakeLast(10).Average(l => l.Wasserstein);
        Assert.True(last > first && last > 0, $"the critic did not learn to separate the planes: W {first:F3} -> {last:F3}");
        Assert.True(File.Exists(Path.Combine(run, "checkpoint", "plane_critic.safetensors")));

        // A resume loads the critic instead of starting a new one.
        var messages = new List<string>();
        using (var t = new GansynthTrainer(options with { Steps = 42 }, messages.Add)) t.Train();
        Assert.DoesNotContain(messages, m => m.Contains("plane critic starts"));

        Assert.Contains("plane_critic_weight", Assert.Throws<ArgumentException>(() => (Harmonic() with { PlaneCriticWeight = -1 }).Validate()).Message);
        Assert.Contains("plane_critic_weight", Assert.Throws<ArgumentException>(() => (Harmonic() with { CodeWeight = 0, CodeOnly = false }).Validate()).Message);
    }
}
