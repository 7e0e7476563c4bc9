namespace NeuralSynth.Realtime.Timbre;

/// The automatable timbre parameters in their plain units: morph position x, y in [0, 1], eight macro
/// values in [-1, 1] and a seed (0 = off; otherwise corner A becomes the model's prior's latent for it, keeping A's family
/// axes for a family-conditioned model: TimbreControls.Reseed).
/// Out-of-range or non-finite values are clamped (NaN -> 0) by TimbreControls, never rejected, so a
/// host sending garbage automation still gets a defined, repeatable sound.
public sealed record TimbreSettings
{
    public const int MacroCount = 8;

    public double X { get; init; } = 0.5;
    public double Y { get; init; } = 0.5;
    /// Exactly MacroCount values (fewer are treated as zeros, extra ones ignored).
    public double[] Macros { get; init; } = new double[MacroCount];
    public long Seed { get; init; }

    public static TimbreSettings Default { get; } = new();

    public TimbreSettings WithMacro(int index, double value)
    {
        var m = new double[MacroCount];
        Array.Copy(Macros, m, Math.Min(Macros.Length, MacroCount));
        m[index] = value;
        return this with { Macros = m };
    }
}
