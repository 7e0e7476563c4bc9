using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;
using F = TorchSharp.torch.nn.functional;

namespace NeuralSynth.Models.Vocoder;

/// The multiband generator: (log-mel [B, n_mels, F], f0 [B] Hz, per-band excitation [B, E, N_k]) -> band signals
/// [B, 1, N_k], band k at sample_rate / s_k with N_k = F * hop / s_k. The frozen FilterBankLayer (torch, training) or
/// FilterBankSynthesizer (C# SIMD, inference) turns them into the waveform.
///
/// A shared frame-rate encoder reads the log-mel and log f0. Each band's output is multiplied by exp(log-gain_k(t)),
/// a frame-rate log amplitude that starts as the mean log-mel over the mel bins inside the band (plus a learned
/// correction from the encoder): levels span 60+ dB between notes, releases and silence, and a log-domain gain
/// makes matching them (what the log-magnitude STFT loss asks) a linear problem instead of one the gated stack
/// must learn from scratch. Each band generator projects the encoder output to
/// all of its conditioning signals AT FRAME RATE (a 1x1 convolution commutes with linear interpolation, so this
/// is exact and ~u times cheaper), upsamples them linearly to its own rate, and runs a small gated dilated
/// residual stack (WaveNet-style tanh x sigmoid units, which multiply the excitation by the conditioning: an
/// amplitude/spectral-envelope control) over the harmonic + noise excitation. Fully convolutional: any length.
public sealed class VocoderGenerator : nn.Module
{
    readonly VocoderConfig cfg;
    readonly Conv1d enc0, enc1, gainMel, gainCond;
    readonly ModuleList<BandGenerator> bands = new();

    public VocoderGenerator(VocoderConfig config) : base("vocoder_generator")
    {
        TorchRuntime.Ensure();
        cfg = config;
        int h = config.CondChannels;
        enc0 = nn.Conv1d(config.Spectral.NMels + 1, h, 3, padding: 1);
        enc1 = nn.Conv1d(h, h, 3, padding: 1);
        int e = HarmonicExcitation.ChannelCount(config.NoiseExcitation);
        for (int k = 0; k < config.Bands; k++)
            bands.Add(new BandGenerator($"band{k}", h, e, config.BandChannels[k], config.Dilations, config.KernelSize));
        gainMel = nn.Conv1d(config.Spectral.NMels, config.Bands, 1);
        gainCond = nn.Conv1d(h, config.Bands, 1);
        InitGain(config);
        RegisterComponents();
    }

    void InitGain(VocoderConfig config)
    {
        var s = config.Spectral;
        var bank = config.CreateFilterBank();
        var centres = NeuralSynth.Dsp.MelScale.MelFrequencies(s.NMels + 2, s.FMin, s.FMax);
        var w = new float[config.Bands * s.NMels];
        for (int k = 0; k < config.Bands; k++)
        {
            var members = Enumerable.Range(0, s.NMels).Where(m => centres[m + 1] >= bank.Bands[k].LowHz && centres[m + 1] < bank.Bands[k].HighHz).ToList();
            if (members.Count == 0) // a band narrower than a mel bin: use the nearest bin
                members.Add(Enumerable.Range(0, s.NMels).MinBy(m => Math.Abs(centres[m + 1] - (bank.Bands[k].LowHz + bank.Bands[k].HighHz) / 2)));
            foreach (int m in members) w[k * s.NMels + m] = 1f / members.Count;
        }
        using var _ = no_grad();
        gainMel.weight!.copy_(tensor(w, [config.Bands, s.NMels, 1]));
        gainMel.bias!.fill_(S(-1.5f)); // Slaney mel of a unit sinusoid is ~e^1..e^2; the comb channels have RMS 0.7
        gainCond.weight!.mul_(S(0.1f));
        gainCond.bias!.zero_();
    }

    /// Normalised network input: log-mel mapped to roughly [-2, 2] plus a log2(f0 / 261.6 Hz) row.
    public static Tensor ConditionInput(Tensor logMel, Tensor f0Hz)
    {
        using var scope = NewDisposeScope();
        long frames = logMel.shape[2];
        var lf0 = f0Hz.dim() == 1 ? f0Hz.unsqueeze(1).expand(-1, frames) : f0Hz; // [B, F]
        lf0 = lf0.clamp_min(S(1f)).div(S(261.63f)).log2().where(lf0 > S(0), zeros_like(lf0));
        var mel = Add(logMel, 4f).div(S(4f));
        return cat([mel, lf0.unsqueeze(1)], 1).MoveToOuterDisposeScope();
    }

