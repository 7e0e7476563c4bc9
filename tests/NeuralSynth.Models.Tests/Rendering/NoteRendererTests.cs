using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Models.Vocoder;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Tests.Rendering;

public class NoteRendererTests
{
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
        using var r = new NoteRenderer(g, v, path, batchSize: 2);
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
        Assert.EndsWith(path == InversionPath.If ? ":if" : ":vocoder:unsaved", r.ModelId);
    }

    [Fact]
    public void WrongLatentSizeAndMissingVocoderAreClearErrors()
    {
        using var r = new NoteRenderer(TinyGenerator(), null);
        var e = Assert.Throws<ArgumentException>(() => r.Render(new[] { new NoteRequest(Latent.FromSeed(1, 64), 60, 90) }, CancellationToken.None));
        Assert.Contains("64", e.Message);
        Assert.Throws<ArgumentException>(() => new NoteRenderer(TinyGenerator(), null, InversionPath.Vocoder));
    }
}
