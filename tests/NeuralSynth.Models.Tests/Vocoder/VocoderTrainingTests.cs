using System.Globalization;
using NeuralSynth.Formats;
using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Dataset;
using NeuralSynth.Models.Vocoder;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Tests.Vocoder;

/// A tiny vocoder trained for a few dozen steps on a synthetic note dataset (decaying harmonic tones).
public sealed class VocoderTrainingTests : IDisposable
{
    readonly string root = Path.Combine(Path.GetTempPath(), "ns-vocoder-test-" + Guid.NewGuid().ToString("N"));

    static VocoderConfig Tiny() => new()
    {
        Spectral = SpectralConfig.Default with { Frames = 16 },
        Decimations = [4, 1],
        CrossoversHz = [1500],
        CondChannels = 16,
        BandChannels = [6, 4],
        Dilations = [1, 3],
        DiscChannels = 4,
        DiscScales = 2,
        StftResolutions = [[512, 128], [256, 64]],
        SegmentFrames = 8,
        BatchSize = 4,
        LearningRateG = 3e-3,
        LearningRateDecaySteps = 1000,
        CheckpointEvery = 10,
        LogEvery = 5,
    };

    string MakeDataset()
    {
        string dir = Path.Combine(root, "data");
        var rng = new Random(3);
        foreach (var split in new[] { "train", "valid" })
        {
            var examples = new List<NoteExample>();
            Directory.CreateDirectory(Path.Combine(dir, split, "audio"));
            foreach (int pitch in new[] { 45, 52, 57, 64, 69, 76 })
            {
                string name = $"synth_{split}_{pitch:000}-{pitch:000}-100";
                double f0 = 440 * Math.Pow(2, (pitch - 69) / 12.0);
                var x = new float[4096];
                for (int h = 1; h * f0 < 7000; h++)
                {
                    double amp = 0.3 / h, phase = rng.NextDouble() * 6.28;
                    for (int i = 0; i < x.Length; i++) x[i] += (float)(amp * Math.Exp(-i / 3000.0) * Math.Sin(2 * Math.PI * h * f0 * i / 16000 + phase));
                }
                WavFile.Write(Path.Combine(dir, split, "audio", name + ".wav"), [x], 16000);
                examples.Add(new NoteExample
                {
                    NoteStr = name, Pitch = pitch, Velocity = 100, InstrumentStr = "synth", InstrumentFamilyStr = "synth_lead",
                    InstrumentSourceStr = "synthetic", SampleRate = 16000,
                });
            }
            NoteDataset.Save(dir, split, examples);
        }
        return dir;
    }

    static double[] StftColumn(string csv, string column)
    {
        var lines = File.ReadAllLines(csv);
        int c = Array.IndexOf(lines[0].Split(','), column);
        return lines.Skip(1).Select(l => l.Split(',')[c]).Where(v => v.Length > 0).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    }

