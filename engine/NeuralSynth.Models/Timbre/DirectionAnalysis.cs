using NeuralSynth.Models.Gansynth;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;
using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;
using Generator = NeuralSynth.Models.Gansynth.Generator;

namespace NeuralSynth.Models.Timbre;

public sealed record DirectionAnalysisOptions
{
    /// Latents sampled from the model's prior (GansynthConfig.PriorLatent(Seed + i): z ~ N(0, I), or timbre codes plus noise; for a family-conditioned model moved into family i mod families).
    public int Samples { get; init; } = 2000;
    /// Directions kept (the plugin has 8 macros).
    public int Count { get; init; } = TimbreSettings.MacroCount;
    /// Pitches the activations are taken at; one z's activations at all of them form one sample, so a direction
    /// must change the timbre consistently across the keyboard to rank high.
    public int[] Pitches { get; init; } = [48, 60, 72];
    public int Velocity { get; init; } = 90;
    public long Seed { get; init; } = 1_000_000;
    public int Batch { get; init; } = 100;
}

/// GANSpace (Harkonen et al. 2020) for our generator: PCA of the first block's output (dense layer -> conv0, after
/// LeakyReLU and pixel norm, flattened) over many z, then the PCA basis carried back to latent space by least
/// squares: with c_j the PCA coordinates of sample j, solve min_U sum_j || c_j U - z_j ||^2; row i of U is the latent
/// direction that moves component i. Directions are stored normalised with std(z . u_i) over the samples.
public static class DirectionAnalysis
{
    /// First-block activations [B, C * H * W] of z [B, latent] at one pitch and velocity (no grad).
    public static Tensor EarlyActivations(Generator g, GansynthConfig cfg, Tensor z, int pitch, int velocity)
    {
        var children = g.named_children().ToDictionary(c => c.name, c => c.module);
        if (!children.TryGetValue("input", out var inMod) || inMod is not nn.Module<Tensor, Tensor> input
            || !children.TryGetValue("conv0", out var c0Mod) || c0Mod is not nn.Module<Tensor, Tensor> conv0)
            throw new InvalidOperationException("the generator has no 'input' dense layer and 'conv0' block: this analysis follows Generator.forward's first block");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long b = z.shape[0];
        var pitches = Enumerable.Repeat(pitch, (int)b).ToArray();
        var vels = Enumerable.Repeat(velocity, (int)b).ToArray();
        var p = Conditioning.PitchOneHot(cfg, pitches);
        var v = Conditioning.VelocityOneHot(cfg, vels);
        // Same ops, same order as Generator.forward up to the end of its first block.
        var zn = PixelNorm(z);
        var cond = v is null ? cat([zn, p], 1) : cat([zn, p, v], 1);
        var x = input.forward(cond).view(-1, cfg.Channels[0], cfg.StartMels, cfg.StartFrames);
        x = PixelNorm(x.leaky_relu(S(0.2)));
        x = PixelNorm(conv0.forward(x).leaky_relu(S(0.2)));
        return x.reshape(b, -1).MoveToOuterDisposeScope();
    }

    static Tensor PixelNorm(Tensor x) => x * Add(x.pow(S(2)).mean([1L], keepdim: true), 1e-8).rsqrt();

    public static TimbreDirections Compute(GansynthModel model, DirectionAnalysisOptions o, Action<double>? progress = null) =>
        Compute(model.Generator, model.Config, model.ModelId, o, progress);

