using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Models.Vocoder;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Tests.Rendering;

public class NoteRendererTests
{
    /// The vocoder path's mel clean-up: bands wholly below 0.85 f0 go to the log floor (per note), the rest is a
    /// 3-frame moving mean over time: a steady band stays as it is, a one-frame flicker is spread over three.
    [Fact]
    public void PrepareForVocoder_SilencesBandsBelowTheFundamental_AndSmoothsFlicker()
    {
        var spectral = NeuralSynth.Models.Audio.SpectralConfig.Default;
        int mels = spectral.NMels, frames = 12;
        var x = new float[2 * mels * frames];
        Array.Fill(x, -2f);
        for (int b = 0; b < 2; b++) x[(b * mels + 60) * frames + 6] = 4f;   // a one-frame spike in band 60
        using var logMel = TorchSharp.torch.tensor(x, [2, mels, frames]);
        float[] f0 = [65.4f, 523.3f];   // C2, C5
        using var clean = TorchNoteRenderer.PrepareForVocoder(logMel, f0, new GansynthConfig { Head = GansynthConfig.HeadIfMel });
        using (var asGenerated = TorchNoteRenderer.PrepareForVocoder(logMel, f0, new GansynthConfig { Head = GansynthConfig.HeadHarmonic }))
            Assert.True(asGenerated.allclose(logMel, 0, 0), "a harmonic-head mel goes to the vocoder as generated");
        var y = clean.data<float>().ToArray();
        var edges = NeuralSynth.Dsp.MelScale.MelFrequencies(mels + 2, spectral.FMin, spectral.FMax);
        float floor = MathF.Log(spectral.LogFloor);
        for (int b = 0; b < 2; b++)
            for (int m = 0; m < mels; m++)
            {
                bool below = edges[m + 2] < 0.85 * f0[b];
                float v = y[(b * mels + m) * frames + 1];
                Assert.Equal(below ? floor : -2f, v, 5);
            }
        Assert.Contains(Enumerable.Range(0, mels), m => edges[m + 2] < 0.85 * 523.3 && edges[m + 2] >= 0.85 * 65.4);   // the notes differ
        for (int b = 0; b < 2; b++)
        {
            int row = (b * mels + 60) * frames;
            Assert.Equal(0f, y[row + 5], 5);    // (-2 - 2 + 4) / 3 ... (-2 + 4 - 2) / 3 = 0
            Assert.Equal(0f, y[row + 6], 5);
            Assert.Equal(0f, y[row + 7], 5);
            Assert.Equal(-2f, y[row + 4], 5);
        }
        // The torch-free renderer's copy of the same step gives the same numbers, note by note.
        var ifCfg = new GansynthConfig { Head = GansynthConfig.HeadIfMel, Spectral = spectral with { Frames = frames } };
        for (int b = 0; b < 2; b++)
        {
            var ours = NoteRenderer.PrepareForVocoder(x.AsSpan(b * mels * frames, mels * frames), f0[b], ifCfg);
            for (int i = 0; i < ours.Length; i++) Assert.Equal(y[b * mels * frames + i], ours[i], 5);
        }
    }

    static GansynthModel TinyGenerator()
    {
        TorchSharp.torch.manual_seed(9);
        return new GansynthModel(new GansynthConfig { LatentSize = 8, MinPitch = 60, MaxPitch = 64, Velocities = [50, 100], Channels = [16, 8, 4] });
    }

    [Theory]
    [InlineData(InversionPath.If)]
    [InlineData(InversionPath.Vocoder)]
    public void RendersFullLengthNotesInBatchesThroughEitherPath(InversionPath path)
    {
        var g = TinyGenerator();
        var cfg = new VocoderConfig { BandChannels = [4, 4, 4, 4, 4], CondChannels = 8 };
        var v = path == InversionPath.Vocoder ? VocoderModel.FromGenerator(cfg, new VocoderGenerator(cfg)) : null;
        using var r = new TorchNoteRenderer(g, v, path, batchSize: 2);
        var requests = new[] { 60, 62, 64, 99 }.Select((p, i) => new NoteRequest(Latent.FromSeed(i, 8), p, 100)).ToList();
        var audio = r.Render(requests, CancellationToken.None);
        Assert.Equal(4, audio.Length);
        Assert.All(audio, a => Assert.Equal(g.Config.Samples, a.Length));
        Assert.All(audio, a => Assert.All(a, x => Assert.True(float.IsFinite(x))));
        // Same request, same waveform up to float rounding, even when batched with different neighbours.
        var again = r.Render(new[] { requests[1] }, CancellationToken.None);
        double err = 0, sig = 0;
        for (int i = 0; i < audio[1].Length; i++) { err += Math.Pow(audio[1][i] - again[0][i], 2); sig += Math.Pow(audio[1][i], 2); }
        Assert.True(10 * Math.Log10(sig / Math.Max(err, 1e-30)) > 60, "re-rendering a note alone must match it within 60 dB SNR");
        Assert.EndsWith(path == InversionPath.If ? $":if:v{NoteRenderer.IfPathVersion}:torch" : $":vocoder:unsaved:v{NoteRenderer.VocoderPathVersion}:torch", r.ModelId);
    }

