using NeuralSynth.Models.Gansynth;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;
using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;
using Generator = NeuralSynth.Models.Gansynth.Generator;

namespace NeuralSynth.Models.Timbre;

public sealed record InversionOptions
{
    /// Independent descents; the best is kept (and the others become the preset's other morph corners).
    public int Restarts { get; init; } = 4;
    public int Steps { get; init; } = 200;
    public double LearningRate { get; init; } = 0.05;
    /// Random latents screened (at every velocity layer tried) to pick the restarts' starting points.
    public int Candidates { get; init; } = 64;
    public long Seed { get; init; } = 1;
    /// MIDI velocity to condition on; null = try every velocity layer of the model and keep the best.
    public int? Velocity { get; init; }
}

/// One restart's outcome.
public sealed record InversionCandidate(Latent Z, int Velocity, double InitialLoss, double Loss);

public sealed record InversionResult(int Pitch, IReadOnlyList<InversionCandidate> Restarts)
{
    /// The best restart (lowest loss).
    public InversionCandidate Best => Restarts[0];
}

/// Timbre capture: finds z whose note at a given pitch best matches a recording, by gradient descent on z through
/// the frozen generator with the multi-resolution log-mel loss (SpectralDistance). Starting points are the best of
/// many random latents (screened without gradients), each restart then runs Adam on z, projected back onto the
/// sqrt(size) shell after every step (G pixel-normalises z, so only the direction matters and a fixed norm keeps
/// Adam's step size meaningful). The best point seen along each trajectory is kept.
public static class LatentInversion
{
    public static InversionResult Invert(GansynthModel model, Tensor targetLogMel, int pitch, InversionOptions o, Action<double>? progress = null) =>
        Invert(model.Generator, model.Config, targetLogMel, pitch, o, progress);

    /// targetLogMel: [n_mels, frames] or [1, n_mels, frames] in ln units (MelSpectrogram.LogMel of the recording).
    public static InversionResult Invert(Generator g, GansynthConfig cfg, Tensor targetLogMel, int pitch, InversionOptions o, Action<double>? progress = null)
    {
        if (o.Restarts < 1) throw new ArgumentException("--restarts must be >= 1");
        if (o.Steps < 0) throw new ArgumentException("--steps must be >= 0");
        cfg.PitchIndex(pitch);
        using var scope = NewDisposeScope();
        var target = targetLogMel.dim() == 2 ? targetLogMel.unsqueeze(0) : targetLogMel;
        if (target.shape[1] != cfg.MelBins || target.shape[2] != cfg.Frames)
            throw new ArgumentException($"target log-mel is [{target.shape[1]}, {target.shape[2]}], the model makes [{cfg.MelBins}, {cfg.Frames}]");
        target = target.detach();
        int latent = cfg.LatentSize;
        int[] velocities = o.Velocity is int v ? [v] : cfg.Velocities.Length > 0 ? cfg.Velocities : [90];

        // Freeze G for the duration (no parameter gradients), restore afterwards.
        var parameters = g.parameters().ToList();
        var wasTrainable = parameters.Select(p => p.requires_grad).ToArray();
        foreach (var p in parameters) p.requires_grad = false;
        bool wasTraining = g.training;
        g.eval();
        try
        {
            // 1. Screen random candidates (every velocity layer) without gradients.
            var screened = new List<(Latent Z, int Velocity, double Loss)>();
            int total = Math.Max(1, o.Candidates) * velocities.Length, done = 0;
            const int batch = 16;
            var cands = Enumerable.Range(0, Math.Max(1, o.Candidates)).Select(i => TimbreControls.ToShell(cfg.PriorLatent(o.Seed * 100_003 + i))).ToArray();
            foreach (int vel in velocities)
            {
                for (int s = 0; s < cands.Length; s += batch)
                {
                    var zs = cands.Skip(s).Take(batch).ToArray();
                    var loss = Loss(g, cfg, Stack(zs, latent), pitch, vel, target, grad: false);
                    var l = loss.data<float>().ToArray();
                    for (int i = 0; i < zs.Length; i++) screened.Add((zs[i], vel, l[i]));
                    done += zs.Length;
                    progress?.Invoke(0.2 * done / total);
                }
            }
            var starts = screened.OrderBy(c => c.Loss).Take(o.Restarts).ToList();
            int r = starts.Count;

            // 2. Adam on the restarts together (independent items of one batch: the summed loss gives each its own gradient).
            var vels = starts.Select(c => c.Velocity).ToArray();
            var z = Stack(starts.Select(c => c.Z).ToArray(), latent).requires_grad_(true);
            // Adam by hand on the one tensor we optimise: its moments live outside the per-step dispose scopes.
            var m1 = zeros_like(z);
            var m2 = zeros_like(z);
            const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
            var best = starts.Select(c => c.Loss).ToArray();
            var bestZ = starts.Select(c => c.Z).ToArray();
            double radius = Math.Sqrt(latent);
            using var learningRate = o.LearningRate.ToScalar(); // an option of this call: held, not a cached constant (see TorchScalars)
            for (int step = 0; step <= o.Steps; step++)
            {
                using var stepScope = NewDisposeScope();
                if (z.grad is { } old) old.zero_();
                var loss = LossPerVelocity(g, cfg, z, pitch, vels, target);
                var l = loss.detach().data<float>().ToArray();
                var zNow = z.detach().data<float>().ToArray();
                for (int i = 0; i < r; i++)
                    if (l[i] < best[i]) { best[i] = l[i]; bestZ[i] = new Latent(zNow.AsSpan(i * latent, latent)); }
                if (step == o.Steps) break;
                loss.sum().backward();
                using (no_grad())
                {
                    var grad = z.grad!;
                    m1.mul_(S(beta1)).add_(grad, alpha: S(1 - beta1));
                    m2.mul_(S(beta2)).addcmul_(grad, grad, value: S(1 - beta2));
                    double c1 = 1 - Math.Pow(beta1, step + 1), c2 = 1 - Math.Pow(beta2, step + 1);
                    // The bias corrections change every step: Scalars held for the step, not cached constants.
                    using var correction1 = c1.ToScalar();
                    using var correction2 = c2.ToScalar();
                    var update = (m1 / correction1) / Add((m2 / correction2).sqrt(), eps);
                    z.sub_(update * learningRate);
                    var norm = z.norm(1, keepdim: true).clamp_min(S(1e-8));
                    z.mul_(Rdiv(radius, norm));
                }
                progress?.Invoke(0.2 + 0.8 * (step + 1) / o.Steps);
            }
            var results = Enumerable.Range(0, r)
                .Select(i => new InversionCandidate(TimbreControls.ToShell(bestZ[i]), vels[i], starts[i].Loss, best[i]))
                .OrderBy(c => c.Loss).ToList();
            progress?.Invoke(1.0);
            return new InversionResult(pitch, results);
        }
        finally
        {
            for (int i = 0; i < parameters.Count; i++) parameters[i].requires_grad = wasTrainable[i];
            if (wasTraining) g.train();
        }
    }

