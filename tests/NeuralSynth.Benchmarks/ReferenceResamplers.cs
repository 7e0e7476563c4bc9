using System.Runtime.InteropServices;

namespace NeuralSynth.Benchmarks;

/// The references our resampler is measured against, from Debian's libsamplerate0 and libsoxr0
/// (P/Invoke; these live in the benchmark project only, the engine never calls native code).
public static unsafe class ReferenceResamplers
{
    [StructLayout(LayoutKind.Sequential)]
    struct SrcData
    {
        public float* DataIn;
        public float* DataOut;
        public nint InputFrames, OutputFrames;      // C long: 64-bit on linux-x64
        public nint InputFramesUsed, OutputFramesGen;
        public int EndOfInput;
        public double SrcRatio;
    }

    const int SRC_SINC_FASTEST = 2;

    [DllImport("libsamplerate.so.0", EntryPoint = "src_simple")]
    static extern int src_simple(SrcData* data, int converterType, int channels);

    [DllImport("libsamplerate.so.0", EntryPoint = "src_strerror")]
    static extern nint src_strerror(int error);

    /// libsamplerate SRC_SINC_FASTEST (its documented figures: 97 dB SNR, 80% bandwidth), mono float.
    public static float[] LibSampleRateSincFastest(float[] input, int inRate, int outRate)
    {
        var output = new float[(int)((long)input.Length * outRate / inRate)];
        fixed (float* i = input) fixed (float* o = output)
        {
            var d = new SrcData { DataIn = i, DataOut = o, InputFrames = input.Length, OutputFrames = output.Length, SrcRatio = (double)outRate / inRate, EndOfInput = 1 };
            int err = src_simple(&d, SRC_SINC_FASTEST, 1);
            if (err != 0) throw new InvalidOperationException("libsamplerate: " + Marshal.PtrToStringAnsi(src_strerror(err)));
            return d.OutputFramesGen == output.Length ? output : output[..(int)d.OutputFramesGen];
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    struct SoxrQualitySpec
    {
        public double Precision, PhaseResponse, PassbandEnd, StopbandBegin;
        public nint E;
        public nuint Flags;
    }

    public const int SOXR_LQ = 1, SOXR_MQ = 2, SOXR_HQ = 4, SOXR_VHQ = 6;

    [DllImport("libsoxr.so.0")]
    static extern SoxrQualitySpec soxr_quality_spec(nuint recipe, nuint flags);

    [DllImport("libsoxr.so.0")]
    static extern nint soxr_oneshot(double inputRate, double outputRate, uint channels, float* input, nuint inputLength, nuint* inputDone,
        float* output, nuint outputLength, nuint* outputDone, void* ioSpec, SoxrQualitySpec* quality, void* runtimeSpec);

    /// soxr one-shot, mono float, at a quality recipe (SOXR_HQ = its default, 20-bit).
    public static float[] Soxr(float[] input, int inRate, int outRate, int recipe)
    {
        var output = new float[(int)((long)input.Length * outRate / inRate)];
        var q = soxr_quality_spec((nuint)recipe, 0);
        nuint done = 0;
        fixed (float* i = input) fixed (float* o = output)
        {
            nint err = soxr_oneshot(inRate, outRate, 1, i, (nuint)input.Length, null, o, (nuint)output.Length, &done, null, &q, null);
            if (err != 0) throw new InvalidOperationException("soxr: " + Marshal.PtrToStringAnsi(err));
        }
        return (int)done == output.Length ? output : output[..(int)done];
    }
}
