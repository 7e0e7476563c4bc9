namespace NeuralSynth.Realtime;

/// One sounding note's state. Owned by the audio thread; plain fields, no allocation.
internal sealed class Voice
{
    public enum Kind : byte { Free, Active, Ghost }

    public Kind State;
    /// Played MIDI pitch and the (clamped) pitch of the note the engine wants for it.
    public int Pitch, WantedPitch, Velocity, Layer;
    /// The note being played (a stand-in while WantsExact) and the pitch it was rendered at.
    public CachedNote? Note;
    public double Pos;
    /// Latent of the exact note this voice still waits for (null once it plays the exact note).
    public Latent? WantedLatent;
    public bool WantsExact => WantedLatent is not null;
    public float VelocityGain;
    /// Release envelope (1 until note-off) and crossfade level (fades in after a swap, out for ghosts).
    public float Env, Fade, FadeStep;
    public bool Released, SustainHeld;
    public long StartOrder, Elapsed;
    /// The vibrato sine's phase (radians); each note starts at its own.
    public double VibratoPhase;
    /// The note's own time in host samples: Elapsed, run faster or slower as bend and vibrato raise or lower the pitch,
    /// as a sampler's playback position does. A timbre change continues the new note from here.
    public double NoteTime;

    public void CopyFrom(Voice v)
    {
        Pitch = v.Pitch; WantedPitch = v.WantedPitch; Velocity = v.Velocity; Layer = v.Layer;
        Note = v.Note; Pos = v.Pos; WantedLatent = v.WantedLatent; VelocityGain = v.VelocityGain;
        Env = v.Env; Fade = v.Fade; FadeStep = v.FadeStep; Released = v.Released; SustainHeld = v.SustainHeld;
        StartOrder = v.StartOrder; Elapsed = v.Elapsed; VibratoPhase = v.VibratoPhase; NoteTime = v.NoteTime;
    }
}
