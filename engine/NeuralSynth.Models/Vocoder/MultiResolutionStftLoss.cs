using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Vocoder;

/// Multi-resolution STFT loss (Parallel WaveGAN / MB-MelGAN): for each (n_fft, hop), Hann window of n_fft,
///   spectral convergence  ||S_real - S_fake||_F / ||S_real||_F
///   log-magnitude         mean |ln S_real - ln S_fake|
/// averaged over resolutions. Magnitudes are sqrt(re^2 + im^2 + 1e-9) so the gradient is finite at zero.
/// The same class computes the evaluation metric (the distance reported by `eval vocoder`).
public sealed class MultiResolutionStftLoss : IDisposable
{
    readonly (int NFft, int Hop, Tensor Window)[] resolutions;

    public MultiResolutionStftLoss(IEnumerable<int[]> resolutions, Device? device = null)
    {
        this.resolutions = resolutions.Select(r => (r[0], r[1], hann_window(r[0], periodic: true, device: device))).ToArray();
    }

    /// real, fake: [B, N] or [B, 1, N]. Returns (spectral convergence, log-magnitude), each a scalar tensor.
    public (Tensor SpectralConvergence, Tensor LogMagnitude) forward(Tensor real, Tensor fake)
    {
        using var scope = NewDisposeScope();
        if (real.dim() == 3) real = real.squeeze(1);
        if (fake.dim() == 3) fake = fake.squeeze(1);
        Tensor sc = zeros(1, device: real.device), lm = zeros(1, device: real.device);
        foreach (var (nFft, hop, window) in resolutions)
        {
            var sr = Magnitude(real, nFft, hop, window);
            var sf = Magnitude(fake, nFft, hop, window);
            sc = Add(sc, (sr - sf).pow(S(2)).sum().sqrt() / sr.pow(S(2)).sum().sqrt().clamp_min(S(1e-7f)));
            lm = Add(lm, (sr.log() - sf.log()).abs().mean());
        }
        float n = resolutions.Length;
        return ((sc / S(n)).squeeze().MoveToOuterDisposeScope(), (lm / S(n)).squeeze().MoveToOuterDisposeScope());
    }

    static Tensor Magnitude(Tensor x, int nFft, int hop, Tensor window)
    {
        var spec = stft(x, nFft, hop, nFft, window, center: true, pad_mode: PaddingModes.Reflect, return_complex: true);
        var ri = view_as_real(spec);
        return Add(ri.pow(S(2)).sum(-1), 1e-9f).sqrt();
    }

    public void Dispose()
    {
        foreach (var r in resolutions) r.Window.Dispose();
    }
}
