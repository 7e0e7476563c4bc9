using System.Text.Json.Serialization;
using NeuralSynth.Dsp;
using NeuralSynth.Models.Audio;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Evaluation;

/// What the metrics need of one set of notes, computed once per note and then thrown away with the audio:
/// the classifier's pitch distribution and features, a pooled log-mel vector for NDB, YIN's median pitch.
public sealed class NoteSetFeatures
{
    public required string Name { get; init; }
    public required int[] Pitch { get; init; }            // the pitch each note should have (MIDI)
    public required float[][] PitchProbs { get; init; }   // classifier p(pitch | note), index pitch - min_pitch
    public required float[][] FamilyProbs { get; init; }  // classifier p(family | note), index into its config's families
    public required float[][] Features { get; init; }     // classifier penultimate features (Fréchet distance)
    public required float[][] NdbVectors { get; init; }   // pooled log-mel (NDB's k-means space)
    public required float[] YinMidi { get; init; }        // YIN median f0 as fractional MIDI; NaN if unvoiced
    /// The family each note should sound like (a real note's own, a family-conditioned generator's asked one), as an
    /// index into the classifier's families (-1: none of them); null when unknown. Set after extraction.
    public int[]? Family { get; set; }
    public int Count => Pitch.Length;
}

/// One row of the GANSynth evaluation table. FID and NDB compare the set with the real train/test notes.
public sealed record EvalRow(
    [property: JsonPropertyName("set")] string Set,
    [property: JsonPropertyName("notes")] int Notes,
    [property: JsonPropertyName("yin_pitch_accuracy")] double YinPitchAccuracy,
    [property: JsonPropertyName("classifier_pitch_accuracy")] double PitchAccuracy,
    [property: JsonPropertyName("pitch_entropy")] double PitchEntropy,
    [property: JsonPropertyName("inception_score")] double InceptionScore,
    [property: JsonPropertyName("fid_vs_test")] double? FidVsTest,
    [property: JsonPropertyName("fid_vs_train")] double? FidVsTrain,
    [property: JsonPropertyName("ndb")] int Ndb,
    [property: JsonPropertyName("ndb_over_k")] double NdbOverK,
    [property: JsonPropertyName("same_pitch_spread")] double SamePitchSpread,
    [property: JsonPropertyName("fid_vs_test_mean_term")] double? FidVsTestMeanTerm = null,
    [property: JsonPropertyName("family_shares")] IReadOnlyDictionary<string, double>? FamilyShares = null,
    [property: JsonPropertyName("family_accuracy")] double? FamilyAccuracy = null,
    [property: JsonPropertyName("precision_vs_test")] double? Precision = null,
    [property: JsonPropertyName("recall_vs_test")] double? Recall = null,
    [property: JsonPropertyName("recall_vs_test_by_family")] IReadOnlyDictionary<string, double>? RecallByFamily = null);

/// Computes the GANSynth metrics of note sets against the real notes:
///   YIN pitch accuracy: share of notes whose YIN median f0 is within 50 cents of the asked pitch (model-free);
///   classifier pitch accuracy and pitch entropy (mean H(p(pitch|x)), nats); Inception Score over pitch classes;
///   Fréchet distance on the classifier's features vs the real test and the real train notes;
///   NDB/K: k-means bins (K = 50) fitted on the real train notes' pooled log-mel, two-proportion z-tests;
///   precision and recall (k = 3) on the classifier's features vs the real test notes.
public sealed class NoteSetEvaluator : IDisposable
{
    /// Log-mel average-pooling (mel x frame) before k-means: 80 x 128 -> 40 x 32 keeps the spectral envelope
    /// and the note's time course while making k-means over ~3,000 notes cheap.
    public const int NdbPoolMels = 2, NdbPoolFrames = 4;
    /// 50 cents: half a semitone either side, as the issue defines YIN pitch accuracy.
    public const double YinToleranceSemitones = 0.5;

