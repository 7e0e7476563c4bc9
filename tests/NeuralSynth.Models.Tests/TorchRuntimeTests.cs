using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NeuralSynth.Models.Tests;

/// The NaN that training, inversion and vocoding hit at random on AVX-512 machines: oneDNN's convolution backward read
/// uninitialised channel padding. Freed memory is poisoned with NaN first, so that any read of memory an op did not
/// write shows up as a non-finite gradient instead of depending on what the allocator happened to hand back.
public class TorchRuntimeTests
{
    static void PoisonFreedMemory()
    {
        foreach (long n in new long[] { 1 << 10, 3072, 1 << 12, 6144, 12288, 1 << 14, 24576, 49152, 1 << 16, 1 << 18, 1 << 20 })
        {
            using var t = full(n, float.NaN);
        }
    }

    public static TheoryData<string> Convolutions => new() { "conv2d 1->4", "conv2d 4->8", "conv1d 4->8", "conv2d 8->16" };

    static Tensor Apply(string name, Tensor x) => name switch
    {
        "conv2d 1->4" => F.conv2d(x, ones(4, 1, 3, 3) * 0.1f, padding: [1, 1]),
        "conv2d 4->8" => F.conv2d(x, ones(8, 4, 3, 3) * 0.1f, padding: [1, 1]),
        "conv1d 4->8" => F.conv1d(x, ones(8, 4, 7) * 0.1f, padding: 3),
        "conv2d 8->16" => F.conv2d(x, ones(16, 8, 3, 3) * 0.1f, padding: [1, 1]),
        _ => throw new ArgumentException(name),
    };

    static long[] InputShape(string name) => name switch
    {
        "conv2d 1->4" => [16, 1, 96, 4],
        "conv2d 4->8" => [16, 4, 48, 4],
        "conv1d 4->8" => [4, 4, 256],
        _ => [16, 8, 40, 8],
    };

    [Theory]
    [MemberData(nameof(Convolutions))]
    public void ConvolutionGradientsStayFiniteOverPoisonedMemory(string conv)
    {
        TorchRuntime.Ensure();
        Assert.True(TorchRuntime.ZeroFillsAllocations);
        int bad = 0;
        for (int trial = 0; trial < 40; trial++)
        {
            PoisonFreedMemory();
            using var scope = NewDisposeScope();
            var x = randn(InputShape(conv)).requires_grad_(true);
            var y = Apply(conv, x);
            PoisonFreedMemory();
            (y * randn_like(y)).sum().backward();
            if (!x.grad!.isfinite().all().item<bool>()) bad++;
        }
        Assert.True(bad == 0, $"{conv}: non-finite input gradient in {bad} of 40 trials");
    }
}
