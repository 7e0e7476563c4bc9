using System.Buffers.Binary;
using System.Text;

namespace NeuralSynth.Formats;

/// Writes format-1 Standard MIDI Files with metrical time. Events may be added in any order; each track is
/// sorted by tick (at equal ticks: meta, program change, controllers, pitch bend, note-off, note-on, then
/// insertion order), so a note ending where the next one of the same pitch starts is not cut short.
/// Channel messages use running status. Output is deterministic byte for byte.
public sealed class MidiWriter
{
    readonly List<MidiWriterTrack> _tracks = [];

    public MidiWriter(int ticksPerQuarter = 480)
    {
        if (ticksPerQuarter is <= 0 or > 0x7FFF) throw new ArgumentOutOfRangeException(nameof(ticksPerQuarter), "1..32767 ticks per quarter note");
        TicksPerQuarter = ticksPerQuarter;
    }

    public int TicksPerQuarter { get; }

    /// Write note-offs as note-on with velocity 0 (longer running-status runs, as many sequencers do).
    public bool NoteOffAsZeroVelocity { get; set; }

    public IReadOnlyList<MidiWriterTrack> Tracks => _tracks;

    /// Adds a track; a non-empty name is written as a track-name meta event (0x03) at tick 0.
    /// By convention the first track carries the tempo map.
    public MidiWriterTrack AddTrack(string name = "")
    {
        if (_tracks.Count == 0xFFFF) throw new InvalidOperationException("a MIDI file holds at most 65535 tracks");
        var t = new MidiWriterTrack(name);
        _tracks.Add(t);
        return t;
    }

    public byte[] ToArray()
    {
        var ms = new MemoryStream();
        ms.Write("MThd"u8);
        WriteBE32(ms, 6);
        WriteBE16(ms, 1);
        WriteBE16(ms, _tracks.Count);
        WriteBE16(ms, TicksPerQuarter);
        foreach (var t in _tracks)
        {
            var body = t.Encode(NoteOffAsZeroVelocity);
            ms.Write("MTrk"u8);
            WriteBE32(ms, body.Length);
            ms.Write(body);
        }
        return ms.ToArray();
    }

    public void Write(string path) => File.WriteAllBytes(path, ToArray());

    static void WriteBE32(Stream s, int v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32BigEndian(b, v); s.Write(b); }
    static void WriteBE16(Stream s, int v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)v); s.Write(b); }
}

/// One track of a MidiWriter. Methods return the track so calls can be chained.
public sealed class MidiWriterTrack
{
    // Order at equal ticks.
    const int RankMeta = 0, RankProgram = 1, RankControl = 2, RankBend = 3, RankNoteOff = 4, RankNoteOn = 5;

    readonly record struct Item(long Tick, int Rank, int Seq, byte[] Bytes);

    readonly List<Item> _items = [];

    internal MidiWriterTrack(string name)
    {
        Name = name ?? "";
        if (Name.Length > 0) Meta(0, 0x03, Encoding.UTF8.GetBytes(Name));
    }

    public string Name { get; }

    /// Tempo in beats (quarter notes) per minute, stored as whole microseconds per quarter.
    public MidiWriterTrack Tempo(long tick, double bpm)
    {
        if (!(bpm > 3.6 && bpm < 60_000_000)) throw new ArgumentOutOfRangeException(nameof(bpm), $"tempo {bpm} bpm");
        int us = (int)Math.Round(60_000_000 / bpm);
        return Meta(tick, 0x51, [(byte)(us >> 16), (byte)(us >> 8), (byte)us]);
    }

