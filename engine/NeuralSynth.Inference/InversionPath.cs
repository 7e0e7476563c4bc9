namespace NeuralSynth.Models.Rendering;

/// How a generated spectrogram becomes a waveform.
public enum InversionPath
{
    /// Log-magnitude + instantaneous frequency on the mel scale -> phase by integration -> iSTFT (GANSynth IF-Mel).
    If,
    /// Mel spectrogram -> multiband neural vocoder conditioned on the note's f0.
    Vocoder,
}
