using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Evaluation;

/// Small CNN judging generated notes, as GANSynth's pitch classifier: log-frequency spectrogram ->
/// conv stages (3x3 conv, batch norm, LeakyReLU, max-pool) -> time average -> a feature layer (the
/// Fréchet distance's embedding) -> two heads: pitch (min_pitch..max_pitch) and instrument family.
public sealed class PitchClassifier : Module<Tensor, Tensor>
{
    public ClassifierConfig Config { get; }
    readonly ModuleList<Module<Tensor, Tensor>> convs = new();
    readonly ModuleList<Module<Tensor, Tensor>> norms = new();
    readonly Linear feature, pitchHead, familyHead;
    readonly Dropout dropout;

    public PitchClassifier(ClassifierConfig config) : base("pitch_classifier")
    {
        TorchRuntime.Ensure();
        config.Validate("classifier config");
        Config = config;
        int inChannels = 1;
        foreach (int c in config.Channels)
        {
            convs.Add(Conv2d(inChannels, c, 3, padding: 1, bias: false));
            norms.Add(BatchNorm2d(c));
            inChannels = c;
        }
        int freq = config.FreqBins >> (config.Channels.Length - 1);
        feature = Linear(inChannels * freq, config.FeatureSize);
        dropout = Dropout(config.Dropout);
        pitchHead = Linear(config.FeatureSize, config.PitchCount);
        familyHead = Linear(config.FeatureSize, config.Families.Length);
        RegisterComponents();
    }

    /// Front-end output [batch, 1, freq_bins, frames] -> features [batch, feature_size].
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = functional.avg_pool2d(x, new long[] { 1, Config.TimePool });
        int n = Config.Channels.Length;
        for (int i = 0; i < n; i++)
        {
            h = norms[i].call(Convolution.Call((TorchSharp.Modules.Conv2d)convs[i], h)).leaky_relu(S(0.2));
            if (i < n - 1) h = functional.max_pool2d(h, new long[] { 2, i == 0 ? 1 : 2 });
        }
        h = h.mean(new long[] { 3 }).flatten(1);
        return feature.call(h).leaky_relu(S(0.2)).MoveToOuterDisposeScope();
    }

    /// Logits of both heads from features (dropout applies in training mode only).
    public (Tensor Pitch, Tensor Family) Heads(Tensor features)
    {
        // Not disposed here: in eval mode dropout may hand back its input; the caller's dispose scope owns both.
        var d = dropout.call(features);
        return (pitchHead.call(d), familyHead.call(d));
    }
}
