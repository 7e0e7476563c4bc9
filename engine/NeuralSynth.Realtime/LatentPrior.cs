namespace NeuralSynth.Realtime;

/// How a seed becomes a timbre for one generator: its prior over latents. A GAN-only generator's prior is the spherical
/// Gaussian (Latent.FromSeed). A generator trained with timbre codes (GansynthConfig.Codes: one learned latent per
/// training instrument) has the codes' own distribution instead: a code chosen by the seed plus sigma times the seed's
/// Gaussian, so a random seed lands where the generator plays real instruments. With a mix (config code_mix) the seed's
/// code is first blended with another code of its group (the training instruments of one family): (1 - a) c_k + a c_j,
/// a up to mix, rescaled to c_k's norm; so a seed can play an instrument between two of a family's, as an instrument
/// the generator never heard would be (EVAL.md phase 24). Deterministic in the seed, so the plug-in, the CLI and the
/// evaluation draw the same timbre for the same seed.
public sealed class LatentPrior
{
    readonly float[][] codes;
    readonly int[][] partners; // per code: the other codes of its group (empty without a mix)
    public int Size { get; }
    public float Sigma { get; }
    /// The largest weight a seed's code gives a partner of its group (0: no blend).
    public float Mix { get; }
    public int CodeCount => codes.Length;

    LatentPrior(int size, float[][] codes, float sigma, float mix = 0, int[][]? partners = null)
    {
        Size = size; this.codes = codes; Sigma = sigma; Mix = mix;
        this.partners = partners ?? codes.Select(_ => Array.Empty<int>()).ToArray();
    }

    public static LatentPrior Gaussian(int size)
    {
        if (size < 1) throw new ArgumentException($"latent size must be >= 1, got {size}");
        return new LatentPrior(size, [], 0f);
    }

    /// The prior of a generator with timbre codes (each of `size` finite numbers) and noise sigma >= 0; no codes = Gaussian.
    /// groups (one label per code, e.g. its family) and mix in [0, 0.5]: each seed's code blended with another of its
    /// group by a weight up to mix (at most half, so the seed's own code stays the nearer: CodeOf names what it plays).
    public static LatentPrior FromCodes(int size, IReadOnlyList<float[]> codes, float sigma, IReadOnlyList<string>? groups = null, float mix = 0)
    {
        if (codes.Count == 0) return Gaussian(size);
        if (!(sigma >= 0f && float.IsFinite(sigma))) throw new ArgumentException($"prior noise must be >= 0, got {sigma}");
        if (!(mix >= 0f && mix <= 0.5f)) throw new ArgumentException($"code mix must be in [0, 0.5], got {mix}");
        if (mix > 0 && (groups is null || groups.Count != codes.Count)) throw new ArgumentException($"a code mix needs one group per code ({codes.Count})");
        for (int k = 0; k < codes.Count; k++)
        {
            if (codes[k] is null || codes[k].Length != size || codes[k].Any(x => !float.IsFinite(x)))
                throw new ArgumentException($"code {k} must hold {size} finite numbers");
            if (mix > 0 && !(codes[k].Sum(x => (double)x * x) > 0)) throw new ArgumentException($"code {k} is zero: it has no direction to blend");
        }
        int[][]? partners = mix == 0 ? null
            : Enumerable.Range(0, codes.Count).Select(k => Enumerable.Range(0, codes.Count).Where(j => j != k && groups![j] == groups[k]).ToArray()).ToArray();
        return new LatentPrior(size, codes.Select(c => (float[])c.Clone()).ToArray(), sigma, mix, partners);
    }

    /// The timbre a seed stands for.
    public Latent Sample(long seed)
    {
        var z = Latent.FromSeed(seed, Size);
        if (codes.Length == 0) return z;
        int k = CodeOf(seed);
        return Mix == 0 || partners[k].Length == 0 ? Code(k, z) : Around(Blend(k, seed), z);
    }

    /// The seed's code blended with a partner of its group: the partner and the weight (uniform in [0, mix]) from a
    /// stream of the seed apart from CodeOf's and FromSeed's; rescaled to the code's own norm (the generator pixel-norms
    /// its latent, so a blend's direction is what plays, and the prior's noise keeps its share).
    public float[] Blend(int k, long seed)
    {
        if (k < 0 || k >= codes.Length) throw new ArgumentException($"code {k} is outside 0-{codes.Length - 1}");
        var own = codes[k];
        if (Mix == 0 || partners[k].Length == 0) return (float[])own.Clone();
        ulong h = SplitMix64.Mix((ulong)seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL);
        int j = partners[k][(int)(h % (ulong)partners[k].Length)];
        double a = Mix * ((SplitMix64.Mix(h) >> 11) * (1.0 / (1UL << 53)));
        var v = new float[Size];
        double norm = 0, ownNorm = 0;
        for (int i = 0; i < Size; i++)
        {
            double x = (1 - a) * own[i] + a * codes[j][i];
            v[i] = (float)x;
            norm += x * x; ownNorm += (double)own[i] * own[i];
        }
        float scale = norm > 0 ? (float)Math.Sqrt(ownNorm / norm) : 1f;
        for (int i = 0; i < Size; i++) v[i] *= scale;
        return v;
    }

    /// A centre plus sigma times the noise z.
    Latent Around(float[] centre, Latent z)
    {
        var n = z.Values;
        for (int i = 0; i < centre.Length; i++) centre[i] += Sigma * n[i];
        return new Latent(centre);
    }

    /// The code a seed picks (the training instrument it plays near), or -1 for the Gaussian prior.
    public int CodeOf(long seed)
    {
        if (codes.Length == 0) return -1;
        ulong h = SplitMix64.Mix((ulong)seed * 0xD1B54A32D192ED03UL + 0x8CB92BA72F3D8DD7UL); // a stream apart from FromSeed's
        return (int)(h % (ulong)codes.Length);
    }

    /// The code nearest z in direction (largest cosine; the generator pixel-norms its latent, so a direction is what
    /// plays), or -1 for the Gaussian prior: what an explicit latent plays near.
    public int NearestCode(Latent z)
    {
        if (z.Size != Size) throw new ArgumentException($"latent has {z.Size} values, the prior's latents {Size}");
        if (codes.Length == 0) return -1;
        var v = z.Values;
        int best = 0; double bestCos = double.NegativeInfinity;
        for (int k = 0; k < codes.Length; k++)
        {
            double dot = 0, norm = 0;
            for (int i = 0; i < Size; i++) { dot += (double)codes[k][i] * v[i]; norm += (double)codes[k][i] * codes[k][i]; }
            double cos = dot / Math.Sqrt(norm + 1e-30);
            if (cos > bestCos) { bestCos = cos; best = k; }
        }
        return best;
    }

    /// Code k plus sigma times the noise z.
    public Latent Code(int k, Latent z)
    {
        if (k < 0 || k >= codes.Length) throw new ArgumentException($"code {k} is outside 0-{codes.Length - 1}");
        if (z.Size != Size) throw new ArgumentException($"noise has {z.Size} values, the prior's latents {Size}");
        return Around((float[])codes[k].Clone(), z);
    }
}
