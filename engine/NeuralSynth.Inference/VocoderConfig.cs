using System.Text.Json;
using System.Text.Json.Serialization;
using NeuralSynth.Dsp.FilterBank;
using NeuralSynth.Formats;
using NeuralSynth.Models.Audio;

namespace NeuralSynth.Models.Vocoder;

/// The multiband vocoder's config.json: architecture, filter bank, losses and training schedule.
/// Every field has a default, so `{}` is the default model. Unknown fields are rejected (a typo must not
/// silently train the wrong model).
public sealed record VocoderConfig
{
    [JsonPropertyName("spectral")] public SpectralConfig Spectral { get; init; } = SpectralConfig.Default;

    // --- filter bank: band k lives at sample_rate / decimations[k]; crossovers between consecutive bands.
    [JsonPropertyName("decimations")] public int[] Decimations { get; init; } = [16, 8, 4, 2, 1];
    [JsonPropertyName("crossovers_hz")] public double[] CrossoversHz { get; init; } = [400, 800, 1600, 3200];
    [JsonPropertyName("taps_per_phase")] public int TapsPerPhase { get; init; } = 32;
    [JsonPropertyName("kaiser_beta")] public double KaiserBeta { get; init; } = 5.65;

    // --- generator
    /// Width of the shared frame-rate conditioning encoder (log-mel + log f0 in).
    [JsonPropertyName("cond_channels")] public int CondChannels { get; init; } = 64;
    /// Residual channels of each band generator (one entry per band).
    [JsonPropertyName("band_channels")] public int[] BandChannels { get; init; } = [16, 16, 16, 16, 8];
    /// Dilations of the gated residual stack run at each band's own rate.
    [JsonPropertyName("dilations")] public int[] Dilations { get; init; } = [1, 3, 9];
    [JsonPropertyName("kernel_size")] public int KernelSize { get; init; } = 3;
    /// Excitation: harmonic (sum of sines and sum of cosines of the note's harmonics inside the band) + noise.
    [JsonPropertyName("noise_excitation")] public bool NoiseExcitation { get; init; } = true;

    /// Inference only: apply the MelPostFilter to every synthesised note (VocoderModel.PostFilter starts from this).
    [JsonPropertyName("post_filter")] public bool PostFilter { get; init; }

    // --- discriminators: per band, at the band's rate and `disc_scales`-1 further 2x average-pooled scales.
    [JsonPropertyName("disc_channels")] public int DiscChannels { get; init; } = 16;
    [JsonPropertyName("disc_scales")] public int DiscScales { get; init; } = 2;

    // --- losses
    /// Multi-resolution STFT: [n_fft, hop] pairs (window = n_fft, Hann).
    [JsonPropertyName("stft_resolutions")] public int[][] StftResolutions { get; init; } = [[2048, 512], [1024, 256], [512, 128], [256, 64]];
    [JsonPropertyName("lambda_stft")] public double LambdaStft { get; init; } = 1.0;
    [JsonPropertyName("lambda_adv")] public double LambdaAdv { get; init; } = 1.0;
    [JsonPropertyName("lambda_fm")] public double LambdaFm { get; init; } = 2.0;
    /// "lsgan" or "hinge".
    [JsonPropertyName("adversarial_loss")] public string AdversarialLoss { get; init; } = "lsgan";
    /// Steps of STFT-only pre-training before the discriminators switch on (MB-MelGAN does the same).
    [JsonPropertyName("adversarial_start_step")] public int AdversarialStartStep { get; init; } = 1_000_000;

    // --- training
    [JsonPropertyName("segment_frames")] public int SegmentFrames { get; init; } = 64;
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 8;
    [JsonPropertyName("steps")] public int Steps { get; init; } = 10_000;
    [JsonPropertyName("lr_g")] public double LearningRateG { get; init; } = 1e-3;
    [JsonPropertyName("lr_d")] public double LearningRateD { get; init; } = 2e-4;
    /// Multiply both learning rates by lr_decay every lr_decay_steps steps.
    [JsonPropertyName("lr_decay")] public double LearningRateDecay { get; init; } = 0.5;
    [JsonPropertyName("lr_decay_steps")] public int LearningRateDecaySteps { get; init; } = 4000;
    [JsonPropertyName("grad_clip")] public double GradClip { get; init; } = 10.0;
    [JsonPropertyName("seed")] public int Seed { get; init; } = 1234;
    [JsonPropertyName("checkpoint_every")] public int CheckpointEvery { get; init; } = 250;
    [JsonPropertyName("log_every")] public int LogEvery { get; init; } = 10;

