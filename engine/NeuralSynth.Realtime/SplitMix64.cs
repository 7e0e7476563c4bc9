namespace NeuralSynth.Realtime;

/// SplitMix64 (Steele, Lea, Flood 2014): the seeded streams every part of NeuralSynth draws from without torch, so the
/// plug-in, the CLI and the trainer get the same latent, code and partial phases for the same seed.
public static class SplitMix64
{
    /// The generator's next output: the state advanced by the golden-ratio increment, then mixed.
    public static ulong Next(ref ulong state) => Mix(state += 0x9E3779B97F4A7C15UL);

    /// The output function alone: a 64-bit hash whose every input bit moves every output bit.
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
