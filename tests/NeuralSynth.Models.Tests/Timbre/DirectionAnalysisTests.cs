using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Timbre;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;
using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;
using Generator = NeuralSynth.Models.Gansynth.Generator;

namespace NeuralSynth.Models.Tests.Timbre;

public class DirectionAnalysisTests
{
    internal static GansynthConfig TinyConfig() => new()
    {
        LatentSize = 16, MinPitch = 48, MaxPitch = 59, Velocities = [90],
        Spectral = SpectralConfig.Default with { Frames = 16, NMels = 16 },
        Channels = [16, 8],
    };

    /// A tiny generator whose weights come from its own RNG: the global torch RNG is shared with test classes
    /// running in parallel, so seeding it would not make these tests repeatable.
    internal static Generator TinyGenerator(GansynthConfig cfg, ulong seed)
    {
        var g = new Generator(cfg);
        using var rng = new torch.Generator(seed);
        using (no_grad())
            foreach (var p in g.parameters())
                if (p.dim() > 1) { using var r = randn(p.shape, generator: rng); p.copy_(r); }
        g.eval();
        return g;
    }

    [Fact]
    public void RandomizedPcaMatchesTheFullSvd()
    {
        using var rng = new torch.Generator(1);
        // Data with a clear spectrum: 5 strong directions plus noise.
        var basis = linalg.qr(randn([300, 5], dtype: ScalarType.Float64, generator: rng)).Q.t();        // [5, 300]
        var scales = tensor(new double[] { 10, 7, 5, 3, 2 });
        var x = Add((randn([400, 5], dtype: ScalarType.Float64, generator: rng) * scales).matmul(basis), S(0.05) * randn([400, 300], dtype: ScalarType.Float64, generator: rng));
        x = x - x.mean([0L], keepdim: true);
        var (coords, variance) = DirectionAnalysis.TopPrincipalComponents(x, 4, 7);
        var s = linalg.svdvals(x);
        for (int i = 0; i < 4; i++) Assert.Equal(s[i].item<double>() * s[i].item<double>(), variance[i], 1e-6 * variance[0]);
        // Coordinates are the data projected on the components: their squared norms are the variances.
        for (int i = 0; i < 4; i++) Assert.Equal(variance[i], coords[.., i].to(ScalarType.Float64).pow(S(2)).sum().item<double>(), 1e-3 * variance[i]);
    }

    [Fact]
    public void DirectionsAreUnitDeterministicAndOrderedByVariance()
    {
        var cfg = TinyConfig();
        using var g = TinyGenerator(cfg, 3);
        var o = new DirectionAnalysisOptions { Samples = 256, Count = 8, Pitches = [50, 55], Batch = 64 };
        var d1 = DirectionAnalysis.Compute(g, cfg, "tiny", o);
        var d2 = DirectionAnalysis.Compute(g, cfg, "tiny", o);
        Assert.Equal(8, d1.Count);
        Assert.Equal(16, d1.LatentSize);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(d1.Directions[i], d2.Directions[i]);
            Assert.Equal(1.0, Math.Sqrt(d1.Directions[i].Sum(v => (double)v * v)), 5);
            Assert.InRange(d1.Std[i], 0.6, 1.4); // z . u of a Gaussian z with unit u
            if (i > 0) Assert.True(d1.ExplainedVariance[i] <= d1.ExplainedVariance[i - 1] + 1e-9);
        }
        Assert.True(d1.ExplainedVariance.Sum() is > 0 and <= 1);
    }

    [Fact]
    public void TheFirstDirectionMovesTheTopComponentMoreThanRandomDirections()
    {
        // GANSpace's claim, checked directly: stepping z along u_1 moves the activations along their top principal
        // component (computed here independently, from a fresh sample) more than stepping along random directions.
        var cfg = TinyConfig();
        using var g = TinyGenerator(cfg, 5);
        var dirs = DirectionAnalysis.Compute(g, cfg, "tiny", new DirectionAnalysisOptions { Samples = 512, Count = 4, Pitches = [54] });
        var z = tensor(Enumerable.Range(0, 400).SelectMany(i => Latent.FromSeed(9000 + i, 16).ToArray()).ToArray(), [400, 16]);
        var act = DirectionAnalysis.EarlyActivations(g, cfg, z, 54, 90).to(ScalarType.Float64);
        var mean = act.mean([0L], keepdim: true);
        var (_, _, vh) = linalg.svd(act - mean, fullMatrices: false);
        var pc1 = vh[0];
        double Move(float[] u)
        {
            var step = tensor(u, [1, 16]) * S(1.0f);
            var a0 = DirectionAnalysis.EarlyActivations(g, cfg, z, 54, 90).to(ScalarType.Float64);
            var a1 = DirectionAnalysis.EarlyActivations(g, cfg, Add(z, step), 54, 90).to(ScalarType.Float64);
            return (a1 - a0).matmul(pc1).abs().mean().item<double>();
        }
        double along = Move(dirs.Directions[0]);
        var randomMoves = Enumerable.Range(0, 8).Select(i =>
        {
            var r = Latent.FromSeed(777 + i, 16).ToArray();
            double n = Math.Sqrt(r.Sum(v => (double)v * v));
            return Move(r.Select(v => (float)(v / n)).ToArray());
        }).ToArray();
        Assert.True(along > 1.5 * randomMoves.Average(), $"u1 moves PC1 by {along:F4}, random directions by {randomMoves.Average():F4} on average");
    }
}