    [JsonIgnore] public int Bands => Decimations.Length;

    /// The generator's shape for the torch-free graph (NeuralSynth.Dsp.Neural.VocoderGraph).
    public NeuralSynth.Dsp.Neural.VocoderShape ToShape() =>
        new(Spectral.NMels, CondChannels, Spectral.Hop, Decimations, BandChannels, Dilations, KernelSize, HarmonicExcitation.ChannelCount(NoiseExcitation));

    public FilterBankDesign CreateFilterBank() =>
        FilterBankDesign.Create(Spectral.SampleRate, Decimations, CrossoversHz, TapsPerPhase, KaiserBeta);

    public string ToJson() => JsonSerializer.Serialize(this, VocoderConfigJson.Default.VocoderConfig);

    public void Save(string path) => File.WriteAllText(path, ToJson());

    public static VocoderConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: vocoder config not found", path);
        VocoderConfig? config;
        try { config = ConfigReader.OverDefaults(File.ReadAllText(path), VocoderConfigJson.Default.VocoderConfig, new VocoderConfig()); }
        catch (JsonException e) { throw new InvalidFileException(path, e.BytePositionInLine ?? 0, "malformed vocoder config: " + e.Message); }
        if (config is null) throw new InvalidFileException(path, 0, "vocoder config is null");
        try { config.Validate(); }
        catch (ArgumentException e) { throw new InvalidFileException(path, 0, e.Message); }
        return config;
    }

    /// Throws ArgumentException describing the first inconsistency.
    public void Validate()
    {
        Spectral.Validate("vocoder config");
        if (BandChannels.Length != Bands) throw new ArgumentException($"band_channels has {BandChannels.Length} entries for {Bands} bands");
        if (BandChannels.Any(c => c < 1) || CondChannels < 1 || DiscChannels < 1) throw new ArgumentException("channel counts must be >= 1");
        if (Dilations.Length < 1 || Dilations.Any(d => d < 1)) throw new ArgumentException("dilations must be a non-empty list of values >= 1");
        if (KernelSize < 1 || KernelSize % 2 == 0) throw new ArgumentException($"kernel_size must be odd, got {KernelSize}");
        if (DiscScales < 1) throw new ArgumentException("disc_scales must be >= 1");
        if (StftResolutions.Length < 1 || StftResolutions.Any(r => r.Length != 2 || r[0] < 16 || r[1] < 1 || r[1] > r[0]))
            throw new ArgumentException("stft_resolutions must be [n_fft, hop] pairs with 1 <= hop <= n_fft");
        if (AdversarialLoss is not ("lsgan" or "hinge")) throw new ArgumentException($"adversarial_loss must be lsgan or hinge, got '{AdversarialLoss}'");
        if (SegmentFrames < 4 || BatchSize < 1 || Steps < 0) throw new ArgumentException("segment_frames >= 4, batch_size >= 1, steps >= 0");
        if (SegmentFrames > Spectral.Frames) throw new ArgumentException($"segment_frames {SegmentFrames} exceeds the note length {Spectral.Frames} frames");
        if (LearningRateDecaySteps < 1 || CheckpointEvery < 1 || LogEvery < 1) throw new ArgumentException("lr_decay_steps, checkpoint_every, log_every must be >= 1");
        var bank = CreateFilterBank(); // throws if a band does not fit its rate
        if (Spectral.Hop % bank.MaxDecimation != 0)
            throw new ArgumentException($"hop {Spectral.Hop} must be a multiple of every decimation (max {bank.MaxDecimation})");
    }
}
