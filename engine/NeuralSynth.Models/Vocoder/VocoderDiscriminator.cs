using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;
using F = TorchSharp.torch.nn.functional;

namespace NeuralSynth.Models.Vocoder;

/// Per-band, multi-scale, mel-conditioned discriminators (seed 003: one discriminator per band at the band's own
/// rate, each seeing the conditioning spectrogram). The audio (real, or the generator's output) is split into bands
/// by the frozen analysis filters (FilterBankLayer.AnalyzeBand), so both are judged in the same representation.
/// Band k is judged at its rate and at disc_scales-1 further 2x average-pooled rates (MelGAN's multi-scale idea
/// inside each band). Conditioning is by projection (Miyato & Koyama): score = w.h + &lt;h, P(mel)&gt; per time step,
/// with P(mel) from a shared frame-rate encoder, linearly upsampled to the feature rate.
public sealed class VocoderDiscriminator : nn.Module
{
    readonly Conv1d enc;
    readonly ModuleList<ScaleDiscriminator> discs = new();
    readonly int bandCount, scales;

    public VocoderDiscriminator(VocoderConfig config) : base("vocoder_discriminator")
    {
        TorchRuntime.Ensure();
        bandCount = config.Bands;
        scales = config.DiscScales;
        int d = config.DiscChannels;
        enc = nn.Conv1d(config.Spectral.NMels + 1, 4 * d, 3, padding: 1);
        for (int k = 0; k < bandCount; k++)
            for (int s = 0; s < scales; s++)
                discs.Add(new ScaleDiscriminator($"band{k}_scale{s}", d, 4 * d));
        RegisterComponents();
    }

    public int Count => discs.Count;

    /// Frame-rate conditioning for the projections [B, 4D, F].
    public Tensor Encode(Tensor logMel, Tensor f0Hz)
    {
        using var scope = NewDisposeScope();
        return Convolution.Call(enc, VocoderGenerator.ConditionInput(logMel, f0Hz)).leaky_relu(S(0.2)).MoveToOuterDisposeScope();
    }

    /// bands[k]: [B, 1, N_k] analysis band signals. Returns, per discriminator, its score map and feature maps.
    public List<(Tensor Score, List<Tensor> Features)> forward(IReadOnlyList<Tensor> bands, Tensor condFeatures)
    {
        if (bands.Count != bandCount) throw new ArgumentException($"expected {bandCount} bands, got {bands.Count}");
        var result = new List<(Tensor, List<Tensor>)>(discs.Count);
        for (int k = 0; k < bandCount; k++)
        {
            Tensor x = bands[k];
            for (int s = 0; s < scales; s++)
            {
                if (s > 0) x = F.avg_pool1d(x, 4, 2, 1, count_include_pad: false);
                result.Add(discs[k * scales + s].forward(x, condFeatures));
            }
        }
        return result;
    }
}

/// MelGAN-style 1-D discriminator (small): wide first conv, two grouped stride-4 convs, one more conv, a score conv
/// plus the projection term.
public sealed class ScaleDiscriminator : nn.Module<Tensor, Tensor, (Tensor Score, List<Tensor> Features)>
{
    readonly ModuleList<Conv1d> convs = new();
    readonly Conv1d score, project;

    public ScaleDiscriminator(string name, int d, int condChannels) : base(name)
    {
        convs.Add(nn.Conv1d(1, d, 15, padding: 7));
        convs.Add(nn.Conv1d(d, 2 * d, 11, stride: 4, padding: 5, groups: 1));
        convs.Add(nn.Conv1d(2 * d, 4 * d, 11, stride: 4, padding: 5, groups: 4));
        convs.Add(nn.Conv1d(4 * d, 4 * d, 5, padding: 2));
        score = nn.Conv1d(4 * d, 1, 3, padding: 1);
        project = nn.Conv1d(condChannels, 4 * d, 1);
        RegisterComponents();
    }

    public override (Tensor Score, List<Tensor> Features) forward(Tensor x, Tensor condFeatures)
    {
        var features = new List<Tensor>(convs.Count);
        var h = x;
        foreach (var conv in convs)
        {
            h = Convolution.Call(conv, h).leaky_relu(S(0.2));
            features.Add(h);
        }
        long t = h.shape[2];
        var p = F.interpolate(Convolution.Call(project, condFeatures), size: [t], mode: InterpolationMode.Linear, align_corners: false);
        var s = Add(Convolution.Call(score, h), (h * p).sum(1, keepdim: true).mul(S(1f / MathF.Sqrt(h.shape[1])))); // scaled like a dot product of unit-variance vectors
        return (s, features);
    }
}
