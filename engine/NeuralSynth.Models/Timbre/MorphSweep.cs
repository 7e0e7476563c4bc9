using NeuralSynth.Models.Gansynth;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Timbre;

public enum SweepPath { X, Y, Diagonal }

/// Spectral distances between neighbouring points of a sweep and the smoothness verdict: a sweep is smooth when
/// no step is larger than MaxRatio times the median step (no jumps, no stuck stretches followed by a leap).
public sealed record SweepResult(SweepPath Path, double[] Steps, double Median, double Max)
{
    public const double MaxRatio = 2.0;
    public double Ratio => Median > 0 ? Max / Median : (Max > 0 ? double.PositiveInfinity : 1);
    public bool Smooth => Ratio <= MaxRatio;
}

/// Morph sweeps through a preset's XY pad, measured on the generator's log-mel output.
public static class MorphSweep
{
    /// steps + 1 latents from one edge of the pad to the other: X at the preset's y, Y at the preset's x, or the
    /// diagonal (0,0) -> (1,1). Macros and seed as in the preset.
    public static Latent[] Points(Preset preset, LatentPrior prior, TimbreDirections? directions, SweepPath path, int steps)
    {
        if (steps < 2) throw new ArgumentException("a sweep needs at least 2 steps");
        var corners = preset.CornerLatents(prior);
        var s = preset.Settings;
        return Enumerable.Range(0, steps + 1).Select(i =>
        {
            double t = (double)i / steps;
            var at = path switch
            {
                SweepPath.X => s with { X = t },
                SweepPath.Y => s with { Y = t },
                _ => s with { X = t, Y = t },
            };
            return TimbreControls.Compute(corners, at, directions, prior);
        }).ToArray();
    }

    /// Distance between neighbouring points, averaged over the pitches (log-mel straight from G, no phase).
    public static SweepResult Measure(GansynthModel model, IReadOnlyList<Latent> points, IReadOnlyList<int> pitches, int velocity, SweepPath path)
    {
        var steps = new double[points.Count - 1];
        foreach (int pitch in pitches)
        {
            using var scope = NewDisposeScope();
            var (lm, _) = model.GenerateTensors(points, Enumerable.Repeat(pitch, points.Count).ToArray(), Enumerable.Repeat(velocity, points.Count).ToArray());
            var d = SpectralDistance.PerItem(lm[1..], lm[..^1]).data<float>().ToArray();
            for (int i = 0; i < steps.Length; i++) steps[i] += d[i] / pitches.Count;
        }
        var sorted = steps.OrderBy(v => v).ToArray();
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
        return new SweepResult(path, steps, median, sorted[^1]);
    }
}
