using static TorchSharp.torch;

namespace NeuralSynth.Models.Rendering;

/// `--device auto|cpu|cuda`. This build references the CPU libtorch only; CUDA is a build-time switch
/// (libtorch-cuda instead of libtorch-cpu), so asking for it here fails with a clear message.
public static class TorchDevice
{
    public static Device Resolve(string name) => name.ToLowerInvariant() switch
    {
        "cpu" => CPU,
        "auto" => cuda.is_available() ? CUDA : CPU,
        "cuda" => cuda.is_available() ? CUDA : throw new ArgumentException("--device cuda: no CUDA device or CUDA build of libtorch here (this build uses libtorch-cpu)"),
        _ => throw new ArgumentException($"--device '{name}': expected auto, cpu or cuda"),
    };
}
