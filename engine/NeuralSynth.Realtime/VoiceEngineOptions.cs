namespace NeuralSynth.Realtime;

/// What the engine needs to know about the note model: whose notes to look up and their range.
public readonly record struct ModelInfo(string ModelId, int SampleRate, int MinPitch, int MaxPitch)
{
    public static ModelInfo From(INoteRenderer r) => new(r.ModelId, r.SampleRate, r.MinPitch, r.MaxPitch);
}

/// Settings of one VoiceEngine. Read when the engine is constructed (and SetSampleRate for the
/// rate-dependent parts); changing them afterwards has no effect.
public sealed class VoiceEngineOptions
{
    /// Simultaneous notes, 1-512 (voices fading out after a steal or crossfade do not count).
    public int Polyphony { get; init; } = 64;
    /// Pitch-bend range in semitones for a full-scale bend (±).
    public double PitchBendRange { get; init; } = 2.0;
    /// Vibrato, peak pitch deviation in cents: the sound's own (VibratoCents, reached over each note's first
    /// VoiceEngine.VibratoOnsetSeconds, as a player's; presets take their family's real notes') plus the mod wheel's
    /// (MIDI CC1, the General MIDI convention: VibratoWheelCents at full wheel), at VibratoRateHz. With both at 0 the
    /// pitch stays exactly as played.
    public double VibratoCents { get; init; }
    public double VibratoWheelCents { get; init; } = DefaultVibratoWheelCents;
    public double VibratoRateHz { get; init; } = DefaultVibratoRateHz;
    /// The vibrato's defaults and ranges, shared by the engine, presets and the plug-in's parameters.
    public const double DefaultVibratoWheelCents = 35, DefaultVibratoRateHz = 5.5;
    public const double MaxVibratoCents = 100, MinVibratoRateHz = 0.5, MaxVibratoRateHz = 12;
    /// Release time to -60 dB after note-off (exponential decay).
    public double ReleaseSeconds { get; init; } = 0.3;
    /// Velocity-to-gain: gain(v) = 10^(-RangeDb * Sensitivity * (1 - v/127) / 20), applied relative to
    /// the velocity the layer was rendered at (the rendered note already carries its own loudness).
    /// Sensitivity 0 makes velocity pick the layer only.
    public double VelocitySensitivity { get; init; } = 1.0;
    public double VelocityRangeDb { get; init; } = 30.0;
    public VelocityLayers Layers { get; init; } = VelocityLayers.Default;
    /// Crossfade from the old timbre's notes to the new one's when the timbre changes.
    public double TimbreCrossfadeSeconds { get; init; } = 0.02;
    /// Crossfade from a transposed stand-in to the exact note when it arrives.
    public double SwapCrossfadeSeconds { get; init; } = 0.01;
    /// Fade-out of a stolen voice.
    public double StealFadeSeconds { get; init; } = 0.005;
    /// A note-on for a pitch that is already sounding releases the previous voice (as a piano
    /// re-strikes a string). Off stacks voices (benchmarks use that to reach N voices).
    public bool RetriggerReleasesPrevious { get; init; } = true;
    /// Output gain applied to every voice.
    public float MasterGain { get; init; } = 0.5f;
    /// Offline (bounce/render): Process waits for exact notes instead of playing stand-ins, so the
    /// output is complete and deterministic. Requires a scheduler.
    public bool Offline { get; init; }
    /// SetTimbre asks the scheduler to render the whole keyboard for the new timbre.
    public bool FillKeyboardOnTimbreChange { get; init; } = true;
    /// ... and cancels renders of other timbres. Off when several engines share a scheduler (plugin instances): then
    /// only this engine's previous timbre's keyboard fill is dropped, never notes another engine waits for.
    public bool CancelOtherTimbres { get; init; } = true;
    /// Required without a scheduler; otherwise taken from the scheduler's renderer.
    public ModelInfo? Model { get; init; }
    /// Resampler kernel: taps at the base bank (decimation banks scale it) and phases.
    public int ResamplerTaps { get; init; } = 32;
    public int ResamplerPhases { get; init; } = 256;
}
