using NeuralSynth.Formats;
using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Realtime;
using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Tests.Gansynth;

public class GansynthTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// Small enough that a training step takes tens of milliseconds on one core.
    static GansynthConfig Tiny(bool velocity = true) => new()
    {
        LatentSize = 8, MinPitch = 60, MaxPitch = 64, Velocities = velocity ? [50, 100] : [], Channels = [16, 8, 4],
    };

    static GansynthTrainOptions Options(string data, string outDir, int steps, GansynthConfig? cfg = null) => new()
    {
        DataDir = data, OutDir = outDir, Config = cfg ?? Tiny(), Steps = steps, Batch = 4, Seed = 3,
        CheckpointEvery = 2, SampleEvery = 1000, LogEvery = 1, WriteSamples = false,
    };

    [Fact]
    public void TrainingStepsLowerTheLosses()
    {
        using var temp = new TempRun("train", oneThread: true);
        string root = temp.Dir;
        string data = TinyNotes.Make(Path.Combine(root, "data"), [60, 61, 62, 63, 64], [50, 100]);
        using var t = new GansynthTrainer(Options(data, Path.Combine(root, "run"), 40));
        var losses = new List<GansynthLosses>();
        t.Train(losses.Add);
        Assert.Equal(40, losses.Count);
        double first = losses.Take(8).Average(l => l.DLoss), last = losses.TakeLast(8).Average(l => l.DLoss);
        double ceFirst = losses.Take(8).Average(l => l.DPitchCe), ceLast = losses.TakeLast(8).Average(l => l.DPitchCe);
        Assert.True(last < first, $"discriminator loss did not fall: {first:F3} -> {last:F3}");
        Assert.True(ceLast < ceFirst, $"auxiliary pitch cross-entropy did not fall: {ceFirst:F3} -> {ceLast:F3}");
        Assert.All(losses, l => Assert.True(float.IsFinite(l.DLoss) && float.IsFinite(l.GLoss)));
        // The run directory is a loadable model.
        using var m = GansynthModel.Load(Path.Combine(root, "run"));
        Assert.Equal(5, m.Config.PitchCount);
        Assert.True(File.Exists(Path.Combine(root, "run", "losses.png")));
    }

    /// Run root/a trains straight to step 6; run root/b is "killed" after its checkpoint at step 4 and a new
    /// process-like trainer continues it to 6. Both must ship the same weights. Returns run a's losses.
    static void CopyDir(string from, string to)
    {
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string dest = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(f, dest);
        }
    }

    static List<GansynthLosses> TrainStraightAndResumed(string data, string root, GansynthConfig cfg)
    {
        var losses = new List<GansynthLosses>();
        using (var straight = new GansynthTrainer(Options(data, Path.Combine(root, "a"), 6, cfg))) straight.Train(losses.Add);
        using (var part = new GansynthTrainer(Options(data, Path.Combine(root, "b"), 4, cfg))) part.Train();
        using (var resumed = new GansynthTrainer(Options(data, Path.Combine(root, "b"), 6, cfg)))
        {
            Assert.Equal(4, resumed.Step);
            resumed.Train();
        }
        var (a, _) = WeightsFile.Read(Path.Combine(root, "a", "model.safetensors"));
        var (b, _) = WeightsFile.Read(Path.Combine(root, "b", "model.safetensors"));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var k in a.Keys) Assert.Equal(a[k].Data, b[k].Data);
        return losses;
    }

    [Fact]
    public void KilledRunResumesExactly()
    {
        using var temp = new TempRun("resume", oneThread: true);
        string root = temp.Dir;
        string data = TinyNotes.Make(Path.Combine(root, "data"), [60, 62, 64], [50]);
        TrainStraightAndResumed(data, root, Tiny(velocity: false));
    }

    /// The weight average ships (not the last step's weights) and continues exactly across a resume; the mode-seeking
    /// term reports a finite distance between same-condition pairs.
    [Fact]
    public void WeightAverageShipsAndResumesExactly()
    {
        using var temp = new TempRun("ema", oneThread: true);
        string root = temp.Dir;
        string data = TinyNotes.Make(Path.Combine(root, "data"), [60, 62, 64], [50]);
        var cfg = Tiny(velocity: false) with { EmaDecay = 0.9f, ModeSeekingWeight = 1f };
        var losses = TrainStraightAndResumed(data, root, cfg);
        Assert.All(losses, l => Assert.True(l.ModeDistance > 0 && float.IsFinite(l.ModeDistance), $"mode distance {l.ModeDistance} at step {l.Step}"));
        var (a, meta) = WeightsFile.Read(Path.Combine(root, "a", "model.safetensors"));
        Assert.Equal("0.9", meta["ema_decay"]);
        var (raw, _) = WeightsFile.Read(Path.Combine(root, "a", "checkpoint", "generator.safetensors"));
        Assert.Contains(a.Keys, k => !a[k].Data.SequenceEqual(raw[k].Data));
        using var m = GansynthModel.Load(Path.Combine(root, "a"));
        Assert.Equal(0.9f, m.Config.EmaDecay);
    }

    /// The recall term (IMLE) pulls the nearest of its candidates toward each real note: a finite, positive distance
    /// every step, and the run continues exactly across a resume (its candidates' latents come from the step's seed).
    [Fact]
    public void RecallTermTrainsAndResumesExactly()
    {
        using var temp = new TempRun("imle", oneThread: true);
        string root = temp.Dir;
        string data = TinyNotes.Make(Path.Combine(root, "data"), [60, 62, 64], [50]);
        var cfg = Tiny(velocity: false) with { ImleWeight = 1f, ImleCandidates = 3, ImlePool = [4, 8] };
        var losses = TrainStraightAndResumed(data, root, cfg);
        Assert.All(losses, l => Assert.True(l.ImleDistance > 0 && float.IsFinite(l.ImleDistance), $"recall distance {l.ImleDistance} at step {l.Step}"));
        using var m = GansynthModel.Load(Path.Combine(root, "a"));
        Assert.Equal(1f, m.Config.ImleWeight);
        Assert.Equal(3, m.Config.ImleCandidatesOrDefault);
        Assert.Equal([4, 8], m.Config.ImlePool!);
    }

    /// A family-balanced epoch holds every family equally often (the rare family's notes cycled, each of them used),
    /// the common family's notes once each; an unbalanced epoch is every note once.
    [Fact]
    public void BalancedEpochPlaysEveryFamilyEquallyOften()
    {
        int[] family = [.. Enumerable.Repeat(0, 10), .. Enumerable.Repeat(3, 3), .. Enumerable.Repeat(5, 7)];
        var order = GansynthTrainer.EpochOrder(family, balance: true, new Random(1));
        Assert.Equal(30, order.Length);
        Assert.Equal(30, GansynthTrainer.EpochLengthOf(family, balance: true));
        Assert.Equal(20, GansynthTrainer.EpochLengthOf(family, balance: false));
        Assert.All(new[] { 0, 3, 5 }, f => Assert.Equal(10, order.Count(i => family[i] == f)));
        Assert.Equal(Enumerable.Range(0, 20), order.Distinct().Order());
        Assert.Equal(Enumerable.Range(0, 10), order.Where(i => family[i] == 0).Order());
        Assert.Equal(order, GansynthTrainer.EpochOrder(family, balance: true, new Random(1)));  // resumable: the seed decides
        var plain = GansynthTrainer.EpochOrder(family, balance: false, new Random(1));
        Assert.Equal(Enumerable.Range(0, 20), plain.Order());
    }

    /// A pooling that does not tile the note (80 mel bands, 128 frames) is refused before any training, naming the key.
    [Theory]
    [InlineData(new[] { 3, 8 })]
    [InlineData(new[] { 4 })]
    [InlineData(new[] { 4, 0 })]
    public void RecallTermPoolingMustTileTheNote(int[] pool)
    {
        var e = Assert.Throws<ArgumentException>(() => (Tiny() with { ImleWeight = 1f, ImlePool = pool }).Validate());
        Assert.Contains("imle_pool", e.Message);
    }

    /// The conditional critic's projection term trains (its embeddings leave zero), continues exactly across a resume,
    /// and can be turned on at the resume of a run that had none (it starts at zero there); the generator's pitch and
    /// velocity auxiliary weights are separate.
    [Fact]
    public void ProjectionCriticTrainsAndResumesExactly()
    {
        using var temp = new TempRun("projection", oneThread: true);
        string root = temp.Dir;
        string data = TinyNotes.Make(Path.Combine(root, "data"), [60, 62, 64], [50, 100]);
        var cfg = Tiny() with { ProjectionDiscriminator = true, AcWeightG = 0f, AcWeightGVelocity = 2f };
        var losses = TrainStraightAndResumed(data, root, cfg);
        Assert.All(losses, l => Assert.True(float.IsFinite(l.DLoss) && float.IsFinite(l.GLoss)));
        var (p, _) = WeightsFile.Read(Path.Combine(root, "a", "checkpoint", "projection.safetensors"));
        Assert.Equal(["pitch", "velocity"], p.Keys.Order());
        Assert.Contains(p["pitch"].Data, v => v != 0f);
        using (var m = GansynthModel.Load(Path.Combine(root, "a")))
        {
            Assert.True(m.Config.ProjectionDiscriminator);
            Assert.Equal(2f, m.Config.AcWeightGVelocityOrDefault);
        }

        // A run without the term, resumed with it switched on (and a lower learning rate) in its config.json.
        string c = Path.Combine(root, "c");
        using (var plain = new GansynthTrainer(Options(data, c, 4, Tiny()))) plain.Train();
        var edited = GansynthConfig.Load(Path.Combine(c, GansynthModel.ConfigFile)) with { ProjectionDiscriminator = true, LearningRate = 1e-4f };
        edited.Save(Path.Combine(c, GansynthModel.ConfigFile));
        var messages = new List<string>();
        using (var on = new GansynthTrainer(Options(data, c, 6, Tiny()), messages.Add))
        {
            Assert.Equal(4, on.Step);
            Assert.NotNull(on.P);
            Assert.Equal(1e-4, on.LearningRate, 9);
            on.Train();
        }
        Assert.Contains(messages, m => m.Contains("starts at zero"));
        Assert.True(File.Exists(Path.Combine(c, "checkpoint", "projection.safetensors")));
    }

    /// Family conditioning: the run measures the data's families and shares, the critic learns to tell the families
    /// apart (its cross-entropy on real notes falls), the family critic is checkpointed and a killed run resumes
    /// exactly; a plain run switched to families at a resume starts the family critic there.
    [Fact]
    public void FamilyConditioningTrainsAndResumesExactly()
    {
        using var temp = new TempRun("family", oneThread: true);
        string root = temp.Dir;
        string data = TinyNotes.Make(Path.Combine(root, "data"), [60, 62, 64], [50, 100], [("flute", 1), ("brass", 8)]);
        var cfg = Tiny() with { FamilyOffset = 4f };
        var losses = TrainStraightAndResumed(data, root, cfg);
        Assert.All(losses, l => Assert.True(float.IsFinite(l.DFamilyCe) && l.DFamilyCe > 0 && float.IsFinite(l.GFamilyCe)));
        var run = GansynthConfig.Load(Path.Combine(root, "a", GansynthModel.ConfigFile));
        Assert.Equal(["brass", "flute"], run.Families); // NSynth's family order
        Assert.Equal([0.5, 0.5], run.FamilyShares);
        var (fc, _) = WeightsFile.Read(Path.Combine(root, "a", "checkpoint", "family_critic.safetensors"));
        Assert.Contains(fc["embedding"].Data, v => v != 0f);

        // The critic learns the families of real notes.
        var longer = new List<GansynthLosses>();
        using (var t = new GansynthTrainer(Options(data, Path.Combine(root, "long"), 40, cfg))) t.Train(longer.Add);
        double first = longer.Take(8).Average(l => l.DFamilyCe), last = longer.TakeLast(8).Average(l => l.DFamilyCe);
        Assert.True(last < first, $"the critic's family cross-entropy did not fall: {first:F3} -> {last:F3}");

        // A family's latent is the seed's moved along the family's axis.
        var z = Latent.FromSeed(9, run.LatentSize);
        var zf = run.FamilyLatent(z, run.FamilyIndex("flute"));
        Assert.Equal(z.Values[1] + 4f, zf.Values[1]);
        Assert.Equal(z.Values[0], zf.Values[0]);
        Assert.Equal(0, run.FamilyAt(0.2));
        Assert.Equal(1, run.FamilyAt(0.7));
        var e = Assert.Throws<ArgumentException>(() => run.FamilyIndex("guitar"));
        Assert.Contains("brass, flute", e.Message);

        // A plain run, resumed with family conditioning switched on in its config.json.
        string c = Path.Combine(root, "c");
        using (var plain = new GansynthTrainer(Options(data, c, 4))) plain.Train();
        var edited = GansynthConfig.Load(Path.Combine(c, GansynthModel.ConfigFile)) with { FamilyOffset = 4f };
        edited.Save(Path.Combine(c, GansynthModel.ConfigFile));
        var messages = new List<string>();
        using (var on = new GansynthTrainer(Options(data, c, 6), messages.Add))
        {
            Assert.Equal(4, on.Step);
            Assert.NotNull(on.Fc);
            Assert.Equal(2, on.Config.FamilyCount);
            on.Train();
        }
        Assert.Contains(messages, m => m.Contains("family critic") || m.Contains("family classifier"));
        Assert.True(File.Exists(Path.Combine(c, "checkpoint", "family_critic.safetensors")));
    }

    /// Timbre codes: every training instrument gets a code the generator learns to play its notes from (the distance
    /// falls), the codes are written into the run's config at norm sqrt(latent_size), the run resumes exactly, and the
    /// prior draws a code plus code_sigma noise, deterministically per seed.
    [Fact]
    public void TimbreCodesTrainAndResumeExactly()
    {
        using var temp = new TempRun("codes", oneThread: true);
        string root = temp.Dir;
        string data = TinyNotes.Make(Path.Combine(root, "data"), [60, 62, 64], [50, 100], [("flute", 1), ("brass", 8)]);
        var cfg = Tiny() with { CodeWeight = 10f, CodeSigma = 0.25f };
        var losses = TrainStraightAndResumed(data, root, cfg);
        Assert.All(losses, l => Assert.True(float.IsFinite(l.CodeDistance) && l.CodeDistance > 0, $"code distance {l.CodeDistance} at step {l.Step}"));
        var run = GansynthConfig.Load(Path.Combine(root, "a", GansynthModel.ConfigFile));
        Assert.Equal(["synth_test_000", "synth_test_001"], run.CodeNames);
        foreach (var c in run.Codes) Assert.Equal(Math.Sqrt(run.LatentSize), Math.Sqrt(c.Sum(x => (double)x * x)), 4);
        var (a, _) = WeightsFile.Read(Path.Combine(root, "a", "checkpoint", "timbre_codes.safetensors"));
        var (b, _) = WeightsFile.Read(Path.Combine(root, "b", "checkpoint", "timbre_codes.safetensors"));
        Assert.Equal(a.Single().Value.Data, b.Single().Value.Data);

        // The generator and the codes learn to play the real notes.
        var longer = new List<GansynthLosses>();
        using (var t = new GansynthTrainer(Options(data, Path.Combine(root, "long"), 40, cfg))) t.Train(longer.Add);
        double first = longer.Take(8).Average(l => l.CodeDistance), last = longer.TakeLast(8).Average(l => l.CodeDistance);
        Assert.True(last < first, $"the code distance did not fall: {first:F3} -> {last:F3}");

        // The prior: the same seed, the same timbre; a code plus sigma times the seed's Gaussian; every code is reached.
        var reached = new HashSet<int>();
        for (long seed = 1; seed <= 16; seed++)
        {
            var z = run.PriorLatent(seed);
            Assert.Equal(z.Values.ToArray(), run.PriorLatent(seed).Values.ToArray());
            var noise = Latent.FromSeed(seed, run.LatentSize);
            int k = Enumerable.Range(0, 2).Single(k => run.Prior.Code(k, noise).Values.SequenceEqual(z.Values));
            reached.Add(k);
        }
        Assert.Equal(2, reached.Count);
        var plain = Tiny();
        Assert.Equal(Latent.FromSeed(5, plain.LatentSize).Values.ToArray(), plain.PriorLatent(5).Values.ToArray());

        // A regression phase (code_only, no critic) resumed with Adam momentum from the run's config: the betas are the
        // config's after a resume (the weights differ from the same phase without momentum), and the critic is untouched.
        // "atk" is m9 with the attack frames weighted: it reports the same plain distance before its first step and
        // then learns differently.
        string[] phase = ["m0", "m9", "atk"];
        var firstDistance = new Dictionary<string, float>();
        foreach (var dir in phase)
        {
            string d = Path.Combine(root, dir);
            CopyDir(Path.Combine(root, "a"), d);
            float beta1 = dir == "m0" ? 0f : 0.9f;
            var edited = GansynthConfig.Load(Path.Combine(d, GansynthModel.ConfigFile)) with { CodeOnly = true, AdamBeta1 = beta1 };
            if (dir == "atk") edited = edited with { AttackFrames = 2, AttackWeight = 3 };
            edited.Save(Path.Combine(d, GansynthModel.ConfigFile));
            var regression = new List<GansynthLosses>();
            using (var t = new GansynthTrainer(Options(data, d, 9, cfg))) t.Train(regression.Add);
            Assert.All(regression, l => Assert.True(l.DLoss == 0 && l.CodeDistance > 0));
            firstDistance[dir] = regression[0].CodeDistance;
        }
        Assert.Equal(firstDistance["m9"], firstDistance["atk"], 6);
        var (ga, _) = WeightsFile.Read(Path.Combine(root, "atk", "checkpoint", "generator.safetensors"));
        var (gm, _) = WeightsFile.Read(Path.Combine(root, "m9", "checkpoint", "generator.safetensors"));
        Assert.Contains(ga.Keys, k => !ga[k].Data.SequenceEqual(gm[k].Data));
        Assert.Equal([4f, 4f, 1f], GansynthTrainer.AttackWeights(Tiny() with { AttackFrames = 2, AttackWeight = 3 }).data<float>().ToArray()[..3]);
        Assert.Throws<ArgumentException>(() => (Tiny() with { AttackFrames = 2, AttackWeight = -1 }).Validate());
        var (g0, _) = WeightsFile.Read(Path.Combine(root, "m0", "checkpoint", "generator.safetensors"));
        var (g9, _) = WeightsFile.Read(Path.Combine(root, "m9", "checkpoint", "generator.safetensors"));
        Assert.Contains(g0.Keys, k => !g0[k].Data.SequenceEqual(g9[k].Data));
        var (d0, _) = WeightsFile.Read(Path.Combine(root, "a", "checkpoint", "discriminator.safetensors"));
        var (d9, _) = WeightsFile.Read(Path.Combine(root, "m9", "checkpoint", "discriminator.safetensors"));
        Assert.All(d0.Keys, k => Assert.Equal(d0[k].Data, d9[k].Data));

        // A config whose codes do not match their names, or the data's instruments, is refused by name.
        var bad = run with { CodeNames = ["synth_test_000"] };
        Assert.Contains("code_names", Assert.Throws<ArgumentException>(() => bad.Validate()).Message);
        var other = run with { CodeNames = ["x", "y"] };
        Assert.Contains("the run's codes are for the instruments x, y", Assert.Throws<ArgumentException>(() => new GansynthTrainer(Options(data, Path.Combine(root, "other"), 2, other))).Message);
    }

    /// Data with instruments the run has not seen (a SoundFont more): the run's codes stay, by name, the new
    /// instruments get codes of their own at the same norm, and Added names them (LoadCheckpoint then keeps the
    /// config's codes and starts the codes' Adam afresh).
    [Fact]
    public void TimbreCodes_GrowWithTheData_KeepingTheRunsOwn()
    {
        var cfg = Tiny() with { CodeWeight = 10f, CodeSigma = 0.25f };
        manual_seed(1);
        using var first = new TimbreCodes(cfg, ["brass_x_000", "flute_x_001"]);
        var run = cfg with { Codes = first.ToArrays(), CodeNames = first.Names };
        manual_seed(2);
        using var grown = new TimbreCodes(run, ["bass_x_3000", "brass_x_000", "flute_x_001"]);
        Assert.Equal(["bass_x_3000"], grown.Added);
        var codes = grown.ToArrays();
        for (int k = 0; k < 2; k++)
            for (int j = 0; j < cfg.LatentSize; j++) Assert.Equal(run.Codes[k][j], codes[k + 1][j], 4);
        Assert.Equal(Math.Sqrt(cfg.LatentSize), Math.Sqrt(codes[0].Sum(x => (double)x * x)), 4);
        Assert.Empty(new TimbreCodes(run, run.CodeNames).Added);
        Assert.Contains("lacks flute_x_001", Assert.Throws<ArgumentException>(() => new TimbreCodes(run, ["brass_x_000"])).Message);
    }

    /// Widening a trained run's stages keeps what both networks compute (without the symmetry noise: to float
    /// rounding; with it: nearly), also with FiLM layers (config modulation, given non-zero weights here so a wrong
    /// tiling of their scale and shift halves shows), and `--widen` on the run resumes at its step with the wider
    /// config and trains on.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WideningPreservesBothNetworksAndTrainsOn(bool modulated)
    {
        using var temp = new TempRun("widen", oneThread: true);
        string root = temp.Dir;
        string data = TinyNotes.Make(Path.Combine(root, "data"), [60, 62, 64], [50, 100]);
        string run = Path.Combine(root, "run");
        using (var t = new GansynthTrainer(Options(data, run, 4, Tiny() with { Modulation = modulated }))) t.Train();
        var narrow = GansynthConfig.Load(Path.Combine(run, GansynthModel.ConfigFile));
        int[] wide = [16, 16, 8];
        if (modulated)
        {
            using var gen = new TorchSharp.torch.Generator(11);
            foreach (var file in new[] { "generator.safetensors", "generator_ema.safetensors" })
            {
                string path = Path.Combine(run, "checkpoint", file);
                if (!File.Exists(path)) continue; // the weight average is kept only when the config asks for one
                var (tensors, meta) = WeightsFile.Read(path);
                using var scope = NewDisposeScope();
                var state = tensors.ToDictionary(kv => kv.Key, kv => kv.Key.StartsWith("mods.", StringComparison.Ordinal)
                    ? randn(kv.Value.Shape, generator: gen) * S(0.3) : tensor(kv.Value.Data, kv.Value.Shape));
                Assert.Contains(state.Keys, k => k.StartsWith("mods.", StringComparison.Ordinal));
                WeightsFile.Save(state, path, meta);
            }
        }

        manual_seed(5);
        var z = randn(3, narrow.LatentSize);
        var pitch = Conditioning.PitchOneHot(narrow, [60, 62, 64]);
        var vel = Conditioning.VelocityOneHot(narrow, [50, 100, 100]);
        var x = rand(3, 2, narrow.MelBins, narrow.Frames) * S(2) - S(1);
        (float[] G, float[] D) Outputs(GansynthConfig cfg, string dir)
        {
            using var g = new NeuralSynth.Models.Gansynth.Generator(cfg); using var d = new Discriminator(cfg);
            WeightsFile.Load(g, Path.Combine(dir, "generator.safetensors"));
            WeightsFile.Load(d, Path.Combine(dir, "discriminator.safetensors"));
            g.eval(); d.eval();
            using var _ = no_grad();
            return (g.forward(z, pitch, vel).data<float>().ToArray(), d.forward(x).data<float>().ToArray());
        }
        var before = Outputs(narrow, Path.Combine(run, "checkpoint"));

        foreach (float noise in new[] { 0f, Widening.SymmetryNoise })
        {
            string copy = Path.Combine(root, $"copy{noise}");
            Directory.CreateDirectory(copy);
            foreach (var f in Directory.GetFiles(Path.Combine(run, "checkpoint"))) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
            var grown = Widening.WidenCheckpoint(copy, narrow, wide, 1, noise);
            Assert.Equal(wide, grown.Channels);
            Assert.False(File.Exists(Path.Combine(copy, "optimizer_g.bin")));
            var after = Outputs(grown, copy);
            double gErr = before.G.Zip(after.G, (a, b) => Math.Abs(a - b)).Max(), dErr = before.D.Zip(after.D, (a, b) => Math.Abs(a - b)).Max();
            double gMean = before.G.Zip(after.G, (a, b) => Math.Abs(a - b)).Average(), dMean = before.D.Zip(after.D, (a, b) => Math.Abs(a - b)).Average();
            output.WriteLine($"noise {noise}: |G - G'| max {gErr:E2} mean {gMean:E2}, |D - D'| max {dErr:E2} mean {dMean:E2}");
            if (noise == 0) Assert.True(gErr < 1e-4 && dErr < 1e-4, $"exact widening: G differs by {gErr}, D by {dErr}");
            else
            {
                // The noise moves outputs (G in [-1, 1]) by about a percent on average: the copies part, the
                // function stays (its largest changes are in IF bands near silence, where the phase wraps).
                Assert.True(gMean > 0 && gMean < 0.02 && dMean < 0.05, $"noisy widening: G differs by {gMean} on average, D by {dMean}");
            }
        }

        var opts = Options(data, run, 6) with { Widen = wide };
        var messages = new List<string>();
        using (var t = new GansynthTrainer(opts, messages.Add))
        {
            Assert.Equal(4, t.Step);
            Assert.Equal(wide, t.Config.Channels);
            t.Train();
        }
        Assert.Contains(messages, m => m.Contains("widening"));
        using (var t = new GansynthTrainer(opts with { Steps = 7 }))
        {
            Assert.Equal(6, t.Step); // grown once: the same command resumes
            t.Train();
        }
        using var m = GansynthModel.Load(run);
        Assert.Equal(wide, m.Config.Channels);
        Assert.Throws<ArgumentException>(() => Widening.WidenCheckpoint(Path.Combine(run, "checkpoint"), m.Config, [16, 24, 8], 1));
    }

    /// A shipped losses.csv holds every phase: columns a later phase added are empty in earlier rows. Reading it (the
    /// loss plot at every checkpoint of a resumed run) gives NaN there instead of failing the run.
    [Fact]
    public void LossesOfEarlierPhasesReadWithEmptyColumns()
    {
        string csv = Path.Combine(Path.GetTempPath(), "ns-losses-" + Guid.NewGuid().ToString("N") + ".csv");
        try
        {
            File.WriteAllText(csv, "step,d,g,w,gp,dce,gce,drift,wall,mode,dfce,gfce,imle,code\n1,1,2,3,4,5,6,7,8,,,,\n2,1,2,3,4,5,6,7,8,0,0,0,0,0.05\n");
            var rows = GansynthTrainer.ReadLosses(csv);
            Assert.Equal(2, rows.Count);
            Assert.True(double.IsNaN(rows[0][9]));
            Assert.Equal(0.05, rows[1][13], 9);
        }
        finally { File.Delete(csv); }
    }

    [Fact]
    public void SaveLoadRoundTripIsExact()
    {
        using var temp = new TempRun("roundtrip");
        string dir = temp.Dir;
        manual_seed(11);
        using var m = new GansynthModel(Tiny());
        m.Save(dir);
        using var back = GansynthModel.Load(dir);
        var sa = m.Generator.state_dict(); var sb = back.Generator.state_dict();
        Assert.Equal(sa.Keys.Order(), sb.Keys.Order());
        foreach (var k in sa.Keys) Assert.Equal(sa[k].data<float>().ToArray(), sb[k].data<float>().ToArray());
        var z = new[] { Latent.FromSeed(1, 8), Latent.FromSeed(2, 8) };
        var (la, ia) = m.Generate(z, [60, 64], [50, 127]);
        var (lb, ib) = back.Generate(z, [60, 64], [50, 127]);
        Assert.Equal(la.Cast<float>(), lb.Cast<float>());
        Assert.Equal(ia.Cast<float>(), ib.Cast<float>());
        Assert.Equal(m.ModelId, back.ModelId);
    }

    [Fact]
    public void LoadingWeightsOfAnotherShapeNamesFileAndTensor()
    {
        using var temp = new TempRun("shape");
        string dir = temp.Dir;
        using (var m = new GansynthModel(Tiny())) m.Save(dir);
        // Same file, but the config now claims wider layers.
        (Tiny() with { Channels = [16, 12, 4] }).Save(Path.Combine(dir, GansynthModel.ConfigFile));
        var e = Assert.Throws<InvalidFileException>(() => GansynthModel.Load(dir));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("shape", e.Message);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(e.Message, "tensor 'convs\\.[0-9]+\\.(weight|bias)'"), e.Message);
    }

    [Fact]
    public void TruncatedWeightsFileIsRejectedClearly()
    {
        using var temp = new TempRun("trunc");
        string dir = temp.Dir;
        using (var m = new GansynthModel(Tiny())) m.Save(dir);
        string w = Path.Combine(dir, GansynthModel.WeightsFileName);
        var bytes = File.ReadAllBytes(w);
        File.WriteAllBytes(w, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<InvalidFileException>(() => GansynthModel.Load(dir));
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void SlerpKeepsTheNorm()
    {
        var a = Latent.FromSeed(5, 64);
        var braw = Latent.FromSeed(6, 64).ToArray();
        double na = Norm(a.ToArray()), nb = Norm(braw);
        var b = new Latent(braw.Select(x => (float)(x * na / nb)).ToArray());
        for (int i = 0; i <= 8; i++)
        {
            var s = Latent.Slerp(a, b, i / 8.0);
            Assert.Equal(na, Norm(s.ToArray()), 3);
        }
        static double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));
    }

    [Fact]
    public void SameLatentAtDifferentPitchesGivesDifferentOutputs()
    {
        manual_seed(4);
        using var m = new GansynthModel(Tiny());
        var z = Latent.FromSeed(9, 8);
        var (lm, _) = m.Generate([z, z, z], [60, 64, 60], [100, 100, 100]);
        double diffPitch = 0, same = 0;
        for (int i = 0; i < lm.GetLength(1); i++)
            for (int j = 0; j < lm.GetLength(2); j++)
            {
                diffPitch = Math.Max(diffPitch, Math.Abs(lm[0, i, j] - lm[1, i, j]));
                same = Math.Max(same, Math.Abs(lm[0, i, j] - lm[2, i, j]));
            }
        Assert.True(same < 1e-3, $"same inputs differ by {same} across batch positions");
        Assert.True(diffPitch > 1e-3, $"pitch conditioning has no effect ({diffPitch})");
    }

    [Fact]
    public void MelIfOfASineIsItsPhaseAdvancePerHop()
    {
        var sc = SpectralConfig.Default;
        using var ifmel = new IfMel(sc);
        double f = 440;
        var x = new float[sc.Samples];
        for (int n = 0; n < x.Length; n++) x[n] = (float)(0.5 * Math.Sin(2 * Math.PI * f * n / sc.SampleRate));
        var (lm, ifm) = ifmel.Forward(tensor(x));
        // Band with the most energy in a middle frame.
        var frame = lm[0, .., 64];
        int band = (int)frame.argmax().item<long>();
        double expected = 2 * Math.PI * f * sc.Hop / sc.SampleRate;
        expected = Math.IEEERemainder(expected, 2 * Math.PI) / Math.PI; // principal value, in [-1, 1]
        for (int t = 10; t < 120; t += 10)
            Assert.Equal(expected, ifm[0, band, t].item<float>(), 2);
    }

    [Fact]
    public void IfPathInversionReproducesTheLogMel()
    {
        var sc = SpectralConfig.Default;
        using var ifmel = new IfMel(sc);
        using var mel = new MelSpectrogram(sc);
        var x = sc.FitLength(TinyNotes.Tone(57, 100));
        using var xt = tensor(x).unsqueeze(0);
        var (lm, ifm) = ifmel.Forward(xt);
        var y = ifmel.ToWaveform(lm, ifm);
        var lmBack = mel.LogMel(y);
        // Compare where the note has energy (the floor region is identical anyway).
        var mask = lm > S(-6);
        double err = (lmBack - lm).abs().masked_select(mask).mean().item<float>();
        // Same magnitudes with random phase are the baseline the IF path must beat.
        var (_, randomIf) = (lm, torch.rand_like(ifm) * S(2) - S(1));
        var yr = ifmel.ToWaveform(lm, randomIf);
        double errRandom = (mel.LogMel(yr) - lm).abs().masked_select(mask).mean().item<float>();
        output.WriteLine($"IF-path log-mel error {err:F3} ln units, random phase {errRandom:F3}");
        Assert.True(err < 0.4, $"IF-path log-mel error {err:F3} (random phase {errRandom:F3})");
        Assert.True(err < errRandom * 0.6, $"IF-path log-mel error {err:F3} is not clearly below random phase {errRandom:F3}");
    }
}
