using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSynth.Models;

/// Process-wide libtorch settings; each network's constructor calls Ensure() (the first call applies them, later
/// calls cost nothing).
///
/// libtorch's C++ log level is raised to ERROR: "Could not initialize NNPACK! Reason: Unsupported hardware." on CPUs
/// NNPACK does not know is not the user's business. libtorch reads TORCH_CPP_LOG_LEVEL only when Python initialises
/// it, so the c10 flag is set directly (an exported C symbol of libc10).
///
/// CPU allocations are zero-filled. Besides the convolution backward that Convolution routes around, some libtorch
/// kernel still reads memory it never wrote: with it off, a fresh-clone test run hit a NaN discriminator loss at the
/// first step of a tiny GAN run and a NaN vocoder loss at step 10 (before any weight was updated), runs that pass
/// with zeroed allocations. Zeroing makes such reads see 0 (what padding should hold) instead of old NaNs; it costs
/// a memset per allocation.
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

    /// True once Ensure has run: libtorch zero-fills every CPU allocation.
    public static bool ZeroFillsAllocations { get; }

    /// Applies the settings (first call) and returns.
    public static void Ensure() { }
}
