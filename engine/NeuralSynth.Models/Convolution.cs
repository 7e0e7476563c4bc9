using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NeuralSynth.Models;

/// Every convolution of our networks runs through here, with its output channels (per group) padded with zero filters
/// to a multiple of 16 and the padding sliced off again.
///
/// Why: oneDNN's convolution backward-data kernel mishandles output-channel counts that are not a multiple of the CPU's
/// SIMD block (16 floats with AVX-512, 8 with AVX2) when the kernel is wider than 1: it reads the channel padding of its
/// blocked gradient buffer uninitialised (NaN input gradients at random on Zen 5: conv2d 4->8 in 50-85 of 100 trials
/// over NaN-poisoned memory) and, with two or more threads, races on it (a 16->8 3x3 conv gave a different input
/// gradient in 283 of 300 identical backward passes, off by up to 0.8). Padded to the block, oneDNN takes its regular
/// path: exact and repeatable (TorchRuntimeTests), at the cost oneDNN pays anyway, since it computes whole blocks.
/// Switching oneDNN off also cures it but made a GANSynth training step 3x slower.
public static class Convolution
{
    public const int Block = 16;

    public static Tensor Conv1d(Tensor x, Tensor weight, Tensor? bias, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
        Padded(weight, bias, groups, (w, b) => F.conv1d(x, w, b, stride, padding, dilation, groups));

    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[]? dilation = null, long groups = 1) =>
        Padded(weight, bias, groups, (w, b) => F.conv2d(x, w, b, stride, padding, dilation ?? [1, 1], groups));

    /// A torch Conv1d module's forward through the padded path (same weights, same result up to float rounding).
    public static Tensor Call(Conv1d m, Tensor x)
    {
        if (m.padding_mode != TorchSharp.PaddingModes.Zeros) throw new NotSupportedException($"padding mode {m.padding_mode}");
        return Conv1d(x, m.weight!, m.bias, m.stride[0], (m.padding ?? throw new NotSupportedException("string padding"))[0], m.dilation[0], m.groups);
    }

    public static Tensor Call(Conv2d m, Tensor x)
    {
        if (m.padding_mode != TorchSharp.PaddingModes.Zeros) throw new NotSupportedException($"padding mode {m.padding_mode}");
        return Conv2d(x, m.weight!, m.bias, m.stride, m.padding ?? throw new NotSupportedException("string padding"), m.dilation, m.groups);
    }

    static Tensor Padded(Tensor weight, Tensor? bias, long groups, Func<Tensor, Tensor?, Tensor> conv)
    {
        long outChannels = weight.shape[0], perGroup = outChannels / groups;
        long kernel = 1;
        for (int d = 2; d < weight.dim(); d++) kernel *= weight.shape[d];
        long extra = (Block - perGroup % Block) % Block;
        if (kernel == 1 || extra == 0) return conv(weight, bias);

        using var scope = NewDisposeScope();
        long[] rest = weight.shape[1..];
        var w = weight.view([groups, perGroup, .. rest]);
        w = cat([w, zeros([groups, extra, .. rest], dtype: weight.dtype, device: weight.device)], 1).view([groups * (perGroup + extra), .. rest]);
        Tensor? b = bias is null ? null
            : cat([bias.view(groups, perGroup), zeros([groups, extra], dtype: bias.dtype, device: bias.device)], 1).view(groups * (perGroup + extra));
        var y = conv(w, b);
        long[] spatial = y.shape[2..];
        y = y.view([y.shape[0], groups, perGroup + extra, .. spatial]).narrow(2, 0, perGroup).reshape([y.shape[0], outChannels, .. spatial]);
        return y.MoveToOuterDisposeScope();
    }
}