    readonly ClassifierModel classifier;
    readonly MelSpectrogram mel;
    public SpectralConfig Spectral { get; }
    public float YinFMin { get; }
    public float YinFMax { get; }

    public NoteSetEvaluator(ClassifierModel classifier, SpectralConfig spectral)
    {
        this.classifier = classifier;
        Spectral = spectral;
        mel = new MelSpectrogram(spectral);
        // YIN searches a semitone beyond the classifier's pitch range each way (it is told nothing of the note).
        YinFMin = (float)Yin.MidiToHz(classifier.Config.MinPitch - 1);
        YinFMax = (float)Math.Min(Yin.MidiToHz(classifier.Config.MaxPitch + 1), spectral.SampleRate / 2.0);
    }

    /// Extracts everything from notes supplied in chunks (audio at the spectral sample rate, with their pitch);
    /// `progress` gets the number of notes done.
    public NoteSetFeatures Extract(string name, IEnumerable<(float[] Audio, int Pitch)> notes, Action<int>? progress = null, int chunk = 64)
    {
        var pitch = new List<int>();
        var probs = new List<float[]>();
        var fams = new List<float[]>();
        var feats = new List<float[]>();
        var ndb = new List<float[]>();
        var yin = new List<float>();
        var buffer = new List<(float[] Audio, int Pitch)>();
        void Flush()
        {
            if (buffer.Count == 0) return;
            var audio = buffer.Select(b => b.Audio).ToList();
            var outputs = classifier.Predict(audio, chunk);
            probs.AddRange(outputs.PitchProbs);
            fams.AddRange(outputs.FamilyProbs);
            feats.AddRange(outputs.Features);
            ndb.AddRange(NdbVectors(audio));
            var y = new float[audio.Count];
            Parallel.For(0, audio.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 },
                i => y[i] = Yin.MedianPitch(audio[i], Spectral.SampleRate, YinFMin, YinFMax, asMidi: true));
            yin.AddRange(y);
            pitch.AddRange(buffer.Select(b => b.Pitch));
            buffer.Clear();
            progress?.Invoke(pitch.Count);
        }
        foreach (var n in notes)
        {
            buffer.Add(n);
            if (buffer.Count == chunk) Flush();
        }
        Flush();
        if (pitch.Count == 0) throw new ArgumentException($"{name}: no notes to evaluate");
        return new NoteSetFeatures { Name = name, Pitch = pitch.ToArray(), PitchProbs = probs.ToArray(), FamilyProbs = fams.ToArray(), Features = feats.ToArray(), NdbVectors = ndb.ToArray(), YinMidi = yin.ToArray() };
    }

    List<float[]> NdbVectors(IReadOnlyList<float[]> audio)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var flat = new float[audio.Count * Spectral.Samples];
        for (int i = 0; i < audio.Count; i++) Array.Copy(audio[i], 0, flat, i * Spectral.Samples, Math.Min(audio[i].Length, Spectral.Samples));
        var lm = mel.LogMel(tensor(flat, new long[] { audio.Count, Spectral.Samples }));
        var pooled = nn.functional.avg_pool2d(lm.unsqueeze(1), new long[] { NdbPoolMels, NdbPoolFrames }).flatten(1).contiguous();
        int d = (int)pooled.shape[1];
        var data = pooled.data<float>().ToArray();
        var rows = new List<float[]>(audio.Count);
        for (int i = 0; i < audio.Count; i++) rows.Add(data.AsSpan(i * d, d).ToArray());
        return rows;
    }

    /// The metrics of `set` against the real train notes (NDB bins, FID) and, when given, the real test notes.
    public EvalRow Row(NoteSetFeatures set, NoteSetFeatures train, NoteSetFeatures? test, Ndb bins)
    {
        int min = classifier.Config.MinPitch;
        var labels = set.Pitch.Select(p => p - min).ToArray();
        int yinHits = 0;
        for (int i = 0; i < set.Count; i++)
            if (!float.IsNaN(set.YinMidi[i]) && Math.Abs(set.YinMidi[i] - set.Pitch[i]) <= YinToleranceSemitones) yinHits++;
        var ndb = bins.Evaluate(set.NdbVectors);
        bool againstTest = test is not null && !ReferenceEquals(test, set);
        FrechetDistance.Parts? vsTest = againstTest ? FrechetDistance.Split(set.Features, test!.Features) : null;
        PrecisionRecall.Result? pr = againstTest && PrecisionRecall.Enough(test!.Count, set.Count) ? PrecisionRecall.Compute(test.Features, set.Features) : null;
        return new EvalRow(set.Name, set.Count,
            yinHits / (double)set.Count,
            ClassMetrics.Accuracy(set.PitchProbs, labels),
            ClassMetrics.MeanEntropy(set.PitchProbs),
            ClassMetrics.InceptionScore(set.PitchProbs),
            vsTest?.Total,
            ReferenceEquals(train, set) ? null : FrechetDistance.Compute(set.Features, train.Features),
            ndb.Ndb, ndb.NdbOverK, SamePitchSpread(set), vsTest?.MeanTerm, FamilyShares(set, classifier.Config.Families), FamilyAccuracy(set),
            pr?.Precision, pr?.Recall, RecallByFamily(pr, test));
    }

    /// Recall split by the real test notes' family: with one unseen instrument per family in the test split, which
    /// instruments a set never comes near. Null without precision/recall or the test notes' families.
    public IReadOnlyDictionary<string, double>? RecallByFamily(PrecisionRecall.Result? pr, NoteSetFeatures? test) =>
        pr is null || test?.Family is null ? null : PrecisionRecall.RecallByGroup(pr.RealCovered, test.Family, classifier.Config.Families);

    /// The share of notes whose most likely family (by the classifier) is the family they should have (NoteSetFeatures.Family);
    /// null when the set's families are unknown. On the real test notes it says how well the judge knows unseen
    /// instruments' families, the bar for a generator asked for families.
    public static double? FamilyAccuracy(NoteSetFeatures set)
    {
        if (set.Family is null) return null;
        int hits = 0;
        for (int i = 0; i < set.Count; i++)
        {
            var p = set.FamilyProbs[i];
            if (set.Family[i] >= 0 && Array.IndexOf(p, p.Max()) == set.Family[i]) hits++;
        }
        return hits / (double)set.Count;
    }

    /// Which timbres a set plays: the share of its notes whose most likely family (by the classifier) is each family.
    /// Beside the real notes' shares it tells a generator that drops or over-plays families (modes) from one whose
    /// notes are merely less varied within a family.
    public static IReadOnlyDictionary<string, double> FamilyShares(NoteSetFeatures set, string[] families)
    {
        var counts = new int[families.Length];
        foreach (var p in set.FamilyProbs) counts[Array.IndexOf(p, p.Max())]++;
        return families.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => counts[x.i] / (double)set.Count);
    }

    /// Variety where the condition is fixed: the mean Euclidean distance between the classifier features of two notes
    /// of the same pitch, averaged over pitches with >= 2 notes. FID folds this into one number; apart, it tells a
    /// generator that plays too few timbres per pitch (a spread below the real notes') from one that plays wrong ones.
    public static double SamePitchSpread(NoteSetFeatures set)
    {
        double total = 0; int pitches = 0;
        foreach (var group in Enumerable.Range(0, set.Count).GroupBy(i => set.Pitch[i]))
        {
            var idx = group.ToArray();
            if (idx.Length < 2) continue;
            double sum = 0; long pairs = 0;
            for (int a = 0; a < idx.Length; a++)
                for (int b = a + 1; b < idx.Length; b++)
                {
                    float[] x = set.Features[idx[a]], y = set.Features[idx[b]];
                    sum += System.Numerics.Tensors.TensorPrimitives.Distance<float>(x, y);
                    pairs++;
                }
            total += sum / pairs; pitches++;
        }
        return pitches == 0 ? double.NaN : total / pitches;
    }

    public void Dispose() => mel.Dispose();
}
