using NeuralSynth.Dsp;
using NeuralSynth.Dsp.FilterBank;
using NeuralSynth.Models.Vocoder;
using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Tests.Vocoder;

public class FilterBankTorchTests
{
    static float[] RandomSignal(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    public static TheoryData<KernelPath> Paths => new() { KernelPath.Scalar, KernelPath.Vector128, KernelPath.Vector256, KernelPath.Vector512 };

    [Theory]
    [MemberData(nameof(Paths))]
    public void SimdSynthesisEqualsTorchConvTranspose1d(KernelPath path)
    {
        // The C# inference synthesis must reproduce the frozen torch layer the generator was trained through.
        var design = new VocoderConfig().CreateFilterBank();
        using var layer = new FilterBankLayer(design);
        int full = 4096;
        var bands = design.Bands.Select((b, k) => RandomSignal(full / b.Decimation, 10 + k)).ToArray();
        using var scope = NewDisposeScope();
        var torchBands = bands.Select(b => tensor(b, [1, 1, b.Length])).ToArray();
        Tensor reference = zeros(1, 1, full);
        for (int k = 0; k < bands.Length; k++) reference = Add(reference, layer.UpsampleBandTransposed(k, torchBands[k]));
        var expected = reference.flatten().data<float>().ToArray();
        var simd = new FilterBankSynthesizer(design).Synthesize(bands, path);
        for (int i = 0; i < full; i++)
            Assert.True(Math.Abs(expected[i] - simd[i]) <= 1e-5f, $"sample {i}: SIMD {simd[i]} vs torch {expected[i]}");
    }

    [Fact]
    public void PolyphaseTorchLayerEqualsConvTranspose1d()
    {
        // Training uses the polyphase conv1d form (faster on CPU); it must be the same operator as conv_transpose1d.
        var design = new VocoderConfig().CreateFilterBank();
        using var layer = new FilterBankLayer(design);
        using var scope = NewDisposeScope();
        for (int k = 0; k < design.Bands.Count; k++)
        {
            var x = tensor(RandomSignal(2 * 1024 / design.Bands[k].Decimation, 50 + k), [2, 1, 1024 / design.Bands[k].Decimation]);
            var a = layer.UpsampleBand(k, x).flatten().data<float>().ToArray();
            var b = layer.UpsampleBandTransposed(k, x).flatten().data<float>().ToArray();
            Assert.Equal(b.Length, a.Length);
            for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5f, $"band {k} sample {i}: {a[i]} vs {b[i]}");
        }
    }
}
