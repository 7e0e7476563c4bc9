using NeuralSynth.Formats;
using NeuralSynth.Models.Dataset;
using NeuralSynth.Models.Evaluation;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Tests.Evaluation;

/// The evaluation classifier end to end on a tiny synthetic dataset (harmonic tones of two "families").
public class ClassifierTests : IDisposable
{
    readonly string dir = Path.Combine(Path.GetTempPath(), "ns-classifier-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { if (Directory.Exists(dir)) Directory.Delete(dir, true); }

    static float[] Tone(int pitch, bool bright, int samples = 8192, int rate = 16000)
    {
        double f = 440 * Math.Pow(2, (pitch - 69) / 12.0);
        var x = new float[samples];
        for (int h = 1; h <= (bright ? 8 : 2); h++)
        {
            if (h * f >= rate / 2) break;
            double a = bright ? 0.3 / h : 0.4 / (h * h);
            for (int i = 0; i < samples; i++) x[i] += (float)(a * Math.Sin(2 * Math.PI * h * f * i / rate) * Math.Exp(-i / (double)rate));
        }
        return x;
    }

    /// Writes an NSynth-layout dataset: pitches 24..84 step `step`, two families.
    void MakeDataset(int step = 4)
    {
        foreach (var split in NoteDataset.Splits)
        {
            var list = new List<NoteExample>();
            Directory.CreateDirectory(Path.Combine(dir, split, "audio"));
            int offset = split == "train" ? 0 : split == "valid" ? 1 : 2;
            for (int p = 24 + offset; p <= 84; p += step)
                foreach (bool bright in new[] { false, true })
                {
                    string family = bright ? "brass" : "flute";
                    string name = $"{family}_acoustic_00{offset}-{p:D3}-090";
                    WavFile.Write(Path.Combine(dir, split, "audio", name + ".wav"), [Tone(p, bright)], 16000);
                    list.Add(new NoteExample
                    {
                        NoteStr = name, Pitch = p, Velocity = 90, InstrumentStr = $"{family}_acoustic_00{offset}",
                        InstrumentFamilyStr = family, InstrumentSourceStr = "acoustic", SampleRate = 16000,
                    });
                }
            NoteDataset.Save(dir, split, list);
        }
    }

    [Fact]
    public void FrontEndPutsAToneAtItsSemitoneBin()
    {
        var c = ClassifierConfig.Tiny(["a"]);
        using var fe = new LogFrequencySpectrogram(c);
        foreach (int pitch in new[] { 60, 72, 81 })
        {
            var sine = Enumerable.Range(0, c.Samples).Select(i => (float)Math.Sin(2 * Math.PI * 440 * Math.Pow(2, (pitch - 69) / 12.0) * i / 16000)).ToArray();
            using var x = fe.Forward([sine]);
            Assert.Equal(new long[] { 1, 1, c.FreqBins, c.Frames }, x.shape);
            using var profile = x[0, 0].mean(new long[] { 1 });
            int peak = (int)profile.argmax().item<long>();
            Assert.Equal(pitch - (int)c.MinBinMidi, peak); // 1 bin per semitone in the tiny config
            Assert.True(x.max().item<float>() <= 2.0001f && x.min().item<float>() >= -2.0001f);
        }
    }

    [Fact]
    public void TrainingLowersTheLossAndSavedModelPredictsIdentically()
    {
        MakeDataset();
        string run = Path.Combine(dir, "run");
        var config = ClassifierConfig.Tiny([]);
        var result = ClassifierTrainer.Run(new ClassifierTrainer.Options(dir, run, Steps: 60, CheckpointEvery: 30, EvalEvery: 30, Config: config));
        var losses = File.ReadAllLines(Path.Combine(run, "losses.csv")).Skip(1).Select(l => double.Parse(l.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(losses[^1] < 0.7 * losses[0], $"loss {losses[0]} -> {losses[^1]}");
        Assert.Equal(new[] { "train", "valid", "test" }, result.Splits.Select(s => s.Split));
        Assert.True(result.Splits[0].FamilyAccuracy > 0.9, $"train family accuracy {result.Splits[0].FamilyAccuracy}");
        Assert.True(File.Exists(Path.Combine(run, "checkpoint", "state.json")));

        using var model = ClassifierModel.Load(run);
        Assert.Equal(new[] { "brass", "flute" }, model.Config.Families);
        var notes = new[] { Tone(40, true), Tone(66, false), Tone(80, true) };
        var a = model.Predict(notes, batchSize: 2);
        Assert.Equal(3, a.Features.Length);
        Assert.Equal(model.Config.FeatureSize, a.Features[0].Length);
        Assert.Equal(61, a.PitchProbs[0].Length);
        Assert.Equal(1.0, a.PitchProbs[1].Sum(), 4);

        // Save -> load round trip reproduces every output bit for bit.
        string copy = Path.Combine(dir, "copy");
        model.Save(copy);
        using var reloaded = ClassifierModel.Load(copy);
        var b = reloaded.Predict(notes, batchSize: 2); // same batching: BLAS sums differ across batch shapes
        for (int i = 0; i < notes.Length; i++)
        {
            Assert.Equal(a.Features[i], b.Features[i]);
            Assert.Equal(a.PitchProbs[i], b.PitchProbs[i]);
        }
    }

    [Fact]
    public void LoadingWeightsOfAnotherShapeNamesTheTensor()
    {
        var small = new ClassifierModel(ClassifierConfig.Tiny(["a", "b"]));
        small.Save(dir);
        var bigger = ClassifierConfig.Tiny(["a", "b"]) with { FeatureSize = 24 };
        bigger.Save(Path.Combine(dir, ClassifierModel.ConfigFile));
        var e = Assert.Throws<InvalidFileException>(() => ClassifierModel.Load(dir));
        Assert.Contains("has shape [2, 16], the model expects [2, 24]", e.Message); // familyHead.weight, first mismatch by name
        Assert.Contains("model.safetensors", e.Message);
        small.Dispose();
    }
}