    /// Frame-rate conditioning: features [B, cond_channels, F] and per-band log gains [B, K, F].
    public (Tensor Features, Tensor LogGain) Encode(Tensor logMel, Tensor f0Hz)
    {
        using var scope = NewDisposeScope();
        var x = ConditionInput(logMel, f0Hz);
        x = Convolution.Call(enc0, x).leaky_relu(S(0.2));
        x = Convolution.Call(enc1, x).leaky_relu(S(0.2));
        var gain = Add(Convolution.Call(gainMel, logMel), Convolution.Call(gainCond, x)).clamp_max(S(5f));
        return (x.MoveToOuterDisposeScope(), gain.MoveToOuterDisposeScope());
    }

    /// Band signals [B, 1, N_k] from the encoding and the per-band excitation.
    public Tensor[] Bands((Tensor Features, Tensor LogGain) encoded, IReadOnlyList<Tensor> excitation)
    {
        if (excitation.Count != bands.Count) throw new ArgumentException($"expected {bands.Count} excitation tensors, got {excitation.Count}");
        var result = new Tensor[bands.Count];
        for (int k = 0; k < bands.Count; k++)
        {
            using var scope = NewDisposeScope();
            var y = bands[k].forward(encoded.Features, excitation[k]);
            int factor = (int)(y.shape[2] / encoded.LogGain.shape[2]);
            var gain = UpsampleFrames(encoded.LogGain.narrow(1, k, 1), factor).exp();
            result[k] = (y * gain).MoveToOuterDisposeScope();
        }
        return result;
    }

    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// Linear interpolation from frame rate to `factor` samples per frame, with frame f landing exactly on sample
    /// f * factor (frames are centred on sample f * hop) and the edge frames held: [B, C, F] -> [B, C, F * factor].
    public static Tensor UpsampleFrames(Tensor x, int factor)
    {
        using var scope = NewDisposeScope();
        long frames = x.shape[2];
        var padded = cat([x.narrow(2, 0, 1), x, x.narrow(2, frames - 1, 1)], 2); // [B, C, F + 2]
        var up = F.interpolate(padded, size: [(frames + 1) * factor + 1], mode: InterpolationMode.Linear, align_corners: true);
        return up.narrow(2, factor, frames * factor).MoveToOuterDisposeScope();
    }
}

/// One band: frame-rate projection of the conditioning, linear upsampling to the band rate, gated dilated
/// residual stack over the excitation, 1x1 output. [B, H, F] x [B, E, N] -> [B, 1, N].
public sealed class BandGenerator : nn.Module<Tensor, Tensor, Tensor>
{
    readonly int channels, layers;
    readonly Conv1d cond, input, output;
    readonly ModuleList<Conv1d> dilated = new(), residual = new();

    public BandGenerator(string name, int condChannels, int excitationChannels, int channels, int[] dilations, int kernelSize) : base(name)
    {
        this.channels = channels;
        layers = dilations.Length;
        cond = nn.Conv1d(condChannels, channels + 2 * channels * layers, 1);
        input = nn.Conv1d(excitationChannels, channels, 1);
        foreach (int d in dilations)
        {
            dilated.Add(nn.Conv1d(channels, 2 * channels, kernelSize, padding: d * (kernelSize / 2), dilation: d));
            residual.Add(nn.Conv1d(channels, channels, 1));
        }
        output = nn.Conv1d(channels, 1, 1);
        // Start near silence: a loud random output makes the first hundred STFT-loss steps undo the initialisation.
        using (no_grad()) output.weight!.mul_(S(0.1f));
        RegisterComponents();
    }

    public override Tensor forward(Tensor features, Tensor excitation)
    {
        using var scope = NewDisposeScope();
        long n = excitation.shape[2], frames = features.shape[2];
        if (n % frames != 0) throw new ArgumentException($"band length {n} is not a whole number of samples per frame ({frames} frames)");
        var c = VocoderGenerator.UpsampleFrames(Convolution.Call(cond, features), (int)(n / frames)); // [B, C + 2CL, N]
        var x = Add(Convolution.Call(input, excitation), c.narrow(1, 0, channels));
        for (int l = 0; l < layers; l++)
        {
            var h = Add(Convolution.Call(dilated[l], x), c.narrow(1, channels + 2 * channels * l, 2 * channels));
            var g = h.narrow(1, 0, channels).tanh() * h.narrow(1, channels, channels).sigmoid();
            x = Add(x, Convolution.Call(residual[l], g));
        }
        return Convolution.Call(output, x).MoveToOuterDisposeScope();
    }
}
