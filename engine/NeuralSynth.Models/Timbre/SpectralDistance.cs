using NeuralSynth.Models.Audio;
using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;
using F = TorchSharp.torch.nn.functional;

namespace NeuralSynth.Models.Timbre;

/// Multi-resolution spectral distance on log-mel spectrograms: the inversion loss, and the measure behind the
/// morph-smoothness and inversion reports. At each resolution s (s x s average pooling of the mel magnitude over
/// bands and frames, 1 = full resolution) it adds the spectral convergence ||Ma - Mb||_F / ||Mb||_F and the mean
/// absolute log-magnitude difference; the distance is the mean over resolutions. Fine resolutions catch partials
/// and onsets, coarse ones the spectral envelope and the decay, so a gradient on z sees both (as the
/// multi-resolution STFT loss of Parallel WaveGAN does for waveforms). Differentiable; b is the reference.
public static class SpectralDistance
{
    public static readonly int[] Resolutions = [1, 2, 4, 8];

    /// a, b: log-mel [B, n_mels, frames] (ln units) -> distance per item [B].
    public static Tensor PerItem(Tensor a, Tensor b, float logFloor = 1e-5f)
    {
        using var scope = NewDisposeScope();
        if (!a.shape.SequenceEqual(b.shape)) throw new ArgumentException($"log-mel shapes differ: [{string.Join(", ", a.shape)}] vs [{string.Join(", ", b.shape)}]");
        var ma = a.exp().unsqueeze(1);
        var mb = b.exp().unsqueeze(1);
        using var floor = logFloor.ToScalar(); // a parameter: held for the call, not a cached constant (see TorchScalars)
        Tensor? total = null;
        foreach (int s in Resolutions)
        {
            var pa = s == 1 ? ma : F.avg_pool2d(ma, [s, s], [s, s], ceil_mode: true);
            var pb = s == 1 ? mb : F.avg_pool2d(mb, [s, s], [s, s], ceil_mode: true);
            var sc = (pa - pb).pow(S(2)).sum([1L, 2L, 3L]).sqrt() / Add(pb.pow(S(2)).sum([1L, 2L, 3L]).sqrt(), 1e-8);
            var lm = (pa.clamp_min(floor).log() - pb.clamp_min(floor).log()).abs().mean([1L, 2L, 3L]);
            var d = Add(sc, lm);
            total = total is null ? d : Add(total, d);
        }
        return (total! / S(Resolutions.Length)).MoveToOuterDisposeScope();
    }

    /// Distance between two log-mel arrays [n_mels, frames].
    public static double Between(float[,] a, float[,] b)
    {
        using var scope = NewDisposeScope();
        return PerItem(ToTensor(a), ToTensor(b)).item<float>();
    }

    /// Distance between two waveforms (fitted to the config's length) through the shared log-mel front end.
    public static double BetweenAudio(MelSpectrogram mel, float[] a, float[] b) =>
        Between(mel.LogMel(mel.Config.FitLength(a)), mel.LogMel(mel.Config.FitLength(b)));

    internal static Tensor ToTensor(float[,] a)
    {
        var flat = new float[a.Length];
        Buffer.BlockCopy(a, 0, flat, 0, flat.Length * sizeof(float));
        return tensor(flat, [1, a.GetLength(0), a.GetLength(1)]);
    }
}