    public static TimbreDirections Compute(Generator generator, GansynthConfig config, string modelId, DirectionAnalysisOptions o, Action<double>? progress = null)
    {
        int n = o.Samples, latent = config.LatentSize;
        if (n < 2 * o.Count || n < 16) throw new ArgumentException($"--samples {n} is too few for {o.Count} directions (need at least max(16, 2 x count))");
        if (o.Count < 1) throw new ArgumentException("--count must be >= 1");
        foreach (int pitch in o.Pitches) config.PitchIndex(pitch); // range check with a clear message
        using var scope = NewDisposeScope();

        var zAll = new float[n * latent];
        for (int i = 0; i < n; i++)
        {
            // A family-conditioned model is analysed where it is played: every family's region in turn.
            var zi = config.PriorLatent(o.Seed + i); // the model's prior: its timbre codes, if it has them
            if (config.FamilyCount > 0) zi = config.FamilyLatent(zi, i % config.FamilyCount);
            zi.Values.CopyTo(zAll.AsSpan(i * latent));
        }
        var z = tensor(zAll, [n, latent]);

        // Activations [n, D] with D = pitches x first-block size, built batch by batch.
        var rows = new List<Tensor>();
        int done = 0, total = n * o.Pitches.Length;
        for (int s = 0; s < n; s += o.Batch)
        {
            int e = Math.Min(n, s + o.Batch);
            var zb = z[s..e];
            var parts = new List<Tensor>();
            foreach (int pitch in o.Pitches)
            {
                parts.Add(EarlyActivations(generator, config, zb, pitch, o.Velocity));
                done += e - s;
                progress?.Invoke(0.8 * done / total);
            }
            rows.Add(cat(parts, 1));
        }
        var act = cat(rows, 0);                                   // [n, D]
        var centered = act - act.mean([0L], keepdim: true);

        // Top-k PCA by randomized subspace iteration (Halko et al.): only k directions are needed out of a
        // n x D matrix, so this costs a few n x D x (k + 10) products instead of a full SVD or eigendecomposition.
        int k = Math.Min(o.Count, n - 1);
        var x = centered.to(ScalarType.Float64);
        var (coords, variance) = TopPrincipalComponents(x, k, o.Seed);
        progress?.Invoke(0.95);
        double totalVar = x.pow(S(2)).sum().item<double>();

        // Least squares coords @ U = z  ->  U [k, latent] (GANSpace's transfer of the basis to latent space).
        var basis = linalg.lstsq(coords.to(ScalarType.Float64), z.to(ScalarType.Float64)).Solution.to(ScalarType.Float32); // [k, latent]
        var dirs = new List<float[]>();
        var stds = new List<double>();
        var explained = new List<double>();
        for (int i = 0; i < k; i++)
        {
            var d = basis[i];
            d = d / d.norm();
            // Sign convention: a positive macro increases the component's coordinate (cov(z . u, c_i) > 0).
            var proj = z.matmul(d);
            if ((proj * coords[.., i]).sum().item<float>() < 0) { d = -d; proj = -proj; }
            dirs.Add(d.contiguous().data<float>().ToArray());
            stds.Add(proj.std().item<float>());
            explained.Add(variance[i] / totalVar);
        }
        progress?.Invoke(1.0);
        string source = $"GANSpace: PCA of first-block activations ({act.shape[1]} values = {o.Pitches.Length} pitches [{string.Join(",", o.Pitches)}] x {act.shape[1] / o.Pitches.Length}) " +
                        $"over {n} latents (seeds {o.Seed}..{o.Seed + n - 1}), velocity {o.Velocity}, regressed onto z";
        return new TimbreDirections(latent, dirs, stds, explained, modelId, source, config.FamilyCount);
    }

    /// PCA coordinates [n, k] (float32) and the variance (sum of squares) along each of the top k components of
    /// the centered data x [n, D] (float64), by randomized range finding with 6 power iterations.
    public static (Tensor Coords, double[] Variance) TopPrincipalComponents(Tensor x, int k, long seed)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], d = x.shape[1];
        int l = (int)Math.Min(Math.Min(k + 10, n), d);
        using var gen = new torch.Generator((ulong)seed);
        var omega = randn(new long[] { d, l }, dtype: ScalarType.Float64, generator: gen);
        var q = linalg.qr(x.matmul(omega)).Q;                    // [n, l]
        for (int it = 0; it < 6; it++)
        {
            q = linalg.qr(x.t().matmul(q)).Q;                   // [D, l]
            q = linalg.qr(x.matmul(q)).Q;                       // [n, l]
        }
        var b = q.t().matmul(x);                                 // [l, D]
        var (ub, sb, _) = linalg.svd(b, fullMatrices: false);    // b = ub sb vb^T; x ~ q ub sb vb^T
        var coords = q.matmul(ub[.., ..k]) * sb[..k];            // x vb_k = q ub_k sb_k
        var variance = sb[..k].pow(S(2)).data<double>().ToArray();
        return (coords.to(ScalarType.Float32).MoveToOuterDisposeScope(), variance);
    }
}
