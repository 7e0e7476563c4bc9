namespace NeuralSynth.Models.Rendering;

/// How a generated spectrogram becomes a waveform.
public enum InversionPath
{
    /// Log-magnitude + instantaneous frequency on the mel scale -> phase by integration -> iSTFT (GANSynth IF-Mel).
    If,
    /// Mel spectrogram -> multiband neural vocoder conditioned on the note's f0.
    Vocoder,
    /// Harmonic-head generators only: their harmonic rows played as sinusoids at the note's exact harmonics plus
    /// mel-shaped noise (HarmonicSynth); no neural vocoder.
    Additive,
}