    /// Time signature numerator/denominator (denominator a power of two), 24 clocks per click, 8 32nds per quarter.
    public MidiWriterTrack TimeSignature(long tick, int numerator, int denominator)
    {
        if (numerator is < 1 or > 255) throw new ArgumentOutOfRangeException(nameof(numerator));
        if (denominator < 1 || denominator > 128 || (denominator & (denominator - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(denominator), "a power of two up to 128");
        return Meta(tick, 0x58, [(byte)numerator, (byte)int.Log2(denominator), 24, 8]);
    }

    public MidiWriterTrack Text(long tick, string text) => Meta(tick, 0x01, Encoding.UTF8.GetBytes(text));

    public MidiWriterTrack NoteOn(long tick, int channel, int pitch, int velocity)
    {
        Check7(pitch, nameof(pitch));
        if (velocity is < 1 or > 127) throw new ArgumentOutOfRangeException(nameof(velocity), "note-on velocity is 1..127 (0 would mean note-off)");
        return Channel(tick, RankNoteOn, 0x90, channel, pitch, velocity);
    }

    public MidiWriterTrack NoteOff(long tick, int channel, int pitch, int velocity = 0)
    {
        Check7(pitch, nameof(pitch));
        Check7(velocity, nameof(velocity));
        return Channel(tick, RankNoteOff, 0x80, channel, pitch, velocity);
    }

    /// Note-on at tick and note-off durationTicks later.
    public MidiWriterTrack Note(long tick, long durationTicks, int channel, int pitch, int velocity)
    {
        if (durationTicks <= 0) throw new ArgumentOutOfRangeException(nameof(durationTicks), "a note lasts at least one tick");
        NoteOn(tick, channel, pitch, velocity);
        return NoteOff(tick + durationTicks, channel, pitch);
    }

    public MidiWriterTrack ControlChange(long tick, int channel, int controller, int value)
    {
        Check7(controller, nameof(controller));
        Check7(value, nameof(value));
        return Channel(tick, RankControl, 0xB0, channel, controller, value);
    }

    public MidiWriterTrack ProgramChange(long tick, int channel, int program)
    {
        Check7(program, nameof(program));
        return Channel(tick, RankProgram, 0xC0, channel, program, -1);
    }

    /// Pitch bend -8192..8191, 0 = centre.
    public MidiWriterTrack PitchBend(long tick, int channel, int value)
    {
        if (value is < -8192 or > 8191) throw new ArgumentOutOfRangeException(nameof(value), "pitch bend is -8192..8191");
        int v = value + 8192;
        return Channel(tick, RankBend, 0xE0, channel, v & 0x7F, v >> 7);
    }

    static void Check7(int v, string name)
    {
        if (v is < 0 or > 127) throw new ArgumentOutOfRangeException(name, $"{v} is not a 7-bit MIDI value");
    }

    MidiWriterTrack Channel(long tick, int rank, int type, int channel, int d1, int d2)
    {
        if (channel is < 0 or > 15) throw new ArgumentOutOfRangeException(nameof(channel), "MIDI channels are 0..15");
        byte[] bytes = d2 < 0 ? [(byte)(type | channel), (byte)d1] : [(byte)(type | channel), (byte)d1, (byte)d2];
        return Add(tick, rank, bytes);
    }

    MidiWriterTrack Meta(long tick, int type, byte[] data)
    {
        if (data.Length > 0x0FFFFFFF) throw new ArgumentException("meta event data exceeds the 28-bit length");
        var ms = new MemoryStream();
        ms.WriteByte(0xFF);
        ms.WriteByte((byte)type);
        WriteVlq(ms, data.Length);
        ms.Write(data);
        return Add(tick, RankMeta, ms.ToArray());
    }

    MidiWriterTrack Add(long tick, int rank, byte[] bytes)
    {
        if (tick < 0) throw new ArgumentOutOfRangeException(nameof(tick), "ticks are non-negative");
        _items.Add(new Item(tick, rank, _items.Count, bytes));
        return this;
    }

    internal byte[] Encode(bool noteOffAsZeroVelocity)
    {
        var sorted = _items.OrderBy(i => i.Tick).ThenBy(i => i.Rank).ThenBy(i => i.Seq).ToList();
        var ms = new MemoryStream();
        long last = 0;
        int running = 0;
        foreach (var item in sorted)
        {
            long delta = item.Tick - last;
            if (delta > 0x0FFFFFFF) throw new InvalidOperationException($"gap of {delta} ticks exceeds the 28-bit delta time");
            WriteVlq(ms, (int)delta);
            last = item.Tick;
            var bytes = item.Bytes;
            int status = bytes[0];
            if (status < 0xF0)
            {
                if (noteOffAsZeroVelocity && (status & 0xF0) == 0x80) { status = 0x90 | status & 0x0F; bytes = [(byte)status, bytes[1], 0]; }
                if (status != running) ms.WriteByte((byte)status);
                running = status;
                ms.Write(bytes, 1, bytes.Length - 1);
            }
            else
            {
                ms.Write(bytes);
                running = 0; // the standard says meta events cancel running status
            }
        }
        WriteVlq(ms, 0);
        ms.Write([0xFF, 0x2F, 0x00]);
        return ms.ToArray();
    }

    static void WriteVlq(Stream s, int v)
    {
        Span<byte> tmp = stackalloc byte[4];
        int n = 0;
        do { tmp[n++] = (byte)(v & 0x7F); v >>= 7; } while (v > 0 && n < 4);
        for (int i = n - 1; i >= 0; i--) s.WriteByte((byte)(tmp[i] | (i > 0 ? 0x80 : 0)));
    }
}
