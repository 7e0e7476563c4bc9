using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Evaluation;

/// The classifier's front end, in torch and batched: a 4096-point Hann STFT magnitude resampled onto a
/// log-frequency axis (a pseudo constant-Q spectrogram, bins_per_semitone per semitone), then
/// ln(max(., 1e-5)) normalised per note: x = (max(L - max L, -range) + range/2) / (range/4), in [-2, 2].
/// The per-note normalisation makes the classifier blind to overall level, so generated notes that come
/// out louder or quieter than the data are judged on pitch and timbre only.
public sealed class LogFrequencySpectrogram : IDisposable
{
    readonly ClassifierConfig config;
    readonly Tensor window, filters; // [n_fft], [freq_bins, n_fft/2+1]

    public LogFrequencySpectrogram(ClassifierConfig config)
    {
        this.config = config;
        window = hann_window(config.NFft, periodic: true);
        filters = tensor(FilterMatrix(config), new long[] { config.FreqBins, config.NFft / 2 + 1 });
    }

    /// Row k: a triangle centred on MIDI min_bin_midi + k / bins_per_semitone whose half-width is the larger of
    /// the log-bin spacing and the linear-bin spacing (so narrow low bins interpolate linearly between STFT
    /// bins instead of falling between them), normalised to sum 1. Bins above Nyquist stay zero.
    public static float[] FilterMatrix(ClassifierConfig c)
    {
        int linear = c.NFft / 2 + 1;
        double binHz = c.SampleRate / (double)c.NFft;
        var m = new float[c.FreqBins * linear];
        for (int k = 0; k < c.FreqBins; k++)
        {
            double midi = c.MinBinMidi + k / (double)c.BinsPerSemitone;
            double f = 440 * Math.Pow(2, (midi - 69) / 12);
            double half = Math.Max(f * (Math.Pow(2, 1.0 / (12 * c.BinsPerSemitone)) - 1), binHz);
            double sum = 0;
            for (int j = 0; j < linear; j++)
            {
                double w = 1 - Math.Abs(j * binHz - f) / half;
                if (w > 0) { m[k * linear + j] = (float)w; sum += w; }
            }
            if (f >= c.SampleRate / 2.0 || sum == 0) { Array.Clear(m, k * linear, linear); continue; }
            for (int j = 0; j < linear; j++) m[k * linear + j] = (float)(m[k * linear + j] / sum);
        }
        return m;
    }

    /// audio [batch, samples] (exactly config.samples) -> [batch, 1, freq_bins, frames].
    public Tensor Forward(Tensor audio)
    {
        using var scope = NewDisposeScope();
        var spec = stft(audio, config.NFft, config.Hop, config.NFft, window, center: true, pad_mode: PaddingModes.Reflect, return_complex: true);
        var mag = spec.abs()[.., .., ..config.Frames];
        var log = matmul(filters, mag).clamp_min(S(1e-5f)).log();
        var peak = log.amax(new long[] { 1, 2 }, keepdim: true);
        float r = config.LogRange;
        var x = Add((log - peak).clamp_min(S(-r)), r / 2).div(S(r / 4));
        return x.unsqueeze(1).MoveToOuterDisposeScope();
    }

    /// Notes as float arrays (any length; cut or zero-padded to config.samples) -> [batch, 1, freq_bins, frames].
    public Tensor Forward(IReadOnlyList<float[]> notes)
    {
        var flat = new float[notes.Count * config.Samples];
        for (int i = 0; i < notes.Count; i++)
            Array.Copy(notes[i], 0, flat, i * config.Samples, Math.Min(notes[i].Length, config.Samples));
        using var audio = tensor(flat, new long[] { notes.Count, config.Samples });
        return Forward(audio);
    }

    public void Dispose() { window.Dispose(); filters.Dispose(); }
}
