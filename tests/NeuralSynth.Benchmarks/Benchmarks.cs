using BenchmarkDotNet.Attributes;
using NeuralSynth.Realtime;

namespace NeuralSynth.Benchmarks;

/// One second of mono audio through each resampler (16 kHz model rate -> 48 kHz host rate, and
/// 44.1 -> 48 kHz); ours at every SIMD width.
[MemoryDiagnoser]
public class ResamplerBenchmarks
{
    float[] input = [];
    [Params(16000, 44100)] public int InRate;
    const int OutRate = 48000;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        input = new float[InRate];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() - 0.5);
    }

    [Benchmark] public float[] Ours_Avx512() => EngineMeasurements.ResampleWhole(input, InRate, OutRate, width: 512);
    [Benchmark] public float[] Ours_Avx2() => EngineMeasurements.ResampleWhole(input, InRate, OutRate, width: 256);
    [Benchmark] public float[] Ours_Sse() => EngineMeasurements.ResampleWhole(input, InRate, OutRate, width: 128);
    [Benchmark] public float[] Ours_Scalar() => EngineMeasurements.ResampleWhole(input, InRate, OutRate, width: 0);
    [Benchmark(Baseline = true)] public float[] LibSampleRate_SincFastest() => ReferenceResamplers.LibSampleRateSincFastest(input, InRate, OutRate);
    [Benchmark] public float[] Soxr_HQ() => ReferenceResamplers.Soxr(input, InRate, OutRate, ReferenceResamplers.SOXR_HQ);
    [Benchmark] public float[] Soxr_LQ() => ReferenceResamplers.Soxr(input, InRate, OutRate, ReferenceResamplers.SOXR_LQ);
}

/// One 128-sample Process() block at 48 kHz with N held, looping, bent voices.
/// The block period is 2.667 ms: 5% of a core is 133 us per block.
[MemoryDiagnoser]
public class VoiceEngineBenchmarks
{
    VoiceEngine engine = null!;
    readonly float[] l = new float[128], r = new float[128];
    int block;
    [Params(1, 64, 512)] public int Voices;

    [GlobalSetup]
    public void Setup() => engine = EngineMeasurements.PlayingEngine(Voices).Engine;

    [Benchmark]
    public void ProcessBlock()
    {
        engine.PitchBend(0, MathF.Sin(block++ * 0.01f));
        engine.Process(l, r);
    }
}

/// The stereo ramp mixer alone, per SIMD width (a 128-sample voice block into the bus).
public class MixerBenchmarks
{
    readonly float[] src = new float[128], l = new float[128], r = new float[128];
    [Params(512, 256, 128, 0)] public int Width;
    [Benchmark] public void AccumulateRamp() => Mixer.AccumulateRamp(src, l, r, 0.1f, 0.2f, 0.3f, 0.4f, Simd.Clamp(Width));
}
