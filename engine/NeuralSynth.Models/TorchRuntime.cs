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
/// (The random NaN of training on AVX-512 machines is handled where it arises: see Convolution.)
public static class TorchRuntime
{
    const int LogLevelError = 2;

    static TorchRuntime()
    {
        InitializeDeviceType(DeviceType.CPU); // loads libc10 and libtorch from wherever TorchSharp found them
        if (NativeLibrary.TryLoad("libc10.so", typeof(TorchRuntime).Assembly, null, out var c10)
            && NativeLibrary.TryGetExport(c10, "FLAGS_caffe2_log_level", out var level))
            Marshal.WriteInt32(level, LogLevelError);
    }

    /// Applies the settings (first call) and returns.
    public static void Ensure() { }
}
