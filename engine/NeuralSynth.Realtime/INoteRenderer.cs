namespace NeuralSynth.Realtime;

/// One note to render: timbre, MIDI pitch, MIDI velocity (1-127).
public readonly record struct NoteRequest(Latent Z, int Pitch, int Velocity);

/// Any note model: (z, pitch, velocity) -> mono waveform at the model rate. Implemented on the torch
/// side (NeuralSynth.Models.NoteRenderer); the scheduler and cache only see this interface, which keeps
/// torch out of the real-time assembly.
public interface INoteRenderer
{
    /// Identifies the weights (content hash), so cached notes never outlive a model change.
    string ModelId { get; }
    int SampleRate { get; }
    int LatentSize { get; }
    int MinPitch { get; }
    int MaxPitch { get; }
    /// Renders a batch; result[i] is the waveform of requests[i]. Called on worker threads only.
    float[][] Render(IReadOnlyList<NoteRequest> requests, CancellationToken cancel);
}
