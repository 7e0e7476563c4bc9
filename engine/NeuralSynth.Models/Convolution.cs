using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NeuralSynth.Models;

/// Every convolution of our networks runs through here, with its output channels (per group) padded with zero filters
/// to a multiple of 16 and the padding sliced off again, and input channels above 16 padded with zero channels too.
///
/// Why: oneDNN's convolution backward-data kernel mishandles output-channel counts that are not a multiple of the CPU's
/// SIMD block (16 floats with AVX-512, 8 with AVX2) when the kernel is wider than 1: it reads the channel padding of its
/// blocked gradient buffer uninitialised (NaN input gradients at random on Zen 5: conv2d 4->8 in 50-85 of 100 trials
/// over NaN-poisoned memory) and, with two or more threads, races on it (a 16->8 3x3 conv gave a different input
/// gradient in 283 of 300 identical backward passes, off by up to 0.8). Padded to the block, oneDNN takes its regular
/// path: exact and repeatable (TorchRuntimeTests), at the cost oneDNN pays anyway, since it computes whole blocks.
/// Input-channel counts above one block that are not a multiple of it (the discriminator's 16 + 1 minibatch-stddev
/// channels) failed the same way (50 of 50 poisoned trials); below one block oneDNN's small-channel kernels are fine.
/// Switching oneDNN off also cures it but made a GANSynth training step 3x slower.
public static class Convolution
{
    public const int Block = 16;

    public static Tensor Conv1d(Tensor x, Tensor weight, Tensor? bias, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
        Padded(x, weight, bias, groups, (xp, w, b) => F.conv1d(xp, w, b, stride, padding, dilation, groups));

    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[]? dilation = null, long groups = 1) =>
        Padded(x, weight, bias, groups, (xp, w, b) => F.conv2d(xp, w, b, stride, padding, dilation ?? [1, 1], groups));

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

    static Tensor Padded(Tensor x, Tensor weight, Tensor? bias, long groups, Func<Tensor, Tensor, Tensor?, Tensor> conv)
    {
        long outChannels = weight.shape[0], perGroupOut = outChannels / groups, perGroupIn = weight.shape[1];
        long kernel = 1;
        for (int d = 2; d < weight.dim(); d++) kernel *= weight.shape[d];
        long extraOut = (Block - perGroupOut % Block) % Block;
        // Input channels: counts below one block take oneDNN's small-channel kernels, which are fine; above, pad too.
        long extraIn = perGroupIn > Block ? (Block - perGroupIn % Block) % Block : 0;
        if (kernel == 1 || (extraOut == 0 && extraIn == 0)) return conv(x, weight, bias);

        using var scope = NewDisposeScope();
        long[] taps = weight.shape[2..];
        var w = weight.view([groups, perGroupOut, perGroupIn, .. taps]);
        if (extraIn > 0)
        {
            w = cat([w, zeros([groups, perGroupOut, extraIn, .. taps], dtype: weight.dtype, device: weight.device)], 2);
            long[] spatialIn = x.shape[2..];
            var xg = x.view([x.shape[0], groups, perGroupIn, .. spatialIn]);
            x = cat([xg, zeros([x.shape[0], groups, extraIn, .. spatialIn], dtype: x.dtype, device: x.device)], 2)
                .view([x.shape[0], groups * (perGroupIn + extraIn), .. spatialIn]);
        }
        if (extraOut > 0) w = cat([w, zeros([groups, extraOut, perGroupIn + extraIn, .. taps], dtype: weight.dtype, device: weight.device)], 1);
        w = w.reshape([groups * (perGroupOut + extraOut), perGroupIn + extraIn, .. taps]);
        Tensor? b = bias is null || extraOut == 0 ? bias
            : cat([bias.view(groups, perGroupOut), zeros([groups, extraOut], dtype: bias.dtype, device: bias.device)], 1).view(groups * (perGroupOut + extraOut));
        var y = conv(x, w, b);
        if (extraOut > 0)
        {
            long[] spatial = y.shape[2..];
            y = y.view([y.shape[0], groups, perGroupOut + extraOut, .. spatial]).narrow(2, 0, perGroupOut).reshape([y.shape[0], outChannels, .. spatial]);
        }
        return y.MoveToOuterDisposeScope();
    }
}
