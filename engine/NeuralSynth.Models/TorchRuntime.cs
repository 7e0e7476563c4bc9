using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSynth.Models;

/// Process-wide libtorch settings every network of ours needs; each network's constructor calls Ensure() (once per
/// process is enough, later calls cost nothing).
///
/// oneDNN (mkldnn) convolutions are switched off. Their backward-data kernel reads memory it never wrote when a
/// convolution's channel count is not a multiple of the CPU's SIMD block (16 floats with AVX-512, 8 with AVX2): the
/// channel padding of its blocked layout is left uninitialised and 0 x NaN = NaN. On AVX-512 machines (Zen 5) that
/// made input gradients of 4- and 8-channel convs non-finite at random, whenever the allocator handed back a buffer
/// that once held a NaN (tests/NeuralSynth.Models.Tests/TorchRuntimeTests poisons freed memory to show it: with
/// oneDNN on, conv2d 4->8 gets a non-finite input gradient in most trials; off, never). ATen's own convolution
/// (im2col + GEMM) writes every element it reads and measured no slower on our layer sizes.
///
/// libtorch's C++ log level is raised to ERROR: with oneDNN off every convolution asks whether NNPACK can run and
/// logs "Could not initialize NNPACK! Reason: Unsupported hardware." on CPUs it does not know, which is not the
/// user's business. libtorch only reads TORCH_CPP_LOG_LEVEL when Python initialises it, so the flag is set directly.
public static class TorchRuntime
{
    const int LogLevelError = 2;

    static TorchRuntime()
    {
        InitializeDeviceType(DeviceType.CPU);
        SetUserEnabledMkldnn(GlobalContext(), false);
        if (NativeLibrary.TryLoad("libc10.so", typeof(TorchRuntime).Assembly, null, out var c10)
            && NativeLibrary.TryGetExport(c10, "FLAGS_caffe2_log_level", out var level))
            Marshal.WriteInt32(level, LogLevelError);
    }

    /// Applies the settings (first call) and returns.
    public static void Ensure() { }

    /// Whether oneDNN convolutions are enabled (false once Ensure has run).
    public static bool OneDnnEnabled => UserEnabledMkldnn(GlobalContext());

    // at::globalContext() and two of at::Context's non-virtual members (Itanium C++ ABI: `this` is the first
    // argument). LibTorchSharp exports no wrapper for them; the symbols are part of libtorch_cpu's public API.
    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    static extern bool UserEnabledMkldnn(IntPtr context);
}
