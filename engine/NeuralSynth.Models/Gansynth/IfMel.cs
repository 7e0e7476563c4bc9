using NeuralSynth.Models.Audio;
using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Gansynth;

/// The IF-Mel representation (GANSynth's best variant) on top of the shared log-mel (Audio.MelSpectrogram),
/// and its inversion to a waveform.
///
/// Forward, per note (all tensors [batch, n_mels, frames]):
///   log-mag: exactly MelSpectrogram.LogMel (the representation the vocoder consumes).
///   mel-IF:  IF[m, t] = angle( sum_k W[m, k] X_k[t] conj(X_k[t-1]) ) / pi, X the centered STFT (X_k[-1] := (-1)^k),
///            i.e. the magnitude-weighted circular mean over the band's linear bins of their phase advance per hop,
///            in [-1, 1]. Averaging unit phasors (not wrapped angles) keeps bins that agree on a partial's
///            frequency agreeing after the mel reduction; where the band is silent (mel magnitude at the log
///            floor) IF is set to 0 instead of the angle of round-off.
/// Inverse (ToWaveform):
///   linear magnitude |X_k| = sum_m W[m,k] (mel[m] / sum_k' W[m,k']) / sum_m W[m,k]: each band's mean magnitude
///            spread back over the bins it covers (preserves a flat spectrum; bins no band covers get 0);
///   linear IF  = angle( sum_m W[m,k] e^{i pi IF[m]} ) / pi (circular interpolation between overlapping bands);
///   phase      = pi k + cumulative sum over frames of pi * IF; then torch.istft (same window/hop, centered).
public sealed class IfMel : IDisposable
{
    public SpectralConfig Config { get; }
    /// Multiplicative NNLS iterations refining the mel -> linear magnitude (0 = band means only).
    public int MagnitudeIterations { get; set; } = 10;
    readonly MelSpectrogram mel;
    readonly Tensor window;     // [n_fft]
    readonly Tensor melToLinMag; // [bins, n_mels]
    readonly Tensor melToLinIf;  // [bins, n_mels]
    readonly Tensor altSign;     // [bins, 1]: (-1)^k
    readonly Tensor binPhase;    // [bins, 1]: pi k

    public IfMel(SpectralConfig config)
    {
        Config = config;
        mel = new MelSpectrogram(config);
        window = hann_window(config.NFft, periodic: true);
        var w = mel.MelMatrix; // [n_mels, bins]
        using var rowSum = w.sum([1L], keepdim: true).clamp_min(S(1e-12));  // [n_mels, 1]: band areas
        using var colSum = w.sum([0L]).unsqueeze(1);                      // [bins, 1]: how much band covers each bin
        using var covered = (colSum > S(0)).to(ScalarType.Float32);
        // mel -> linear: band mean (mel[m] / rowSum[m]) spread back with weights W[m,k] / colSum[k].
        using var spread = w.t() * covered / colSum.clamp_min(S(1e-12));  // [bins, n_mels]
        melToLinMag = (spread / rowSum.t()).contiguous().detach();
        melToLinIf = w.t().contiguous().detach();
        int bins = config.NFft / 2 + 1;
        altSign = tensor(Enumerable.Range(0, bins).Select(k => k % 2 == 0 ? 1f : -1f).ToArray(), [bins, 1]);
        binPhase = tensor(Enumerable.Range(0, bins).Select(k => (float)(Math.PI * (k % 2))).ToArray(), [bins, 1]);
    }

    /// audio [batch, samples] (already Config.Samples long) -> (logMel, ifMel), each [batch, n_mels, frames].
    public (Tensor LogMel, Tensor IfMel) Forward(Tensor audio)
    {
        using var scope = NewDisposeScope();
        var x = audio.dim() == 1 ? audio.unsqueeze(0) : audio;
        var logMel = mel.LogMel(x);
        int frames = (int)logMel.shape[2];
        var spec = stft(x, Config.NFft, Config.Hop, Config.NFft, window, center: true, pad_mode: PaddingModes.Reflect, return_complex: true)[.., .., ..frames];
        // Frame 0 is compared with (-1)^k: that undoes the alternating sign a Hann window starting at the frame
        // start gives adjacent bins of one partial, so IF[m, 0] is the band's (zero-phase) starting phase.
        var first = altSign.to_type(ScalarType.ComplexFloat32).expand(x.shape[0], -1, 1);
        var prev = cat([first, spec[.., .., ..(frames - 1)]], 2);
        var advance = spec * prev.conj();                         // |X_t||X_t-1| e^{i dphi}
        var re = matmul(mel.MelMatrix, view_as_real(advance)[.., .., .., 0]);
        var im = matmul(mel.MelMatrix, view_as_real(advance)[.., .., .., 1]);
        var ifMel = atan2(im, re) / S(Math.PI);
        var silent = logMel <= S((float)Math.Log(Config.LogFloor) + 1e-3f);
        ifMel = ifMel.masked_fill(silent, S(0f));
        return (logMel.MoveToOuterDisposeScope(), ifMel.MoveToOuterDisposeScope());
    }

    /// (logMel, ifMel) [batch, n_mels, frames] -> waveform [batch, frames * hop] at Config.SampleRate.
    public Tensor ToWaveform(Tensor logMel, Tensor ifMel)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var melMag = logMel.exp();
        var linMag = matmul(melToLinMag, melMag);                 // [batch, bins, frames]
        // Non-negative least-squares refinement (multiplicative updates, Lee & Seung) so that W linMag matches the
        // mel magnitudes instead of their smoothed re-projection; it sharpens partials the mel bands resolve.
        var w = mel.MelMatrix;
        var wtMel = matmul(w.t(), melMag);
        for (int i = 0; i < MagnitudeIterations; i++)
            linMag = linMag * wtMel / Add(matmul(w.t(), matmul(w, linMag)), 1e-12);
        var phasor = (ifMel * S(Math.PI));
        var linRe = matmul(melToLinIf, phasor.cos());
        var linIm = matmul(melToLinIf, phasor.sin());
        var linIf = atan2(linIm, linRe);                          // radians per hop, in [-pi, pi]
        var phase = Add(linIf.cumsum(2), binPhase);               // + pi k restores the alternating sign per bin
        var spec = complex(linMag * phase.cos(), linMag * phase.sin());
        var wave = istft(spec, Config.NFft, Config.Hop, Config.NFft, window, center: true, length: Config.Samples);
        return wave.MoveToOuterDisposeScope();
    }

    public void Dispose() { mel.Dispose(); window.Dispose(); melToLinMag.Dispose(); melToLinIf.Dispose(); altSign.Dispose(); binPhase.Dispose(); }
}
