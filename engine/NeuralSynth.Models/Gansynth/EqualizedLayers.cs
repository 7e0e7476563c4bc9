using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;
using F = TorchSharp.torch.nn.functional;

namespace NeuralSynth.Models.Gansynth;

/// Convolution with the equalized learning rate of progressive GAN: weights are stored as N(0, 1) and scaled
/// at run time by gain / sqrt(fan_in), so Adam's per-parameter step size acts the same on every layer.
/// "Same" padding (odd kernels only).
public sealed class EqConv2d : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly Parameter bias;
    readonly Scalar scale; // one Scalar per layer, held by the layer: see TorchScalars
    readonly long pad;

    public EqConv2d(string name, long inChannels, long outChannels, long kernel, double gain = 1.4142135623730951) : base(name)
    {
        TorchRuntime.Ensure();
        if (kernel % 2 != 1) throw new ArgumentException("EqConv2d needs an odd kernel for same padding");
        weight = new Parameter(randn(outChannels, inChannels, kernel, kernel));
        bias = new Parameter(zeros(outChannels));
        scale = (gain / Math.Sqrt(inChannels * kernel * kernel)).ToScalar();
        pad = kernel / 2;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var w = weight * scale;
        return Convolution.Conv2d(x, w, bias, stride: [1, 1], padding: [pad, pad]);
    }
}

/// Fully connected layer with equalized learning rate (see EqConv2d).
public sealed class EqLinear : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly Parameter bias;
    readonly Scalar scale; // one Scalar per layer, held by the layer: see TorchScalars

    public EqLinear(string name, long inFeatures, long outFeatures, double gain = 1.4142135623730951) : base(name)
    {
        weight = new Parameter(randn(outFeatures, inFeatures));
        bias = new Parameter(zeros(outFeatures));
        scale = (gain / Math.Sqrt(inFeatures)).ToScalar();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var w = weight * scale;
        return F.linear(x, w, bias);
    }
}

static class Ops
{
    /// Pixel norm (progressive GAN): each position's feature vector scaled to unit RMS over channels (dim 1).
    public static Tensor PixelNorm(Tensor x)
    {
        using var sq = Square(x);
        using var mean = sq.mean([1L], keepdim: true);
        using var rms = Add(mean, 1e-8).rsqrt_();
        return x * rms;
    }

    /// Slope 0.2 as a process-lived Scalar: a temporary Scalar made from 0.2 at each call was freed by its finalizer
    /// while libtorch still read it (a training run died at step ~7,700 with "Expected false to be true" in
    /// c10::Scalar::toFloat under leaky_relu; see TorchScalars).
    public static Tensor LRelu(Tensor x) => x.leaky_relu(S(0.2));

    /// x * x. TorchSharp's square() is pow(2) with a Scalar made for the call, which the GC may free while libtorch
    /// still reads it: a run died at step 32,800 with "INTERNAL ASSERT FAILED at c10/core/Scalar.h" in pow under
    /// pixel norm, the third crash of this kind (see TorchScalars).
    public static Tensor Square(Tensor x) => x * x;
}
