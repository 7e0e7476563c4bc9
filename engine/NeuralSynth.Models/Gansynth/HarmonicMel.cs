using NeuralSynth.Dsp;
using NeuralSynth.Dsp.Neural;
using NeuralSynth.Models.Audio;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

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
    public const int MaxHarmonic = HarmonicMelBasis.MaxHarmonic;
    readonly SpectralConfig spectral;
    readonly Tensor magnitude;            // [pitches, n_mels, rows]: M above
    readonly Tensor powerCos, powerSin;   // [pitches, n_mels, rows]: power-weighted phase-advance sums (IF)
    public int MinPitch { get; }
    public int Rows { get; }
    /// The arrays the tensors were made from (the C# generator graph takes the same ones instead of recomputing them).
    public HarmonicMelBasis Basis { get; }

    public HarmonicMel(SpectralConfig spectral, int minPitch, int maxPitch, int rows)
    {
        this.spectral = spectral;
        MinPitch = minPitch;
        Rows = rows;
        var basis = Basis = HarmonicMelBasis.Compute(spectral.SampleRate, spectral.NFft, spectral.Hop, spectral.NMels, spectral.FMin, spectral.FMax, minPitch, maxPitch, rows);
        long[] shape = [maxPitch - minPitch + 1, spectral.NMels, rows];
        magnitude = tensor(basis.Magnitude, shape);
        powerCos = tensor(basis.PowerCos, shape);
        powerSin = tensor(basis.PowerSin, shape);
    }

    public static double RowPosition(double h, int rows) => HarmonicMelBasis.RowPosition(h, rows);

    /// harmonics: [B, rows, T] log amplitudes (ln units); noise: [B, n_mels, T] log levels; pitchIndex: [B] (int64,
    /// pitch - min_pitch). Returns the log-mel [B, n_mels, T] in ln units, differentiable in both inputs.
    /// filter: [B, n_mels, T] log gains on the harmonics of each band (config filter), or null.
    public Tensor LogMel(Tensor harmonics, Tensor noise, Tensor pitchIndex, Tensor? filter = null)
    {
        using var scope = NewDisposeScope();
        var m = magnitude.index_select(0, pitchIndex);
        var tonal = bmm(m, harmonics.exp());
        if (filter is not null) tonal = tonal * filter.exp();
        var mel = Add(tonal, noise.exp());
        return mel.clamp_min(S(spectral.LogFloor)).log().MoveToOuterDisposeScope();
    }

    /// Mel IF [B, n_mels, T] in [-1, 1] of the harmonic part; 0 where the band is at the log floor (as IfMel writes it).
    public Tensor IfMel(Tensor harmonics, Tensor logMel, Tensor pitchIndex)
    {
        using var scope = NewDisposeScope();
        var power = (harmonics * S(2)).exp();
        var c = bmm(powerCos.index_select(0, pitchIndex), power);
        var s = bmm(powerSin.index_select(0, pitchIndex), power);
        var ifm = atan2(s, c) / S(Math.PI);
        var audible = logMel.gt(S(MathF.Log(spectral.LogFloor) + 1e-3f)).to_type(ScalarType.Float32);
        return (ifm * audible).MoveToOuterDisposeScope();
    }

    public void Dispose() { magnitude.Dispose(); powerCos.Dispose(); powerSin.Dispose(); }
}