    [Fact]
    public void TinyConfigTrainsAndItsStftLossFalls_ThenResumesAdversarially()
    {
        string data = MakeDataset(), outDir = Path.Combine(root, "run");
        var config = Tiny() with { AdversarialStartStep = 40 };
        VocoderTrainer.Run(config, new VocoderTrainOptions { DataDir = data, OutDir = outDir, Steps = 40 });
        string csv = Path.Combine(outDir, "losses.csv");
        var sc = StftColumn(csv, "stft_sc");
        var lm = StftColumn(csv, "stft_logmag");
        Assert.Equal(8, sc.Length); // one row per 5 steps
        double first = sc[0] + lm[0], last = sc[^1] + lm[^1];
        Assert.True(last < 0.8 * first, $"MR-STFT loss did not fall: {first:F3} -> {last:F3}");

        // A new run started from this one's generator (--init) begins where it ended, not where a fresh one begins;
        // one of another architecture is refused.
        string tuned = Path.Combine(root, "tuned");
        VocoderTrainer.Run(config, new VocoderTrainOptions { DataDir = data, OutDir = tuned, Steps = 5, InitFrom = outDir });
        double tunedFirst = StftColumn(Path.Combine(tuned, "losses.csv"), "stft_sc")[0] + StftColumn(Path.Combine(tuned, "losses.csv"), "stft_logmag")[0];
        Assert.True(tunedFirst < 0.8 * first, $"the initialised run starts at {tunedFirst:F3}, a fresh one at {first:F3}");
        var other = new VocoderTrainOptions { DataDir = data, OutDir = Path.Combine(root, "other"), Steps = 5, InitFrom = outDir };
        Assert.Contains("--init", Assert.Throws<ArgumentException>(() => VocoderTrainer.Run(config with { BandChannels = [8, 4] }, other)).Message);

        // Resume the same run for 10 more steps with the discriminators switched on (the adversarial code path).
        VocoderTrainer.Run(config, new VocoderTrainOptions { DataDir = data, OutDir = outDir, Steps = 50 });
        var adv = StftColumn(csv, "adv_g");
        Assert.Equal(2, adv.Length);
        Assert.All(adv, v => Assert.True(double.IsFinite(v)));
        Assert.True(File.Exists(Path.Combine(outDir, "pretrain", "generator.safetensors")));
        Assert.True(File.Exists(Path.Combine(outDir, "losses.png")));
        Assert.Contains("\"step\":50", File.ReadAllText(Path.Combine(outDir, "checkpoint", "state.json")));

        // The run directory is a model directory: load it and synthesise deterministically, single == batched.
        using var model = VocoderModel.Load(outDir);
        var mel = new MelSpectrogram(config.Spectral);
        var note = new float[config.Spectral.Samples];
        for (int i = 0; i < note.Length; i++) note[i] = (float)(0.3 * Math.Sin(2 * Math.PI * 220 * i / 16000));
        var logMel = mel.LogMel(note);
        var a = model.Synthesize(logMel, [220f]);
        var b = model.Synthesize(logMel, [220f]);
        Assert.Equal(config.Spectral.Samples, a.Length);
        Assert.Equal(a, b);
        Assert.All(a, v => Assert.True(float.IsFinite(v)));
        var batch = model.Synthesize([logMel, logMel], [220f, 220f]);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(batch[1][i] - a[i]) < 1e-5f, $"sample {i}");
    }

    [Fact]
    public void RejectsConfigsThatDoNotFit()
    {
        Assert.Throws<ArgumentException>(() => (Tiny() with { BandChannels = [4] }).Validate());
        Assert.Throws<ArgumentException>(() => (Tiny() with { CrossoversHz = [1990] }).Validate());
        string path = Path.Combine(root, "bad.json");
        Directory.CreateDirectory(root);
        File.WriteAllText(path, "{ \"band_chanels\": [4, 4] }");
        Assert.Throws<InvalidFileException>(() => VocoderConfig.Load(path));
    }

    [Fact]
    public void ExcitationHoldsExactlyTheHarmonicsInsideEachBand()
    {
        // 110 Hz in band 0 of the default bank (0-400 Hz at 1 kHz): harmonics 1..4 (440 Hz lies inside the transition).
        var bank = new VocoderConfig().CreateFilterBank();
        var band = bank.Bands[0];
        var (first, last) = HarmonicExcitation.HarmonicRange(band, 110);
        Assert.Equal(1, first);
        Assert.Equal((int)Math.Floor(band.HighStopHz / 110), last);
        int n = 1000;
        var buf = new float[3 * n];
        HarmonicExcitation.Fill(buf, n, band, 110, 0.3, noise: true, noiseSeed: 1);
        // Closed form == explicit sum of sines.
        double norm = 1 / Math.Sqrt(last - first + 1);
        for (int i = 0; i < n; i += 37)
        {
            double phi = 0.3 + 2 * Math.PI * 110 * i / band.SampleRate, s = 0, c = 0;
            for (int h = first; h <= last; h++) { s += Math.Sin(h * phi); c += Math.Cos(h * phi); }
            Assert.True(Math.Abs(buf[i] - s * norm) < 1e-4, $"sin comb at {i}: {buf[i]} vs {s * norm}");
            Assert.True(Math.Abs(buf[n + i] - c * norm) < 1e-4, $"cos comb at {i}: {buf[n + i]} vs {c * norm}");
        }
        double rms = Math.Sqrt(buf.AsSpan(2 * n, n).ToArray().Average(v => v * v));
        Assert.InRange(rms, 0.65, 0.76);
        // A note above the band has no harmonics in it.
        Assert.True(HarmonicExcitation.HarmonicRange(band, 1000).Last < HarmonicExcitation.HarmonicRange(band, 1000).First);
    }

    public void Dispose()
    {
        try { Directory.Delete(root, true); } catch (IOException) { }
    }
}