    [Fact]
    public void ANoteWithNonFiniteSamplesIsRefusedNotReturned()
    {
        var g = TinyGenerator();
        using (TorchSharp.torch.no_grad())
            foreach (var (name, p) in g.Generator.named_parameters())
                if (name.StartsWith("toOutput") && name.EndsWith("bias")) p.fill_(TorchScalars.S(float.NaN));
        using var r = new TorchNoteRenderer(g, null, InversionPath.If);
        var e = Assert.Throws<InvalidOperationException>(() => r.Render([new NoteRequest(Latent.FromSeed(1, 8), 60, 100)], CancellationToken.None));
        Assert.Contains("non-finite", e.Message);
    }

    [Fact]
    public void WrongLatentSizeAndMissingVocoderAreClearErrors()
    {
        using var r = new TorchNoteRenderer(TinyGenerator(), null);
        var e = Assert.Throws<ArgumentException>(() => r.Render(new[] { new NoteRequest(Latent.FromSeed(1, 64), 60, 90) }, CancellationToken.None));
        Assert.Contains("64", e.Message);
        Assert.Throws<ArgumentException>(() => new TorchNoteRenderer(TinyGenerator(), null, InversionPath.Vocoder));
    }

    /// The vocoder's mel post-filter runs only on IF-Mel generators' notes, and only when the vocoder's config asks.
    [Fact]
    public void PostFilterOnlyForIfMelGenerators()
    {
        var on = new VocoderConfig { PostFilter = true };
        Assert.False(NoteRenderer.UsesPostFilter(new GansynthConfig { Head = GansynthConfig.HeadHarmonic }, on));
        Assert.True(NoteRenderer.UsesPostFilter(new GansynthConfig { Head = GansynthConfig.HeadIfMel }, on));
        Assert.False(NoteRenderer.UsesPostFilter(new GansynthConfig { Head = GansynthConfig.HeadIfMel }, on with { PostFilter = false }));
    }

    /// The torch-free renderer (what the plug-in and `render` play) against the torch one on the same saved weights:
    /// both heads, both inversion paths, several pitches and velocities; the same notes to 1e-4 of their peak, and the
    /// same again when rendered a second time (bit-identical) or from two threads at once.
    [Theory]
    [InlineData(GansynthConfig.HeadHarmonic, InversionPath.Vocoder)]
    [InlineData(GansynthConfig.HeadIfMel, InversionPath.Vocoder)]
    [InlineData(GansynthConfig.HeadHarmonic, InversionPath.If)]
    [InlineData(GansynthConfig.HeadIfMel, InversionPath.If)]
    public void TorchFreeRendererPlaysTheSameNotesAsTorch(string head, InversionPath path)
    {
        string root = Path.Combine(Path.GetTempPath(), "ns-nr-" + Guid.NewGuid().ToString("N"));
        try
        {
            string modelDir = Path.Combine(root, "gansynth"), vocoderDir = Path.Combine(root, "vocoder");
            TorchSharp.torch.manual_seed(11);
            var cfg = new GansynthConfig { Head = head, LatentSize = 8, MinPitch = 40, MaxPitch = 64, Velocities = [50, 100], Channels = [16, 8, 8], LogMagMax = 1.5f };
            using (var m = new GansynthModel(cfg)) m.Save(modelDir);
            var vcfg = new VocoderConfig { BandChannels = [8, 8, 8, 8, 4], CondChannels = 16, PostFilter = true };
            Directory.CreateDirectory(vocoderDir);
            vcfg.Save(Path.Combine(vocoderDir, VocoderModel.ConfigFile));
            using (var vg = new VocoderGenerator(vcfg)) VocoderWeights.Save(vg, Path.Combine(vocoderDir, VocoderModel.WeightsFile));

            using var torchR = TorchNoteRenderer.Load(modelDir, path, vocoderDir: vocoderDir);
            using var ours = NoteRenderer.Load(modelDir, path, vocoderDir: vocoderDir);
            Assert.Equal(torchR.ModelId + "", ours.ModelId + ":torch");
            var requests = new[] { (40, 50), (52, 100), (64, 75) }.Select((q, i) => new NoteRequest(Latent.FromSeed(i + 3, 8), q.Item1, q.Item2)).ToList();
            var expected = torchR.Render(requests, CancellationToken.None);
            var got = ours.Render(requests, CancellationToken.None);
            for (int i = 0; i < requests.Count; i++)
            {
                Assert.Equal(expected[i].Length, got[i].Length);
                float peak = expected[i].Max(MathF.Abs), worst = 0;
                for (int t = 0; t < got[i].Length; t++) worst = Math.Max(worst, Math.Abs(got[i][t] - expected[i][t]));
                Assert.True(peak > 0, "the note is silent: nothing was compared");
                Assert.True(worst <= 1e-4f * peak + 1e-6f, $"{head} {path} pitch {requests[i].Pitch}: differs from torch by {worst:E2} (peak {peak:E2})");
            }
            var parallel = new float[requests.Count][];
            Parallel.For(0, requests.Count, i => parallel[i] = ours.RenderOne(requests[i]));
            for (int i = 0; i < requests.Count; i++) Assert.Equal(got[i], parallel[i]);
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, true); }
    }
}
