namespace NeuralSynth.Formats;

/// Channel messages we keep from a Standard MIDI File. Meta, sysex and escape events are consumed by the
/// reader (tempo into the tempo map, the name into MidiTrack.Name) and not listed.
public enum MidiEventKind : byte
{
    NoteOff,          // 0x8n, and 0x9n with velocity 0
    NoteOn,           // 0x9n with velocity > 0
    PolyPressure,     // 0xAn
    ControlChange,    // 0xBn
    ProgramChange,    // 0xCn
    ChannelPressure,  // 0xDn
    PitchBend,        // 0xEn
}

/// One channel message at an absolute time.
/// Number/Value by kind: notes (pitch, velocity); PolyPressure (pitch, pressure); ControlChange (controller, value);
/// ProgramChange (program, 0); ChannelPressure (0, pressure); PitchBend (0, -8192..8191, 0 = centre).
public readonly record struct MidiEvent(long Tick, double Seconds, MidiEventKind Kind, int Channel, int Number, int Value)
{
    public const int SustainPedal = 64, ModWheel = 1, Volume = 7;
}

/// A note with note-on and note-off paired. Start and Duration are in seconds (through the tempo map).
public readonly record struct MidiNote(double Start, double Duration, int Pitch, int Velocity, int Channel, long StartTick, long EndTick)
{
    public double End => Start + Duration;
}

/// From Tick on (at Seconds), a quarter note lasts MicrosecondsPerQuarter.
public readonly record struct MidiTempoChange(long Tick, double Seconds, int MicrosecondsPerQuarter)
{
    public double Bpm => 60_000_000.0 / MicrosecondsPerQuarter;
}

/// One MTrk chunk: its name (first meta 0x03, "" if none), its channel events in file order (ticks never
/// decrease) and where it ends (the end-of-track event, or its last event).
public sealed class MidiTrack(string name, MidiEvent[] events, long endTick, double endSeconds)
{
    public string Name { get; } = name;
    public IReadOnlyList<MidiEvent> Events { get; } = events;
    public long EndTick { get; } = endTick;
    public double EndSeconds { get; } = endSeconds;
}
