using NeuralSynth.Dsp;
using NeuralSynth.Models.Audio;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Gansynth;

/// The fixed, differentiable layer of the harmonic head: per-harmonic log amplitudes over time plus a per-band noise
/// level -> the log-mel (and mel IF) the note has at its exact f0. The generator paints timbre on a pitch-relative axis;
/// where the harmonics fall in the mel spectrum is computed, not learned, so a note cannot come out in the wrong octave.
///
/// Harmonic rows: row r stands for harmonic number h(r): r + 1 for the first K/2 rows, then geometric up to
/// MaxHarmonic, so that the lowest note (MIDI 24, 244 harmonics below 8 kHz) keeps its whole spectrum in K rows.
/// A harmonic between two rows takes their linearly interpolated amplitude.
///
/// Levels: a row value a means "this harmonic alone shows log-mel a in the band where it peaks", so harmonics and
/// noise share the log-mel range [log_mag_min, log_mag_max] of the data. For a stationary sinusoid the centred,
/// Hann-windowed STFT magnitude is exactly |rfft(window * cos)| in every interior frame; its mel image R[p, h, :]
/// is measured once per (pitch, harmonic) with the same mel matrix MelSpectrogram uses. Harmonics add in
/// magnitude (exact while they are more than the window's main lobe apart, i.e. above ~60 Hz; an upper bound below).
///   mel[b, m, t] = sum_r M[p_b, m, r] exp(a[b, r, t]) + exp(n[b, m, t]);  log-mel = ln(max(mel, floor))
/// The mel IF of a band (IfMel's definition: angle of the power-weighted phase advance per hop / pi) follows from the
/// same sums with power weights and each harmonic's phase advance 2 pi h f0 hop / sr.
public sealed class HarmonicMel : IDisposable
{
    public const int MaxHarmonic = 256;
    readonly SpectralConfig spectral;
    readonly Tensor magnitude;            // [pitches, n_mels, rows]: M above
    readonly Tensor powerCos, powerSin;   // [pitches, n_mels, rows]: power-weighted phase-advance sums (IF)
    public int MinPitch { get; }
    public int Rows { get; }

    public HarmonicMel(SpectralConfig spectral, int minPitch, int maxPitch, int rows)
    {
        this.spectral = spectral;
        MinPitch = minPitch;
        Rows = rows;
        int pitches = maxPitch - minPitch + 1, mels = spectral.NMels, n = spectral.NFft, bins = spectral.Bins;
        var melW = MelFilterBank.CreateRowMajor(spectral.SampleRate, n, mels, spectral.FMin, spectral.FMax);
        var mag = new float[pitches * mels * rows];
        var pc = new float[pitches * mels * rows];
        var ps = new float[pitches * mels * rows];
        var window = new double[n];
        for (int i = 0; i < n; i++) window[i] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / n);
        double top = Math.Min(spectral.FMax, spectral.SampleRate / 2.0);
        var fft = Fft.Get(n);
        var re = new float[bins]; var im = new float[bins];
        var melMag = new double[mels]; var melPow = new double[mels];
        var frame = new float[n];
        for (int p = 0; p < pitches; p++)
        {
            double f0 = 440.0 * Math.Pow(2, (minPitch + p - 69) / 12.0);
            for (int h = 1; h <= MaxHarmonic && h * f0 < top; h++)
            {
                double f = h * f0;
                for (int i = 0; i < n; i++) frame[i] = (float)(window[i] * Math.Cos(2 * Math.PI * f * (i - n / 2) / spectral.SampleRate));
                fft.RealForward(frame, re, im);
                Array.Clear(melMag); Array.Clear(melPow);
                for (int m = 0; m < mels; m++)
                    for (int k = 0; k < bins; k++)
                    {
                        float w = melW[m * bins + k];
                        if (w == 0) continue;
                        double a2 = (double)re[k] * re[k] + (double)im[k] * im[k];
                        melMag[m] += w * Math.Sqrt(a2);
                        melPow[m] += w * a2;
                    }
                double peak = melMag.Max();
                if (peak <= 0) continue;
                double advance = Math.PI * (2.0 * f * spectral.Hop / spectral.SampleRate); // radians per hop
                var (lo, hi, wHi) = RowsOf(h, rows);
                foreach (var (r, wr) in new[] { (lo, 1 - wHi), (hi, wHi) })
                {
                    if (wr == 0) continue;
                    for (int m = 0; m < mels; m++)
                    {
                        int idx = (p * mels + m) * rows + r;
                        mag[idx] += (float)(wr * melMag[m] / peak);
                        // Power scales with the square of the amplitude: the row's exp(2a) times (1/peak)^2.
                        double pw = wr * melPow[m] / (peak * peak);
                        pc[idx] += (float)(pw * Math.Cos(advance));
                        ps[idx] += (float)(pw * Math.Sin(advance));
                    }
                }
            }
        }
        magnitude = tensor(mag, [pitches, mels, rows]);
        powerCos = tensor(pc, [pitches, mels, rows]);
        powerSin = tensor(ps, [pitches, mels, rows]);
    }

    /// Fractional row of harmonic h: linear for the first rows/2 harmonics, geometric above, MaxHarmonic at the last row.
    public static double RowPosition(double h, int rows)
    {
        int linear = rows / 2;
        if (h <= linear) return h - 1;
        return linear - 1 + (rows - linear) * Math.Log(h / linear) / Math.Log((double)MaxHarmonic / linear);
    }

    static (int Lo, int Hi, double WHi) RowsOf(int h, int rows)
    {
        double rho = Math.Min(RowPosition(h, rows), rows - 1);
        int lo = (int)Math.Floor(rho);
        int hi = Math.Min(lo + 1, rows - 1);
        return (lo, hi, rho - lo);
    }

    /// harmonics: [B, rows, T] log amplitudes (ln units); noise: [B, n_mels, T] log levels; pitchIndex: [B] (int64,
    /// pitch - min_pitch). Returns the log-mel [B, n_mels, T] in ln units, differentiable in both inputs.
    public Tensor LogMel(Tensor harmonics, Tensor noise, Tensor pitchIndex)
    {
        using var scope = NewDisposeScope();
        var m = magnitude.index_select(0, pitchIndex);
        var mel = bmm(m, harmonics.exp()) + noise.exp();
        return mel.clamp_min(spectral.LogFloor).log().MoveToOuterDisposeScope();
    }

    /// Mel IF [B, n_mels, T] in [-1, 1] of the harmonic part; 0 where the band is at the log floor (as IfMel writes it).
    public Tensor IfMel(Tensor harmonics, Tensor logMel, Tensor pitchIndex)
    {
        using var scope = NewDisposeScope();
        var power = (harmonics * 2).exp();
        var c = bmm(powerCos.index_select(0, pitchIndex), power);
        var s = bmm(powerSin.index_select(0, pitchIndex), power);
        var ifm = atan2(s, c) / Math.PI;
        var audible = logMel.gt(MathF.Log(spectral.LogFloor) + 1e-3f).to_type(ScalarType.Float32);
        return (ifm * audible).MoveToOuterDisposeScope();
    }

    public void Dispose() { magnitude.Dispose(); powerCos.Dispose(); powerSin.Dispose(); }
}
