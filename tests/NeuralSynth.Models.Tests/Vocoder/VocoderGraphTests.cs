using NeuralSynth.Dsp;
using NeuralSynth.Dsp.Neural;
using NeuralSynth.Formats;
using NeuralSynth.Models.Vocoder;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Tests.Vocoder;

/// The torch-free C# vocoder graph against the torch VocoderGenerator it mirrors, on the same weights.
public class VocoderGraphTests : IDisposable
{
    readonly string dir = Path.Combine(Path.GetTempPath(), "ns-vgraph-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { if (Directory.Exists(dir)) Directory.Delete(dir, true); }

    // The shipped shape, and an odd one: 12 and 5 band channels (not a multiple of the 8-channel register block),
    // kernel 5, dilations 1 and 2, 20 frames (tiles shorter than the receptive field at the low band).
    static VocoderConfig Config(bool odd) => odd
        ? new() { Decimations = [4, 1], CrossoversHz = [1600], BandChannels = [12, 5], Dilations = [1, 2], KernelSize = 5, CondChannels = 10,
                  NoiseExcitation = false, Spectral = NeuralSynth.Models.Audio.SpectralConfig.Default with { Frames = 20, NMels = 16 } }
        : new();

    [Theory]
    [InlineData(false, KernelPath.Auto)]
    [InlineData(false, KernelPath.Vector256)]
    [InlineData(true, KernelPath.Auto)]
    [InlineData(true, KernelPath.Scalar)]
    public void GraphMatchesTorchToOneTenThousandth(bool odd, KernelPath path)
    {
        var cfg = Config(odd);
        using var g = new VocoderGenerator(cfg);
        using var rng = new TorchSharp.torch.Generator(7);
        using (no_grad())
            foreach (var p in g.parameters()) { using var drawn = randn(p.shape, generator: rng); using var v = drawn * S(0.3f); p.copy_(v); } // biases too: every term counts; temporaries held (see TorchScalars)
        Directory.CreateDirectory(dir);
        string file = Path.Combine(dir, "g.safetensors");
        VocoderWeights.Save(g, file);
        var graph = new VocoderGraph(cfg.ToShape(), SafeTensors.Read(file), file) { Path = path };
        var bank = cfg.CreateFilterBank();
        int frames = odd ? 20 : 24, mels = cfg.Spectral.NMels, e = HarmonicExcitation.ChannelCount(cfg.NoiseExcitation);
        var mel = new float[mels * frames];
        var r = new Random(3);
        for (int i = 0; i < mel.Length; i++) mel[i] = (float)(r.NextDouble() * 8 - 7);
        foreach (float f0 in new[] { 110f, 0f })
        {
            var exc = bank.Bands.Select((b, k) =>
            {
                int n = frames * cfg.Spectral.Hop / b.Decimation;
                var buf = new float[e * n];
                HarmonicExcitation.Fill(buf, n, b, f0, 0, cfg.NoiseExcitation, (ulong)k + 1);
                return buf;
            }).ToArray();
            var ours = graph.Bands(mel, frames, f0, exc);
            float[][] theirs;
            using (no_grad())
            {
                using var scope = NewDisposeScope();
                var enc = g.Encode(tensor(mel, [1, mels, frames]), tensor(new[] { f0 }, [1]));
                theirs = g.Bands(enc, exc.Select(x => tensor(x, [1, e, x.Length / e])).ToList()).Select(t => t.contiguous().data<float>().ToArray()).ToArray();
            }
            for (int k = 0; k < ours.Length; k++)
            {
                Assert.Equal(theirs[k].Length, ours[k].Length);
                double worst = 0, scale = 1e-3;
                for (int i = 0; i < ours[k].Length; i++) scale = Math.Max(scale, Math.Abs(theirs[k][i]));
                for (int i = 0; i < ours[k].Length; i++) worst = Math.Max(worst, Math.Abs(ours[k][i] - theirs[k][i]));
                Assert.True(worst / scale < 1e-4, $"f0 {f0}, band {k}: differs by {worst:E2} (peak {scale:E2})");
            }
        }
    }
}
