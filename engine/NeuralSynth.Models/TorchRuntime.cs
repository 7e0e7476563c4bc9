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
/// CPU allocations are zero-filled, as a second line behind Convolution's padding: with them off, runs still died now
/// and then in libtorch (a NaN gradient at step 6,401 of the shipped run before the input-channel padding; three
/// crashes in c10::Scalar::toFloat under leaky_relu, add and a vocoder band within an hour), none with them on
/// (the first 4,000 steps of the run and every test run). It costs a memset per allocation.
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
    }

    static IntPtr Flag(IntPtr lib, string name) =>
        NativeLibrary.TryGetExport(lib, name, out var p) ? p : throw new EntryPointNotFoundException($"libc10.so lacks {name}: this libtorch build cannot be configured");

    /// Applies the settings (first call) and returns.
    public static void Ensure() { }
}
