using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

[assembly: InternalsVisibleTo("NeuralSynth.Realtime.Tests")]
[assembly: InternalsVisibleTo("NeuralSynth.Benchmarks")]
[assembly: InternalsVisibleTo("neuralsynth")]

namespace NeuralSynth.Realtime;

/// Which vector width the real-time kernels (resampler, mixer) may use. Every kernel has a
/// Vector512, Vector256, Vector128 and scalar path; the kernels take the width as a parameter so
/// tests can force each path against the scalar reference without touching shared state, and
/// benchmarks can lower the default to see what each path is worth.
internal static class Simd
{
    public static readonly int Detected =
        Vector512.IsHardwareAccelerated ? 512 :
        Vector256.IsHardwareAccelerated ? 256 :
        Vector128.IsHardwareAccelerated ? 128 : 0;

    static int maxVectorWidth = Detected;

    /// Default width used by the engine: 512, 256, 128 or 0 (scalar). Never above what the CPU has.
    public static int MaxVectorWidth
    {
        get => maxVectorWidth;
        set => maxVectorWidth = Clamp(value);
    }

    /// The widest supported path not above `requested`.
    public static int Clamp(int requested) =>
        requested >= 512 && Detected >= 512 ? 512 :
        requested >= 256 && Detected >= 256 ? 256 :
        requested >= 128 && Detected >= 128 ? 128 : 0;

    /// The widths this machine can run, widest first (tests iterate over them).
    public static int[] Available() => Detected switch
    {
        512 => [512, 256, 128, 0],
        256 => [256, 128, 0],
        128 => [128, 0],
        _ => [0],
    };
}
