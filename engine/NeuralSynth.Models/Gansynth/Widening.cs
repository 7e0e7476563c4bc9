using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Gansynth;

/// Grows a trained GAN to wider stages without starting over (Net2Net's function-preserving widening, Chen et al.
/// 2016): a stage of c channels becomes r c by tiling its channels r times; the layer that reads the tiled channels
/// divides each copy's weight by r, so it sums to what it read before. Both networks are ours to mirror: the
/// generator's stage widths are the discriminator's, so every stage weight of both widens by the same rule
/// ([out, in, ...]: out tiled, in tiled and divided; which stage a dimension belongs to is read from its size).
/// Why it preserves G and D exactly: pixel norm and minibatch stddev average over channels, and r equal copies leave
/// those averages unchanged; LeakyReLU is per channel. Equalized learning rate scales a stored weight by
/// gain / sqrt(fan_in) at run time, so the stored copy is also multiplied by sqrt(r) (fan_in grew r times): in all,
/// stored in-tiled weights are divided by sqrt(r).
/// The copies would get equal gradients forever; a little noise (relative 1e-2 on the stored N(0, 1) weights of the
/// widened layers) lets them part. The optimizers' moment estimates do not carry over: both Adams start afresh.
public static class Widening
{
    public const float SymmetryNoise = 1e-2f;

    /// Widens the checkpoint in `checkpointDir` (G, its weight average, D) from its channel widths to `to` in place,
    /// deletes the optimizer states, and returns the widened config.
    public static GansynthConfig WidenCheckpoint(string checkpointDir, GansynthConfig current, int[] to, long seed, float noise = SymmetryNoise)
    {
        Check(current.Channels, to);
        var cfg = current with { Channels = to };
        var rng = new Random(unchecked((int)(seed * 7919 + 17)));
        foreach (var file in new[] { "generator.safetensors", "generator_ema.safetensors", "discriminator.safetensors" })
        {
            string path = Path.Combine(checkpointDir, file);
            if (!File.Exists(path)) continue;
            var (tensors, meta) = WeightsFile.Read(path);
            using var scope = NewDisposeScope();
            var widened = tensors.ToDictionary(kv => kv.Key, kv => Widen(kv.Value, to, current.Channels, rng, noise, kv.Key, path));
            WeightsFile.Save(widened, path, meta);
        }
        foreach (var file in new[] { "optimizer_g.bin", "optimizer_d.bin" }) File.Delete(Path.Combine(checkpointDir, file));
        return cfg;
    }

    static void Check(int[] from, int[] to)
    {
        if (to.Length != from.Length)
            throw new ArgumentException($"--widen needs {from.Length} widths (one per stage, as the run has), got {to.Length}");
        if (to[0] != from[0]) throw new ArgumentException($"--widen keeps the first stage at {from[0]} channels (the dense layers read it); got {to[0]}");
        for (int s = 0; s < to.Length; s++)
            if (to[s] < from[s] || to[s] % from[s] != 0)
                throw new ArgumentException($"--widen: stage {s} has {from[s]} channels; a widening must be a whole multiple of it, got {to[s]}");
    }

    /// One weight or bias: dimension 0 (outputs) tiled, dimension 1 (inputs, weights only) tiled and divided.
    static Tensor Widen(WeightsFile.Entry e, int[] to, int[] from, Random rng, float noiseScale, string name, string path)
    {
        var t = tensor(e.Data, e.Shape);
        long[] shape = e.Shape;
        // Which dimensions are stage widths, by layer: the stage convolutions (both), the generator's output 1x1
        // (inputs), the discriminator's input 1x1 (outputs); the dense layers, conv0 and convFinal sit at the
        // first stage, which does not change.
        // A FiLM layer (config modulation) writes a scale and a shift per channel of its convolution, [2c, latent]
        // and [2c]: each half is tiled like the channels it modulates, so every copy gets its original's (s, b).
        if (name.StartsWith("mods.", StringComparison.Ordinal))
        {
            int r = Ratio(shape[0] / 2, from, to, name, path);
            if (r == 1) return t;
            var halves = t.chunk(2, 0);
            var tiled = cat(halves.Select(h => h.repeat([r, .. Enumerable.Repeat(1L, shape.Length - 1)])).ToList(), 0);
            return (shape.Length >= 2 && noiseScale > 0 ? Add(tiled, Noise(tiled.shape, rng, noiseScale)) : tiled).contiguous();
        }
        bool stageConv = name.StartsWith("convs.", StringComparison.Ordinal);
        bool outIsStage = stageConv || name.StartsWith("fromInput.", StringComparison.Ordinal);
        bool inIsStage = stageConv || name.StartsWith("toOutput.", StringComparison.Ordinal);
        int outR = outIsStage ? Ratio(shape[0], from, to, name, path) : 1;
        int inR = inIsStage && shape.Length >= 2 ? Ratio(shape[1], from, to, name, path) : 1;
        if (outR == 1 && inR == 1) return t;
        if (outR > 1) t = t.repeat([outR, .. Enumerable.Repeat(1L, shape.Length - 1)]);
        if (inR > 1) t = t.repeat([1, inR, .. Enumerable.Repeat(1L, shape.Length - 2)]) / S(Math.Sqrt(inR));
        if (shape.Length >= 2 && noiseScale > 0) t = Add(t, Noise(t.shape, rng, noiseScale));
        return t.contiguous();
    }

    static Tensor Noise(long[] shape, Random rng, float scale)
    {
        var noise = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < noise.Length; i++) noise[i] = scale * (float)Gaussian(rng);
        return tensor(noise, shape);
    }

    /// How many times a dimension of `size` grows: the ratio of the stage width it equals, 1 if it is no stage width
    /// (pitch classes, mel bins, the dense layers' sizes) or a width that does not change.
    static int Ratio(long size, int[] from, int[] to, string name, string path)
    {
        var ratios = Enumerable.Range(0, from.Length).Where(s => from[s] == size).Select(s => to[s] / from[s]).Distinct().ToList();
        if (ratios.Count > 1)
            throw new ArgumentException($"{path}: tensor '{name}' has a dimension of {size}, the width of stages widened by different factors ({string.Join(", ", ratios)}); widen stages of equal width alike");
        return ratios.Count == 0 ? 1 : ratios[0];
    }

    static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
