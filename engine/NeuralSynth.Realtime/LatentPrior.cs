namespace NeuralSynth.Realtime;

/// How a seed becomes a timbre for one generator: its prior over latents. A GAN-only generator's prior is the spherical
/// Gaussian (Latent.FromSeed). A generator trained with timbre codes (GansynthConfig.Codes: one learned latent per
/// training instrument) has the codes' own distribution instead: a code chosen by the seed plus sigma times the seed's
/// Gaussian, so a random seed lands where the generator plays real instruments. Deterministic in the seed, so the
/// plug-in, the CLI and the evaluation draw the same timbre for the same seed.
public sealed class LatentPrior
{
    readonly float[][] codes;
    public int Size { get; }
    public float Sigma { get; }
    public int CodeCount => codes.Length;

    LatentPrior(int size, float[][] codes, float sigma) { Size = size; this.codes = codes; Sigma = sigma; }

    public static LatentPrior Gaussian(int size)
    {
        if (size < 1) throw new ArgumentException($"latent size must be >= 1, got {size}");
        return new LatentPrior(size, [], 0f);
    }

    /// The prior of a generator with timbre codes (each of `size` finite numbers) and noise sigma >= 0; no codes = Gaussian.
    public static LatentPrior FromCodes(int size, IReadOnlyList<float[]> codes, float sigma)
    {
        if (codes.Count == 0) return Gaussian(size);
        if (!(sigma >= 0f && float.IsFinite(sigma))) throw new ArgumentException($"prior noise must be >= 0, got {sigma}");
        for (int k = 0; k < codes.Count; k++)
            if (codes[k] is null || codes[k].Length != size || codes[k].Any(x => !float.IsFinite(x)))
                throw new ArgumentException($"code {k} must hold {size} finite numbers");
        return new LatentPrior(size, codes.Select(c => (float[])c.Clone()).ToArray(), sigma);
    }

    /// The timbre a seed stands for.
    public Latent Sample(long seed)
    {
        var z = Latent.FromSeed(seed, Size);
        return codes.Length == 0 ? z : Code(CodeOf(seed), z);
    }

    /// The code a seed picks (the training instrument it plays near), or -1 for the Gaussian prior.
    public int CodeOf(long seed)
    {
        if (codes.Length == 0) return -1;
        ulong h = SplitMix64.Mix((ulong)seed * 0xD1B54A32D192ED03UL + 0x8CB92BA72F3D8DD7UL); // a stream apart from FromSeed's
        return (int)(h % (ulong)codes.Length);
    }

    /// Code k plus sigma times the noise z.
    public Latent Code(int k, Latent z)
    {
        if (k < 0 || k >= codes.Length) throw new ArgumentException($"code {k} is outside 0-{codes.Length - 1}");
        if (z.Size != Size) throw new ArgumentException($"noise has {z.Size} values, the prior's latents {Size}");
        var v = (float[])codes[k].Clone();
        var n = z.Values;
        for (int i = 0; i < v.Length; i++) v[i] += Sigma * n[i];
        return new Latent(v);
    }
}
