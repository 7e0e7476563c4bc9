using BenchmarkDotNet.Attributes;
using NeuralSynth.Dsp;
using NeuralSynth.Dsp.FilterBank;

namespace NeuralSynth.Benchmarks.Vocoder;

/// The C# SIMD filter-bank synthesis of the multiband vocoder (its last stage at inference) for one 2.048 s note at
/// 16 kHz with the default 5-band bank (0-400/400-800/800-1600/1600-3200/3200-8000 Hz at 1/2/4/8/16 kHz), at every
/// vector width. Real-time factor = 2.048 s / mean time. This project is torch-free by design, so the torch stage
/// (band generators) is timed by `neuralsynth eval vocoder` (its speed section: torch and SIMD reported apart).
///   dotnet run -c Release --project tests/NeuralSynth.Benchmarks -- --filter '*VocoderSynthesisBenchmarks*'
[MemoryDiagnoser]
public class VocoderSynthesisBenchmarks
{
    FilterBankSynthesizer synthesizer = null!;
    float[][] bands = null!;
    float[] output = [];
    const int Samples = 32768;

    [GlobalSetup]
    public void Setup()
    {
        var design = FilterBankDesign.Create(16000, [16, 8, 4, 2, 1], [400, 800, 1600, 3200]);
        synthesizer = new FilterBankSynthesizer(design);
        var rng = new Random(1);
        bands = design.Bands.Select(b => Enumerable.Range(0, Samples / b.Decimation).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray()).ToArray();
        output = new float[Samples];
    }

    [Benchmark] public void Vector512() => synthesizer.Synthesize(bands, output, KernelPath.Vector512);
    [Benchmark(Baseline = true)] public void Vector256() => synthesizer.Synthesize(bands, output, KernelPath.Vector256);
    [Benchmark] public void Vector128() => synthesizer.Synthesize(bands, output, KernelPath.Vector128);
    [Benchmark] public void Scalar() => synthesizer.Synthesize(bands, output, KernelPath.Scalar);
}
