using System.Collections.Concurrent;
using NeuralSynth.Dsp.FilterBank;
using NeuralSynth.Dsp.Neural;
using NeuralSynth.Formats;

namespace NeuralSynth.Models.Vocoder;

/// The trained multiband vocoder as the product plays it, without torch: log-mel [n_mels, frames] + the note's f0 ->
/// waveform at the config's rate (frames * hop samples). Harmonic + noise excitation (cached per pitch and length), the
/// C# VocoderGraph for the band signals, FilterBankSynthesizer for the sum, then the MelPostFilter when config.json
/// asks for it. Deterministic (phase 0, fixed noise seeds) and thread-safe: render workers may share one instance.
/// The torch VocoderModel computes the same notes (to 1e-4) for training and evaluation.
public sealed class GraphVocoder
{
    public VocoderConfig Config { get; }
    public FilterBankDesign FilterBank { get; }
    public VocoderGraph Graph { get; }
    public string Directory { get; }
    /// Hex SHA-256 prefix of the weights file: part of every cached note's key.
    public string WeightsId { get; }
    public bool PostFilter { get; set; }

    readonly FilterBankSynthesizer synthesizer;
    readonly MelPostFilter postFilter;
    readonly ConcurrentDictionary<(float F0, int Samples), float[][]> excitationCache = new();
    const int ExcitationCacheLimit = 256;

    GraphVocoder(VocoderConfig config, VocoderGraph graph, string directory, string weightsId)
    {
        Config = config;
        Graph = graph;
        Directory = directory;
        WeightsId = weightsId;
        FilterBank = config.CreateFilterBank();
        synthesizer = new FilterBankSynthesizer(FilterBank);
        postFilter = new MelPostFilter(config.Spectral);
        PostFilter = config.PostFilter;
    }

    public const string ConfigFile = "config.json";
    public const string WeightsFile = "generator.safetensors";

    /// dir: config.json + generator.safetensors (what `train vocoder` writes).
    public static GraphVocoder Load(string dir)
    {
        if (!System.IO.Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: vocoder model directory not found");
        var config = VocoderConfig.Load(Path.Combine(dir, ConfigFile));
        string weights = Path.Combine(dir, WeightsFile);
        if (!File.Exists(weights)) throw new FileNotFoundException($"{weights}: weights file not found", weights);
        var graph = new VocoderGraph(config.ToShape(), SafeTensors.Read(weights), weights);
        return new GraphVocoder(config, graph, dir, ModelFiles.Hash(weights));
    }

    /// One note at a constant f0 (Hz; 0 = unvoiced). logMel: [n_mels, frames] row-major, ln units.
    public float[] Synthesize(ReadOnlySpan<float> logMel, int frames, float f0Hz) => Synthesize(logMel, frames, f0Hz, PostFilter);

    /// The same with the post-filter chosen by the caller (NoteRenderer leaves it off for harmonic-head mels).
    public float[] Synthesize(ReadOnlySpan<float> logMel, int frames, float f0Hz, bool withPostFilter)
    {
        int mels = Config.Spectral.NMels;
        if (logMel.Length != mels * frames) throw new ArgumentException($"log-mel has {logMel.Length} values, the vocoder expects {mels} x {frames}");
        if (!float.IsFinite(f0Hz) || f0Hz < 0) throw new ArgumentException($"f0 must be a finite frequency >= 0 Hz, got {f0Hz}");
        int samples = frames * Config.Spectral.Hop;
        var bands = Graph.Bands(logMel, frames, f0Hz, Excitation(f0Hz, samples));
        var y = synthesizer.Synthesize(bands);
        if (!withPostFilter) return y;
        var mel2 = new float[mels, frames];
        Buffer.BlockCopy(logMel.ToArray(), 0, mel2, 0, mels * frames * sizeof(float));
        return postFilter.Apply(y, mel2);
    }

    float[][] Excitation(float f0, int samples)
    {
        if (excitationCache.TryGetValue((f0, samples), out var hit)) return hit;
        var bands = HarmonicExcitation.ForNote(FilterBank, f0, samples, Config.NoiseExcitation);
        if (excitationCache.Count >= ExcitationCacheLimit) excitationCache.Clear();
        excitationCache[(f0, samples)] = bands;
        return bands;
    }
}
