using NeuralSynth.Models.Gansynth;
using NeuralSynth.Realtime;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Tests.Gansynth;

/// The torch-free C# generator graph against the torch Generator it mirrors, on the same weights.
public class GeneratorGraphTests : IDisposable
{
    readonly string dir = Path.Combine(Path.GetTempPath(), "ns-graph-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { if (Directory.Exists(dir)) Directory.Delete(dir, true); }

    static GansynthConfig Config(string head, bool odd, bool modulation = false, int mapping = 0, bool filter = false, int envelope = 0) => (odd
        // (modulation: FiLM after every convolution; mapping: the conditioning's MLP; filter: the head's third plane;
        // envelope: the envelope head's MLP)
        // Widths 10 and 20 (not a multiple of the vector lanes) and 6 output channels (not a multiple of the
        // 4-channel register block): the kernels' tails.
        ? new GansynthConfig { Head = head, LatentSize = 8, MinPitch = 48, MaxPitch = 60, Velocities = [], Channels = [12, 6], ConvsPerStage = 2,
                  Spectral = NeuralSynth.Models.Audio.SpectralConfig.Default with { Frames = 20, NMels = 16 }, LogMagMax = 1.5f }
        : new GansynthConfig { Head = head, LatentSize = 16, MinPitch = 40, MaxPitch = 71, Velocities = [50, 127], Channels = [32, 16, 8], ConvsPerStage = 1, LogMagMax = 1.5f }) with { Modulation = modulation, MappingLayers = mapping, Filter = filter, EnvelopeLayers = envelope };

    [Theory]
    [InlineData(GansynthConfig.HeadHarmonic, false)]
    [InlineData(GansynthConfig.HeadIfMel, false)]
    [InlineData(GansynthConfig.HeadHarmonic, true)]
    [InlineData(GansynthConfig.HeadHarmonic, false, true)]
    [InlineData(GansynthConfig.HeadHarmonic, true, true)]
    [InlineData(GansynthConfig.HeadHarmonic, false, true, 2, true)]
    [InlineData(GansynthConfig.HeadHarmonic, true, false, 1, true)]
    [InlineData(GansynthConfig.HeadIfMel, false, false, 3)]
    [InlineData(GansynthConfig.HeadHarmonic, false, true, 0, true, 2)]
    [InlineData(GansynthConfig.HeadHarmonic, true, false, 2, false, 1)]
    public void GraphMatchesTorchToOneTenThousandth(string head, bool odd, bool modulation = false, int mapping = 0, bool filter = false, int envelope = 0)
    {
        var cfg = Config(head, odd, modulation, mapping, filter, envelope);
        using (var model = new GansynthModel(cfg))
        {
            using var rng = new TorchSharp.torch.Generator(5);
            using (no_grad())
                foreach (var p in model.Generator.parameters()) { using var r = randn(p.shape, generator: rng); using var v = r * S(0.5f); p.copy_(v); } // biases too: exercise every term; temporaries held (see TorchScalars)
            model.Save(dir);
        }
        using var torchModel = GansynthModel.Load(dir);
        var graph = GansynthModel.LoadGraph(dir);
        foreach (var (seed, pitch, velocity) in new[] { (1L, cfg.MinPitch, 50), (2L, (cfg.MinPitch + cfg.MaxPitch) / 2, 127), (3L, cfg.MaxPitch, 90) })
        {
            var z = Latent.FromSeed(seed, cfg.LatentSize);
            var (lm, ifm) = torchModel.Generate([z], [pitch], [velocity]);
            var (glm, gif) = graph.Forward(z.Values, cfg.PitchIndex(pitch), cfg.VelocityIndex(velocity));
            int mels = cfg.MelBins, frames = cfg.Frames;
            double maxLm = 0, maxIf = 0;
            for (int m = 0; m < mels; m++)
                for (int t = 0; t < frames; t++)
                {
                    maxLm = Math.Max(maxLm, Math.Abs(lm[0, m, t] - glm[m * frames + t]));
                    double d = Math.Abs(ifm[0, m, t] - gif[m * frames + t]);
                    maxIf = Math.Max(maxIf, Math.Min(d, 2 - d)); // IF wraps at +-1
                }
            Assert.True(maxLm < 1e-4, $"{head}, pitch {pitch}: log-mel differs by {maxLm:E2}");
            Assert.True(maxIf < 1e-4, $"{head}, pitch {pitch}: IF differs by {maxIf:E2}");
        }
    }
    /// Modulation, the mapping network and the filter plane turned on in a trained checkpoint (GansynthTrainer at a
    /// resume) start as the identity: the generator and its weight average play exactly as before, and G's Adam state
    /// (for the old parameters) is gone.
    [Fact]
    public void PartsAddedToACheckpointPlayAsBefore()
    {
        var cfg = Config(GansynthConfig.HeadHarmonic, false);
        Directory.CreateDirectory(dir);
        using var before = new GansynthModel(cfg);
        using var rng = new TorchSharp.torch.Generator(9);
        using (no_grad())
            foreach (var p in before.Generator.parameters()) { using var r = randn(p.shape, generator: rng); using var v = r * S(0.5f); p.copy_(v); }
        WeightsFile.Save(before.Generator, Path.Combine(dir, "generator.safetensors"));
        WeightsFile.Save(before.Generator, Path.Combine(dir, "generator_ema.safetensors"));
        File.WriteAllText(Path.Combine(dir, "optimizer_g.bin"), "stale");
        var modulated = cfg with { Modulation = true, MappingLayers = 2, Filter = true, EnvelopeLayers = 2 };
        Assert.Equal(["envelope", "filter", "mapping", "modulation"], NeuralSynth.Models.Gansynth.Generator.ExtendCheckpoint(dir, modulated, 1));
        Assert.False(File.Exists(Path.Combine(dir, "optimizer_g.bin")));
        Assert.Empty(NeuralSynth.Models.Gansynth.Generator.ExtendCheckpoint(dir, modulated, 1)); // once
        using var after = new GansynthModel(modulated);
        WeightsFile.Load(after.Generator, Path.Combine(dir, "generator_ema.safetensors"));
        var z = new[] { Latent.FromSeed(3, cfg.LatentSize), Latent.FromSeed(4, cfg.LatentSize) };
        var (a, _) = before.Generate(z, [cfg.MinPitch, cfg.MaxPitch], [50, 127]);
        var (b, _) = after.Generate(z, [cfg.MinPitch, cfg.MaxPitch], [50, 127]);
        Assert.Equal(a.Cast<float>(), b.Cast<float>());
    }
}
