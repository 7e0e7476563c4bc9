using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Timbre;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;
using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;
using Generator = NeuralSynth.Models.Gansynth.Generator;

namespace NeuralSynth.Models.Tests.Timbre;

public class InversionTests
{
    [Fact]
    public void SpectralDistanceIsZeroForIdenticalAndGrowsWithDifference()
    {
        using var rng = new torch.Generator(2); // held: an unreachable generator may be finalized while randn reads it
        var a = randn([2, 16, 32], generator: rng) - S(3);
        Assert.All(SpectralDistance.PerItem(a, a).data<float>().ToArray(), d => Assert.Equal(0f, d, 6));
        var near = SpectralDistance.PerItem(Add(a, 0.05f), a).data<float>().ToArray();
        var far = SpectralDistance.PerItem(Add(a, 0.5f), a).data<float>().ToArray();
        for (int i = 0; i < 2; i++) { Assert.True(near[i] > 0); Assert.True(far[i] > 5 * near[i]); }
        Assert.Throws<ArgumentException>(() => SpectralDistance.PerItem(a, zeros(2, 16, 16)));
    }

    [Fact]
    public void InversionRecoversAGeneratedNotesTimbre()
    {
        var cfg = DirectionAnalysisTests.TinyConfig();
        using var g = DirectionAnalysisTests.TinyGenerator(cfg, 11);
        var zTrue = TimbreControls.ToShell(Latent.FromSeed(4242, cfg.LatentSize));
        Tensor target;
        using (no_grad()) target = LatentInversion.GenerateLogMel(g, cfg, tensor(zTrue.ToArray(), [1, cfg.LatentSize]), 52, [90]);
        var result = LatentInversion.Invert(g, cfg, target, 52, new InversionOptions { Restarts = 3, Steps = 80, Candidates = 16, LearningRate = 0.05 });
        Assert.Equal(3, result.Restarts.Count);
        var best = result.Best;
        Assert.True(best.Loss <= best.InitialLoss);
        Assert.True(best.Loss < 0.7 * result.Restarts.Max(c => c.InitialLoss), $"loss {best.Loss} from {best.InitialLoss}");
        // Results are sorted and on the shell; the generator is left trainable as it was.
        Assert.True(result.Restarts.Zip(result.Restarts.Skip(1)).All(p => p.First.Loss <= p.Second.Loss));
        Assert.Equal(Math.Sqrt(cfg.LatentSize), Math.Sqrt(best.Z.ToArray().Sum(v => (double)v * v)), 3);
        Assert.All(g.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void InversionIsDeterministic()
    {
        var cfg = DirectionAnalysisTests.TinyConfig();
        using var g = DirectionAnalysisTests.TinyGenerator(cfg, 12);
        var target = LatentInversion.GenerateLogMel(g, cfg, tensor(Latent.FromSeed(5, cfg.LatentSize).ToArray(), [1, cfg.LatentSize]), 50, [90]).detach();
        var o = new InversionOptions { Restarts = 2, Steps = 10, Candidates = 8 };
        var a = LatentInversion.Invert(g, cfg, target, 50, o);
        var b = LatentInversion.Invert(g, cfg, target, 50, o);
        Assert.Equal(a.Best.Z, b.Best.Z);
    }

    [Fact]
    public void MorphSweepPointsRunCornerToCorner()
    {
        var preset = new Preset { Name = "s", Model = "m", Corners = [CornerSpec.FromSeed(1), CornerSpec.FromSeed(2), CornerSpec.FromSeed(3), CornerSpec.FromSeed(4)], X = 0.2, Y = 0.7 };
        var pts = MorphSweep.Points(preset, LatentPrior.Gaussian(16), null, SweepPath.Diagonal, 16);
        Assert.Equal(17, pts.Length);
        Assert.Equal(TimbreControls.ToShell(Latent.FromSeed(1, 16)), pts[0]);
        Assert.Equal(TimbreControls.ToShell(Latent.FromSeed(4, 16)), pts[^1]);
        var x = MorphSweep.Points(preset, LatentPrior.Gaussian(16), null, SweepPath.X, 4);
        Assert.Equal((preset with { X = 0.25 }).ToLatent(LatentPrior.Gaussian(16), null), MorphSweep.Points(preset with { X = 0.25 }, LatentPrior.Gaussian(16), null, SweepPath.Y, 10)[7]); // y = 0.7 on the Y sweep
        Assert.Equal(5, x.Length);
    }

    [Fact]
    public void ResamplingKeepsFrequencyAndDuration()
    {
        int from = 44100, to = 16000;
        var x = Enumerable.Range(0, from).Select(i => (float)Math.Sin(2 * Math.PI * 1000 * i / from)).ToArray();
        var y = NeuralSynth.Realtime.Resampler.Offline(x, from, to);
        Assert.InRange(y.Length, to - 2, to + 1);
        // Zero crossings over the middle half: 1000 Hz -> 2 per ms.
        int crossings = 0;
        for (int i = to / 4 + 1; i < 3 * to / 4; i++) if (Math.Sign(y[i]) != Math.Sign(y[i - 1])) crossings++;
        Assert.InRange(crossings, 995, 1005);
        Assert.InRange(y.Skip(to / 4).Take(to / 2).Max(), 0.97f, 1.03f);
    }
}
