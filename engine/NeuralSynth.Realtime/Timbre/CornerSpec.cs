namespace NeuralSynth.Realtime.Timbre;

/// One morph corner as a preset stores it: either a seed (the latent is the model's prior's for that seed,
/// LatentPrior.Sample, so the preset works for any model) or an explicit latent (e.g. found by `neuralsynth invert`).
public sealed record CornerSpec
{
    public long? Seed { get; }
    public float[]? Values { get; }

    CornerSpec(long? seed, float[]? values) { Seed = seed; Values = values; }

    public static CornerSpec FromSeed(long seed) => new(seed, null);

    public static CornerSpec FromValues(ReadOnlySpan<float> values)
    {
        if (values.Length == 0) throw new ArgumentException("an explicit corner needs at least one value");
        foreach (float v in values) if (!float.IsFinite(v)) throw new ArgumentException("an explicit corner must hold finite numbers");
        return new(null, values.ToArray());
    }

    public static CornerSpec FromLatent(Latent z) => FromValues(z.Values);

    public bool IsSeed => Seed.HasValue;

    /// The corner latent for a model with this prior; throws ArgumentException if an explicit corner was made for
    /// another latent size.
    public Latent ToLatent(LatentPrior prior)
    {
        if (Seed is long s) return prior.Sample(s);
        if (Values!.Length != prior.Size)
            throw new ArgumentException($"explicit corner has {Values.Length} numbers, the model's latent size is {prior.Size}");
        return new Latent(Values);
    }

    public override string ToString() => Seed is long s ? $"seed {s}" : $"latent[{Values!.Length}]";

    public bool Equals(CornerSpec? other) =>
        other is not null && Seed == other.Seed && (Values == null ? other.Values == null : other.Values != null && Values.AsSpan().SequenceEqual(other.Values));

    public override int GetHashCode() => Seed?.GetHashCode() ?? (Values!.Length == 0 ? 0 : Values[0].GetHashCode());
}
