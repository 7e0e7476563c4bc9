using NeuralSynth.Formats;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Evaluation;

/// Per-note outputs of the classifier: pitch distribution (index = MIDI pitch - min_pitch), family distribution
/// (index into config.families) and the penultimate-layer features the Fréchet distance uses.
public sealed record ClassifierOutputs(float[][] PitchProbs, float[][] FamilyProbs, float[][] Features);

/// A trained evaluation classifier ready for inference: config + front end + network in eval mode.
/// On disk: DIR/config.json + DIR/model.safetensors.
public sealed class ClassifierModel : IDisposable
{
    public const string ConfigFile = "config.json", WeightsFileName = "model.safetensors";

    public ClassifierConfig Config { get; }
    public PitchClassifier Network { get; }
    public LogFrequencySpectrogram FrontEnd { get; }

    public ClassifierModel(ClassifierConfig config, PitchClassifier? network = null)
    {
        Config = config;
        Network = network ?? new PitchClassifier(config);
        FrontEnd = new LogFrequencySpectrogram(config);
    }

    public static ClassifierModel Load(string dir)
    {
        if (!System.IO.Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: classifier directory not found");
        var config = ClassifierConfig.Load(Path.Combine(dir, ConfigFile));
        var model = new ClassifierModel(config);
        ClassifierWeights.Load(model.Network, Path.Combine(dir, WeightsFileName));
        model.Network.eval();
        return model;
    }

    public void Save(string dir)
    {
        System.IO.Directory.CreateDirectory(dir);
        Config.Save(Path.Combine(dir, ConfigFile));
        ClassifierWeights.Save(Network, Path.Combine(dir, WeightsFileName));
    }

    /// Classifies notes (mono float arrays at config.sample_rate, cut or padded to config.samples) in batches.
    /// `progress` receives the number of notes done so far.
    public ClassifierOutputs Predict(IReadOnlyList<float[]> notes, int batchSize = 64, Action<int>? progress = null)
    {
        Network.eval();
        var pitch = new float[notes.Count][];
        var family = new float[notes.Count][];
        var features = new float[notes.Count][];
        using var noGrad = no_grad();
        for (int start = 0; start < notes.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(batchSize, notes.Count - start);
            var batch = new float[n][];
            for (int i = 0; i < n; i++) batch[i] = notes[start + i];
            var f = Network.call(FrontEnd.Forward(batch));
            var (p, fam) = Network.Heads(f);
            Rows(p.softmax(1), pitch, start);
            Rows(fam.softmax(1), family, start);
            Rows(f, features, start);
            progress?.Invoke(start + n);
        }
        return new ClassifierOutputs(pitch, family, features);
    }

    static void Rows(Tensor t, float[][] dest, int start)
    {
        int cols = (int)t.shape[1];
        var data = t.contiguous().data<float>().ToArray();
        for (int i = 0; i < t.shape[0]; i++) dest[start + i] = data.AsSpan(i * cols, cols).ToArray();
    }

    public void Dispose() { Network.Dispose(); FrontEnd.Dispose(); }
}
