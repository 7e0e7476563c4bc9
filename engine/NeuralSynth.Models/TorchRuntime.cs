using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSynth.Models;

/// Process-wide libtorch settings every network of ours needs; each network's constructor calls Ensure() (the first
/// call applies them, later calls cost nothing).
///
/// CPU allocations are zero-filled. oneDNN's convolution backward-data kernel reads memory it never wrote when a 3x3 (or
/// wider) convolution's output-channel count is not a multiple of the CPU's SIMD block (16 floats with AVX-512, 8 with
/// AVX2): the channel padding of its blocked gradient buffer is left uninitialised and 0 x NaN = NaN. On AVX-512
/// machines (Zen 5) that made input gradients of 4- and 8-channel convolutions non-finite at random, whenever the
/// allocator handed back a buffer that once held a NaN (TorchRuntimeTests poisons freed memory to show it: conv2d
/// 4->8 had a non-finite input gradient in 50-85 of 100 trials, 3x3 conv2d 16->8 in 34 of 40; 1x1 and 16-multiple
/// convolutions never). Zeroed buffers make the padding read as 0. Switching oneDNN off also cures it but made a
/// GANSynth training step 3x slower; zero-filling costs a memset per allocation.
///
/// libtorch's C++ log level is raised to ERROR: "Could not initialize NNPACK! Reason: Unsupported hardware." on CPUs
/// NNPACK does not know is not the user's business. libtorch reads TORCH_CPP_LOG_LEVEL only when Python initialises
/// it, so the c10 flags are set directly (they are exported C symbols of libc10).
public static class TorchRuntime
{
    const int LogLevelError = 2;

    static TorchRuntime()
    {
        InitializeDeviceType(DeviceType.CPU); // loads libc10 and libtorch from wherever TorchSharp found them
        if (!NativeLibrary.TryLoad("libc10.so", typeof(TorchRuntime).Assembly, null, out var c10))
            throw new DllNotFoundException("libc10.so (libtorch) could not be loaded to configure it");
        Marshal.WriteByte(Flag(c10, "FLAGS_caffe2_cpu_allocator_do_zero_fill"), 1);
        Marshal.WriteInt32(Flag(c10, "FLAGS_caffe2_log_level"), LogLevelError);
        ZeroFillsAllocations = Marshal.ReadByte(Flag(c10, "FLAGS_caffe2_cpu_allocator_do_zero_fill")) != 0;
    }

    static IntPtr Flag(IntPtr lib, string name) =>
        NativeLibrary.TryGetExport(lib, name, out var p) ? p : throw new EntryPointNotFoundException($"libc10.so lacks {name}: this libtorch build cannot be configured");

    /// Applies the settings (first call) and returns.
    public static void Ensure() { }

    /// True once Ensure has run: libtorch zero-fills every CPU allocation.
    public static bool ZeroFillsAllocations { get; }
}
