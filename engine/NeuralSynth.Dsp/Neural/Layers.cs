using System.Numerics.Tensors;

namespace NeuralSynth.Dsp.Neural;

/// Inference kernels for one item at a time, channels-first ([C, H, W] or [C, T] flattened row-major), no torch.
/// Every inner loop is a TensorPrimitives call over a contiguous row, so it runs on Vector512 where the CPU has it,
/// Vector256/128 otherwise, with a scalar tail. A layer kind is a kernel here; an architecture is a graph of them.
public static class Layers
{
    /// y[o] = bias[o] + sum_i w[o, i] x[i]; w row-major [outputs, inputs], already scaled.
    public static void Dense(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        int inputs = x.Length;
        for (int o = 0; o < y.Length; o++) y[o] = bias[o] + TensorPrimitives.Dot(w.Slice(o * inputs, inputs), x);
    }

    /// 1x1 convolution: y[co, :] = bias[co] + sum_ci w[co, ci] x[ci, :].
    public static void Pointwise(ReadOnlySpan<float> x, int inChannels, int positions, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, Span<float> y)
    {
        for (int co = 0; co < outChannels; co++)
        {
            var dst = y.Slice(co * positions, positions);
            dst.Fill(bias.IsEmpty ? 0f : bias[co]);
            for (int ci = 0; ci < inChannels; ci++)
                TensorPrimitives.MultiplyAdd(x.Slice(ci * positions, positions), weight[co * inChannels + ci], dst, dst);
        }
    }

    /// Nearest-neighbour 2x upsampling of [c, h, w] to [c, 2h, 2w].
    public static void Upsample2x(ReadOnlySpan<float> x, int channels, int height, int width, Span<float> y)
    {
        int w2 = 2 * width;
        for (int c = 0; c < channels; c++)
            for (int row = 0; row < height; row++)
            {
                var src = x.Slice((c * height + row) * width, width);
                var dst = y.Slice((c * 2 * height + 2 * row) * w2, w2);
                for (int i = 0; i < width; i++) dst[2 * i] = dst[2 * i + 1] = src[i];
                dst.CopyTo(y.Slice((c * 2 * height + 2 * row + 1) * w2, w2));
            }
    }

    /// max(x, slope x) in place.
    public static void LeakyRelu(Span<float> x, float slope, Span<float> scratch)
    {
        var s = scratch[..x.Length];
        TensorPrimitives.Multiply(x, slope, s);
        TensorPrimitives.Max(x, s, x);
    }

    /// Pixel norm (progressive GAN): every position's channel vector scaled to unit RMS, in place on [c, positions].
    public static void PixelNorm(Span<float> x, int channels, Span<float> scratch)
    {
        int positions = x.Length / channels;
        var acc = scratch[..positions];
        acc.Clear();
        for (int c = 0; c < channels; c++)
        {
            var v = x.Slice(c * positions, positions);
            TensorPrimitives.MultiplyAdd(v, v, acc, acc);
        }
        TensorPrimitives.Multiply(acc, 1f / channels, acc);
        TensorPrimitives.Add(acc, 1e-8f, acc);
        TensorPrimitives.ReciprocalSqrt(acc, acc);
        for (int c = 0; c < channels; c++)
        {
            var v = x.Slice(c * positions, positions);
            TensorPrimitives.Multiply(v, acc, v);
        }
    }

    /// y[m, :] = sum_r a[m, r] x[r, :]: a [m, r] row-major, x [r, t] -> y [m, t] (rows of a that are zero cost nothing).
    public static void MatMulRows(ReadOnlySpan<float> a, int m, int r, ReadOnlySpan<float> x, int t, Span<float> y)
    {
        for (int i = 0; i < m; i++)
        {
            var dst = y.Slice(i * t, t);
            dst.Clear();
            for (int j = 0; j < r; j++)
            {
                float w = a[i * r + j];
                if (w != 0) TensorPrimitives.MultiplyAdd(x.Slice(j * t, t), w, dst, dst);
            }
        }
    }
}