    /// The generator's log-mel (ln units) for z [B, latent] at one pitch and per-item velocities.
    public static Tensor GenerateLogMel(Generator g, GansynthConfig cfg, Tensor z, int pitch, IReadOnlyList<int> velocities)
    {
        using var scope = NewDisposeScope();
        int b = (int)z.shape[0];
        var p = Conditioning.PitchOneHot(cfg, Enumerable.Repeat(pitch, b).ToArray());
        var v = Conditioning.VelocityOneHot(cfg, velocities);
        var outp = g.forward(z, p, v);
        var (lm, _) = Conditioning.Denormalize(cfg, outp);
        return lm.MoveToOuterDisposeScope();
    }

    static Tensor Loss(Generator g, GansynthConfig cfg, Tensor z, int pitch, int velocity, Tensor target, bool grad)
    {
        using var scope = NewDisposeScope();
        using var ng = grad ? null : no_grad();
        var lm = GenerateLogMel(g, cfg, z, pitch, Enumerable.Repeat(velocity, (int)z.shape[0]).ToArray());
        return SpectralDistance.PerItem(lm, target.expand(lm.shape)).MoveToOuterDisposeScope();
    }

    static Tensor LossPerVelocity(Generator g, GansynthConfig cfg, Tensor z, int pitch, int[] velocities, Tensor target)
    {
        using var scope = NewDisposeScope();
        var lm = GenerateLogMel(g, cfg, z, pitch, velocities);
        return SpectralDistance.PerItem(lm, target.expand(lm.shape)).MoveToOuterDisposeScope();
    }

    static Tensor Stack(IReadOnlyList<Latent> zs, int latent)
    {
        var flat = new float[zs.Count * latent];
        for (int i = 0; i < zs.Count; i++) zs[i].Values.CopyTo(flat.AsSpan(i * latent));
        return tensor(flat, [zs.Count, latent]);
    }
}
