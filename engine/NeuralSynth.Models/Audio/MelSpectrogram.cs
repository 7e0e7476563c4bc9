using NeuralSynth.Dsp;
using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Audio;

/// Waveform -> log-mel magnitude in torch (differentiable, batched): Hann-windowed centered STFT,
/// magnitude, the mel matrix of NeuralSynth.Dsp.MelFilterBank, ln(max(., floor)).
/// Output [batch, n_mels, frames] with frames = samples / hop (the last, padding-only frame dropped).
public sealed class MelSpectrogram : IDisposable
{
    public SpectralConfig Config { get; }
    readonly Tensor window, mel; // [n_fft], [n_mels, bins]

    public MelSpectrogram(SpectralConfig config, Device? device = null)
    {
        Config = config;
        window = hann_window(config.NFft, periodic: true, device: device);
        var m = MelFilterBank.CreateRowMajor(config.SampleRate, config.NFft, config.NMels, config.FMin, config.FMax);
        mel = tensor(m, new long[] { config.NMels, config.Bins }, device: device);
    }

    /// Mel filter matrix [n_mels, bins], e.g. for a pseudo-inverse back to linear frequency.
    public Tensor MelMatrix => mel;

    /// Linear magnitude [batch, bins, frames].
    public Tensor Magnitude(Tensor audio)
    {
        using var scope = NewDisposeScope();
        var x = audio.dim() == 1 ? audio.unsqueeze(0) : audio;
        var spec = stft(x, Config.NFft, Config.Hop, Config.NFft, window, center: true, pad_mode: PaddingModes.Reflect, return_complex: true);
        long frames = Math.Min(spec.shape[2], x.shape[1] / Config.Hop);
        return spec.abs()[.., .., ..(int)frames].MoveToOuterDisposeScope();
    }

    /// Log-mel magnitude [batch, n_mels, frames].
    public Tensor LogMel(Tensor audio)
    {
        using var scope = NewDisposeScope();
        var melMag = matmul(mel, Magnitude(audio));
        return melMag.clamp_min(S(Config.LogFloor)).log().MoveToOuterDisposeScope();
    }

    /// Convenience for one note held in a float array.
    public float[,] LogMel(float[] audio)
    {
        using var scope = NewDisposeScope();
        var t = LogMel(tensor(audio)).squeeze(0);
        var r = new float[t.shape[0], t.shape[1]];
        var data = t.contiguous().data<float>().ToArray();
        Buffer.BlockCopy(data, 0, r, 0, data.Length * sizeof(float));
        return r;
    }

    /// Convenience for a batch of equal-length notes: each note's log-mel [n_mels, frames] row-major, as the C# renderers
    /// (NoteRenderer.RenderMeasured, HarmonicAnalysis) take it.
    public float[][] LogMels(IReadOnlyList<float[]> audio)
    {
        using var scope = NewDisposeScope();
        var lm = LogMel(stack(audio.Select(a => tensor(a)).ToArray()));
        return Enumerable.Range(0, audio.Count).Select(i => lm[i].contiguous().data<float>().ToArray()).ToArray();
    }

    public void Dispose() { window.Dispose(); mel.Dispose(); }
}
