namespace NeuralSynth.Realtime;

/// The one identity of a rendered note: which model, which timbre (latent hash), which pitch and velocity layer.
public readonly record struct NoteKey(string ModelId, ulong LatentHash, int Pitch, int VelocityLayer);
