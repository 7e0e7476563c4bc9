using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;
using F = TorchSharp.torch.nn.functional;

namespace NeuralSynth.Models.Tests;

/// The NaN that training, inversion and vocoding hit at random on AVX-512 machines, and its quieter twin: oneDNN's
/// convolution backward for output-channel counts off its SIMD block read uninitialised channel padding and raced on it
/// with two threads. Freed memory is poisoned with NaN first, so that any read of memory an op did not write shows up
/// as a non-finite gradient instead of depending on what the allocator happened to hand back; repeated identical
/// backward passes must give identical gradients. Raw F.conv2d 4->8 failed both (NaN in most trials, 283 of 300
/// passes of 16->8 differed by up to 0.8), as did 17->16 (NaN in every poisoned trial); Convolution passes both.
public class TorchRuntimeTests
{
    static void PoisonFreedMemory()
    {
        foreach (long n in new long[] { 1 << 10, 3072, 1 << 12, 6144, 12288, 1 << 14, 24576, 49152, 1 << 16, 1 << 18, 1 << 20 })
        {
            using var t = full(n, S(float.NaN), dtype: ScalarType.Float32);
        }
    }

    public static TheoryData<string> Convolutions => new() { "conv2d 1->4", "conv2d 4->8", "conv2d 16->8", "conv2d 17->16", "conv1d 4->8", "conv1d 8->4 grouped", "conv2d 8->16" };

    static (long[] Input, long[] Weight, long Groups) Shape(string name) => name switch
    {
        "conv2d 1->4" => ([16, 1, 96, 4], [4, 1, 3, 3], 1),
        "conv2d 4->8" => ([16, 4, 48, 4], [8, 4, 3, 3], 1),
        "conv2d 16->8" => ([2, 16, 16, 16], [8, 16, 3, 3], 1),
        "conv2d 17->16" => ([4, 17, 4, 4], [16, 17, 3, 3], 1), // the discriminator's 16 + minibatch-stddev channels
        "conv1d 4->8" => ([4, 4, 256], [8, 4, 7], 1),
        "conv1d 8->4 grouped" => ([2, 8, 512], [4, 4, 5], 2),
        _ => ([16, 8, 40, 8], [16, 8, 3, 3], 1),
    };

    static Tensor Conv(Tensor x, Tensor w, long groups) => w.dim() == 4
        ? Convolution.Conv2d(x, w, null, stride: [1, 1], padding: [w.shape[2] / 2, w.shape[3] / 2], groups: groups)
        : Convolution.Conv1d(x, w, null, padding: w.shape[2] / 2, groups: groups);

    static float[] InputGradient(Tensor x0, Tensor w, Tensor upstream, long groups)
    {
        using var scope = NewDisposeScope();
        var x = x0.clone().requires_grad_(true);
        (Conv(x, w, groups) * upstream).sum().backward();
        return x.grad!.data<float>().ToArray();
    }

    [Theory]
    [MemberData(nameof(Convolutions))]
    public void ConvolutionGradientsAreFiniteRepeatableAndExact(string conv)
    {
        var (input, weight, groups) = Shape(conv);
        using var rng = new TorchSharp.torch.Generator(11);
        var x0 = randn(input, generator: rng);
        var w = randn(weight, generator: rng) * S(0.3f);
        // Reference in float64, which oneDNN does not handle: ATen's own exact convolution.
        Tensor reference;
        using (no_grad())
        {
            var x64 = x0.to_type(ScalarType.Float64);
            var w64 = w.to_type(ScalarType.Float64);
            reference = w.dim() == 4 ? F.conv2d(x64, w64, null, padding: [weight[2] / 2, weight[3] / 2], groups: groups) : F.conv1d(x64, w64, null, padding: weight[2] / 2, groups: groups);
        }
        var upstream = randn(reference.shape, generator: rng);
        using (no_grad())
        {
            double diff = (Conv(x0, w, groups).to_type(ScalarType.Float64) - reference).abs().max().item<double>();
            Assert.True(diff < 1e-4, $"{conv}: padded forward differs from the float64 convolution by {diff:E2}");
        }

        // Single-threaded, oneDNN's racy path cannot race: the reference gradient.
        int threads = get_num_threads();
        set_num_threads(1);
        var expected = InputGradient(x0, w, upstream, groups);
        set_num_threads(Math.Max(2, threads));
        try
        {
            for (int trial = 0; trial < 40; trial++)
            {
                PoisonFreedMemory();
                var got = InputGradient(x0, w, upstream, groups);
                Assert.True(got.All(float.IsFinite), $"{conv}: non-finite input gradient in trial {trial}");
                Assert.True(got.SequenceEqual(expected), $"{conv}: trial {trial}'s input gradient differs from the single-threaded one by up to {got.Zip(expected).Max(p => Math.Abs(p.First - p.Second))}");
            }
        }
        finally { set_num_threads(threads); }
    }
}
