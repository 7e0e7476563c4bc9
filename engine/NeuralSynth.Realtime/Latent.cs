namespace NeuralSynth.Realtime;

/// A point in the generator's latent space: the one latent type of the project.
/// Immutable; its hash (of the exact float bits) keys the voice cache.
public sealed class Latent : IEquatable<Latent>
{
    readonly float[] values;
    public ulong Hash { get; }
    public int Size => values.Length;
    public ReadOnlySpan<float> Values => values;

    public Latent(ReadOnlySpan<float> v)
    {
        values = v.ToArray();
        ulong h = 14695981039346656037UL; // FNV-1a over the float bits: stable across runs and machines
        foreach (float x in values)
        {
            uint bits = BitConverter.SingleToUInt32Bits(x);
            for (int i = 0; i < 4; i++) { h ^= (bits >> (8 * i)) & 0xFF; h *= 1099511628211UL; }
        }
        Hash = h;
    }

    public float[] ToArray() => (float[])values.Clone();

    /// Spherical Gaussian z from a seed, with our own PRNG (SplitMix64 + Box-Muller) so that the
    /// plugin, the CLI and the trainer draw the same z for the same seed without torch.
    public static Latent FromSeed(long seed, int size)
    {
        var z = new float[size];
        ulong state = (ulong)seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL;
        for (int i = 0; i < size; i += 2)
        {
            double u1 = (SplitMix64.Next(ref state) >> 11) * (1.0 / (1UL << 53));
            double u2 = (SplitMix64.Next(ref state) >> 11) * (1.0 / (1UL << 53));
            double r = Math.Sqrt(-2.0 * Math.Log(1.0 - u1));
            z[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < size) z[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
        return new Latent(z);
    }

    /// Spherical interpolation (as GANSynth morphs timbres): follows the great circle between a and b,
    /// so intermediate points keep the norm typical of Gaussian samples instead of shrinking toward 0.
    public static Latent Slerp(Latent a, Latent b, double t)
    {
        if (a.Size != b.Size) throw new ArgumentException($"latent sizes differ ({a.Size} vs {b.Size})");
        double na = 0, nb = 0, dot = 0;
        for (int i = 0; i < a.Size; i++) { na += a.values[i] * (double)a.values[i]; nb += b.values[i] * (double)b.values[i]; dot += a.values[i] * (double)b.values[i]; }
        na = Math.Sqrt(na); nb = Math.Sqrt(nb);
        var r = new float[a.Size];
        double cos = na > 0 && nb > 0 ? Math.Clamp(dot / (na * nb), -1, 1) : 1;
        double omega = Math.Acos(cos), so = Math.Sin(omega);
        if (so < 1e-6)
        {
            for (int i = 0; i < r.Length; i++) r[i] = (float)((1 - t) * a.values[i] + t * b.values[i]);
            return new Latent(r);
        }
        double wa = Math.Sin((1 - t) * omega) / so, wb = Math.Sin(t * omega) / so;
        for (int i = 0; i < r.Length; i++) r[i] = (float)(wa * a.values[i] + wb * b.values[i]);
        return new Latent(r);
    }

    public bool Equals(Latent? other) => other is not null && Hash == other.Hash && values.AsSpan().SequenceEqual(other.values);
    public override bool Equals(object? obj) => Equals(obj as Latent);
    public override int GetHashCode() => (int)Hash;
}
