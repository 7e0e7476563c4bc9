using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace NeuralSynth.Formats;

/// Standard MIDI File reader, formats 0 and 1 (format 2, independent sequences, is rejected).
/// Running status, metrical and SMPTE division, a tempo map gathered from all tracks, note-on with velocity 0
/// read as note-off. Meta, sysex (F0) and escape (F7) events are skipped; tempo and track names are kept.
/// Every malformed byte raises InvalidFileException with the file and byte offset; memory use is a small
/// multiple of the file size (track events are counted before their array is allocated).
public sealed class MidiFile
{
    public string Path { get; }
    /// 0 or 1.
    public int Format { get; }
    /// Ticks per quarter note for metrical files; 0 for SMPTE time.
    public int TicksPerQuarter { get; }
    /// SMPTE frames per second (24, 25, 29.97, 30) for SMPTE files; 0 for metrical time.
    public double SmpteFramesPerSecond { get; }
    /// Ticks per SMPTE frame; 0 for metrical time.
    public int TicksPerFrame { get; }
    public IReadOnlyList<MidiTrack> Tracks { get; }
    /// Tempo changes of the whole file, first at tick 0 (120 bpm unless the file sets one), strictly increasing ticks.
    /// Empty for SMPTE files, where tempo events do not affect time.
    public IReadOnlyList<MidiTempoChange> TempoMap { get; }
    /// End of the longest track, in seconds.
    public double DurationSeconds => Tracks.Count == 0 ? 0 : Tracks.Max(t => t.EndSeconds);

    readonly MidiTempoChange[] _tempo;

    MidiFile(string path, int format, int tpq, double fps, int tpf, MidiTrack[] tracks, MidiTempoChange[] tempo)
    {
        Path = path; Format = format; TicksPerQuarter = tpq; SmpteFramesPerSecond = fps; TicksPerFrame = tpf;
        Tracks = tracks; _tempo = tempo; TempoMap = tempo;
    }

    public static MidiFile Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidFileException(path, 0, "cannot read: " + e.Message);
        }
        return Read(bytes, path);
    }

    public static MidiFile Read(byte[] bytes, string path) => Read(bytes.AsSpan(), path);

    public static MidiFile Read(ReadOnlySpan<byte> b, string path)
    {
        if (b.Length < 14) throw new InvalidFileException(path, 0, $"file is {b.Length} bytes, too short for a MIDI header");
        if (!b[..4].SequenceEqual("MThd"u8))
        {
            if (b[..4].SequenceEqual("RIFF"u8)) throw new InvalidFileException(path, 0, "RIFF-wrapped MIDI (RMID) is not supported");
            throw new InvalidFileException(path, 0, "not a Standard MIDI File (missing 'MThd')");
        }
        uint headerLen = BinaryPrimitives.ReadUInt32BigEndian(b[4..]);
        if (headerLen < 6) throw new InvalidFileException(path, 4, $"header chunk is {headerLen} bytes, needs 6");
        if (headerLen > b.Length - 8) throw new InvalidFileException(path, 4, $"header chunk claims {headerLen} bytes, past the end of the file");
        int format = BinaryPrimitives.ReadUInt16BigEndian(b[8..]);
        int declaredTracks = BinaryPrimitives.ReadUInt16BigEndian(b[10..]);
        ushort division = BinaryPrimitives.ReadUInt16BigEndian(b[12..]);
        if (format == 2) throw new InvalidFileException(path, 8, "format 2 (independent sequences) is not supported; only formats 0 and 1");
        if (format > 2) throw new InvalidFileException(path, 8, $"unknown MIDI file format {format}");
        if (format == 0 && declaredTracks != 1) throw new InvalidFileException(path, 10, $"format 0 file declares {declaredTracks} tracks, must be 1");
        int tpq = 0, tpf = 0;
        double fps = 0;
        if ((division & 0x8000) != 0)
        {
            int code = -(sbyte)(division >> 8);
            fps = code switch { 24 => 24, 25 => 25, 29 => 30000.0 / 1001, 30 => 30, _ => 0 };
            tpf = division & 0xFF;
            if (fps == 0) throw new InvalidFileException(path, 12, $"SMPTE division with {code} frames per second (24, 25, 29 or 30 expected)");
            if (tpf == 0) throw new InvalidFileException(path, 13, "SMPTE division with 0 ticks per frame");
        }
        else
        {
            tpq = division;
            if (tpq == 0) throw new InvalidFileException(path, 12, "division of 0 ticks per quarter note");
        }

        var parsed = new List<ParsedTrack>();
        var tempoEvents = new List<(long Tick, int Us, int Order)>();
        long pos = 8 + headerLen;
        while (parsed.Count < declaredTracks && pos + 8 <= b.Length)
        {
            int p = (int)pos;
            uint len = BinaryPrimitives.ReadUInt32BigEndian(b[(p + 4)..]);
            if (len > b.Length - (p + 8))
                throw new InvalidFileException(path, p + 4, $"chunk '{ChunkName(b.Slice(p, 4))}' claims {len} bytes, past the end of the file");
            if (b.Slice(p, 4).SequenceEqual("MTrk"u8))
                parsed.Add(ParseTrack(b, p + 8, p + 8 + (int)len, path, tempoEvents));
            // Other chunk types are allowed by the standard and skipped.
            pos = p + 8 + (long)len;
        }
        if (parsed.Count < declaredTracks)
            throw new InvalidFileException(path, pos, $"header declares {declaredTracks} tracks but the file holds {parsed.Count} (truncated file?)");

        var tempo = fps > 0 ? [] : BuildTempoMap(tempoEvents, tpq);
        var file = new MidiFile(path, format, tpq, fps, tpf, [], tempo);
        var tracks = new MidiTrack[parsed.Count];
        for (int t = 0; t < tracks.Length; t++)
        {
            var ev = parsed[t].Events;
            int seg = 0;
            for (int i = 0; i < ev.Length; i++)
                ev[i] = ev[i] with { Seconds = file.SecondsAt(ev[i].Tick, ref seg) };
            tracks[t] = new MidiTrack(parsed[t].Name, ev, parsed[t].EndTick, file.TicksToSeconds(parsed[t].EndTick));
        }
        return new MidiFile(path, format, tpq, fps, tpf, tracks, tempo);
    }

    static string ChunkName(ReadOnlySpan<byte> id)
    {
        Span<char> c = stackalloc char[4];
        for (int i = 0; i < 4; i++) c[i] = id[i] is >= 0x20 and < 0x7F ? (char)id[i] : '?';
        return new string(c);
    }

    static MidiTempoChange[] BuildTempoMap(List<(long Tick, int Us, int Order)> events, int tpq)
    {
        // Format 1 keeps tempo in track 0 by convention, but some writers put it elsewhere: merge all tracks.
        // At equal ticks the last one read wins.
        events.Sort((x, y) => x.Tick != y.Tick ? x.Tick.CompareTo(y.Tick) : x.Order.CompareTo(y.Order));
        var map = new List<MidiTempoChange> { new(0, 0, 500_000) };
        foreach (var (tick, us, _) in events)
        {
            var last = map[^1];
            if (tick == last.Tick) { map[^1] = last with { MicrosecondsPerQuarter = us }; continue; }
            if (us == last.MicrosecondsPerQuarter) continue;
            double seconds = last.Seconds + Span(tick - last.Tick, last.MicrosecondsPerQuarter, tpq);
            map.Add(new MidiTempoChange(tick, seconds, us));
        }
        return [.. map];
    }

    // ticks x us / (1e6 x tpq): integer product and denominator are exact in double, so one rounding only.
    static double Span(long ticks, int us, int tpq) => ticks * (double)us / (1e6 * tpq);

    /// Absolute time of a tick through the tempo map (or the SMPTE rate).
    public double TicksToSeconds(long tick)
    {
        if (SmpteFramesPerSecond > 0) return tick / (SmpteFramesPerSecond * TicksPerFrame);
        int lo = 0, hi = _tempo.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (_tempo[mid].Tick <= tick) lo = mid; else hi = mid - 1;
        }
        var t = _tempo[lo];
        return t.Seconds + Span(tick - t.Tick, t.MicrosecondsPerQuarter, TicksPerQuarter);
    }

    // For ticks visited in increasing order: walks the segment forward instead of searching.
    double SecondsAt(long tick, ref int seg)
    {
        if (SmpteFramesPerSecond > 0) return tick / (SmpteFramesPerSecond * TicksPerFrame);
        while (seg + 1 < _tempo.Length && _tempo[seg + 1].Tick <= tick) seg++;
        var t = _tempo[seg];
        return t.Seconds + Span(tick - t.Tick, t.MicrosecondsPerQuarter, TicksPerQuarter);
    }

    sealed record ParsedTrack(string Name, MidiEvent[] Events, long EndTick);

    static ParsedTrack ParseTrack(ReadOnlySpan<byte> b, int start, int end, string path, List<(long, int, int)> tempo)
    {
        // Pass 1 validates and counts, pass 2 fills an array of exactly that size: a corrupt length can never
        // make us allocate more than the bytes present justify.
        int count = Scan(b, start, end, path, null, out _, out _, null);
        var events = new MidiEvent[count];
        Scan(b, start, end, path, events, out string name, out long endTick, tempo);
        return new ParsedTrack(name, events, endTick);
    }

    static int Scan(ReadOnlySpan<byte> b, int start, int end, string path, MidiEvent[]? output,
                    out string name, out long endTick, List<(long, int, int)>? tempo)
    {
        name = "";
        bool haveName = false;
        long tick = 0;
        int count = 0, running = 0, p = start;
        while (p < end)
        {
            tick += ReadVlq(b, ref p, end, path);
            if (p >= end) throw new InvalidFileException(path, p, "track ends after a delta time, without an event");
            int at = p, status = b[p];
            if (status >= 0x80) p++;
            else if (running == 0) throw new InvalidFileException(path, at, $"data byte 0x{status:X2} without a status byte (running status with nothing to repeat)");
            else status = running;

            if (status < 0xF0)
            {
                // Only channel messages set running status; meta and sysex leave it alone (lenient: some
                // writers rely on that even though the standard says they cancel it).
                running = status;
                int type = status & 0xF0, channel = status & 0x0F;
                int n = type is 0xC0 or 0xD0 ? 1 : 2;
                if (p + n > end) throw new InvalidFileException(path, at, $"channel message 0x{status:X2} cut off by the end of the track");
                int d1 = b[p], d2 = n == 2 ? b[p + 1] : 0;
                if ((d1 | d2) >= 0x80) throw new InvalidFileException(path, (d1 >= 0x80 ? p : p + 1), $"data byte of message 0x{status:X2} has its high bit set");
                p += n;
                if (output != null)
                {
                    output[count] = type switch
                    {
                        0x80 => new MidiEvent(tick, 0, MidiEventKind.NoteOff, channel, d1, d2),
                        0x90 => new MidiEvent(tick, 0, d2 == 0 ? MidiEventKind.NoteOff : MidiEventKind.NoteOn, channel, d1, d2),
                        0xA0 => new MidiEvent(tick, 0, MidiEventKind.PolyPressure, channel, d1, d2),
                        0xB0 => new MidiEvent(tick, 0, MidiEventKind.ControlChange, channel, d1, d2),
                        0xC0 => new MidiEvent(tick, 0, MidiEventKind.ProgramChange, channel, d1, 0),
                        0xD0 => new MidiEvent(tick, 0, MidiEventKind.ChannelPressure, channel, 0, d1),
                        _ => new MidiEvent(tick, 0, MidiEventKind.PitchBend, channel, 0, (d2 << 7 | d1) - 8192),
                    };
                }
                count++;
            }
            else if (status == 0xFF)
            {
                if (p >= end) throw new InvalidFileException(path, at, "meta event cut off by the end of the track");
                int metaType = b[p++];
                int len = ReadVlq(b, ref p, end, path);
                if (len > end - p) throw new InvalidFileException(path, at, $"meta event 0x{metaType:X2} claims {len} bytes, past the end of the track");
                var data = b.Slice(p, len);
                p += len;
                if (metaType == 0x2F) { endTick = tick; return count; } // end of track: trailing bytes are ignored
                if (metaType == 0x51)
                {
                    if (len < 3) throw new InvalidFileException(path, at, $"tempo event with {len} data bytes, needs 3");
                    int us = data[0] << 16 | data[1] << 8 | data[2];
                    if (us == 0) throw new InvalidFileException(path, at, "tempo of 0 microseconds per quarter note");
                    tempo?.Add((tick, us, tempo.Count));
                }
                else if (metaType == 0x03 && !haveName && output != null)
                {
                    haveName = true;
                    name = DecodeText(data);
                }
            }
            else if (status is 0xF0 or 0xF7)
            {
                int len = ReadVlq(b, ref p, end, path);
                if (len > end - p) throw new InvalidFileException(path, at, $"sysex event claims {len} bytes, past the end of the track");
                p += len;
            }
            else throw new InvalidFileException(path, at, $"status byte 0x{status:X2} is not allowed in a MIDI file");
        }
        endTick = tick; // no end-of-track event: tolerated
        return count;
    }

    static int ReadVlq(ReadOnlySpan<byte> b, ref int p, int end, string path)
    {
        int start = p, value = 0;
        for (int i = 0; i < 4; i++)
        {
            if (p >= end) throw new InvalidFileException(path, start, "variable-length number cut off by the end of the track");
            int x = b[p++];
            value = value << 7 | x & 0x7F;
            if (x < 0x80) return value;
        }
        throw new InvalidFileException(path, start, "variable-length number longer than 4 bytes");
    }

    static string DecodeText(ReadOnlySpan<byte> data)
    {
        int n = data.IndexOf((byte)0);
        if (n >= 0) data = data[..n];
        // Names are ASCII by the standard, UTF-8 from most modern tools, Latin-1 from some old ones.
        return Utf8.IsValid(data) ? Encoding.UTF8.GetString(data).Trim() : Encoding.Latin1.GetString(data).Trim();
    }

    /// The notes of one track, note-ons paired with note-offs of the same channel and pitch first-in first-out
    /// (so overlapping same-pitch notes end in the order they started). A note never released ends with its
    /// track. With applySustain, a note released while the channel's sustain pedal (CC64 >= 64) is down lasts
    /// until the pedal goes up or the same pitch is struck again. Sorted by start (file order at equal starts).
    public IReadOnlyList<MidiNote> Notes(int track, bool applySustain = false)
    {
        if ((uint)track >= (uint)Tracks.Count) throw new ArgumentOutOfRangeException(nameof(track), $"track {track} of {Tracks.Count}");
        var t = Tracks[track];
        var starts = new List<MidiEvent>();
        var ends = new List<long>();
        var open = new Queue<int>?[16 * 128];        // sounding (key down) notes per channel x pitch, oldest first
        var held = new List<int>?[16];               // released under the pedal, per channel
        var pedal = new bool[16];

        void Finish(int note, long tick) => ends[note] = tick;

        foreach (var e in t.Events)
        {
            int key = e.Channel * 128 + e.Number;
            switch (e.Kind)
            {
                case MidiEventKind.NoteOn:
                    if (applySustain && held[e.Channel] is { } h)
                        for (int i = h.Count - 1; i >= 0; i--)
                            if (starts[h[i]].Number == e.Number) { Finish(h[i], e.Tick); h.RemoveAt(i); }
                    (open[key] ??= new Queue<int>()).Enqueue(starts.Count);
                    starts.Add(e);
                    ends.Add(-1);
                    break;
                case MidiEventKind.NoteOff:
                    if (open[key] is { Count: > 0 } q)
                    {
                        int note = q.Dequeue();
                        if (applySustain && pedal[e.Channel]) (held[e.Channel] ??= []).Add(note);
                        else Finish(note, e.Tick);
                    }
                    break;
                case MidiEventKind.ControlChange when applySustain && e.Number == MidiEvent.SustainPedal:
                    bool down = e.Value >= 64;
                    if (pedal[e.Channel] && !down && held[e.Channel] is { } released)
                    {
                        foreach (int note in released) Finish(note, e.Tick);
                        released.Clear();
                    }
                    pedal[e.Channel] = down;
                    break;
            }
        }
        var notes = new MidiNote[starts.Count];
        for (int i = 0; i < notes.Length; i++)
        {
            var s = starts[i];
            long endTick = ends[i] >= 0 ? ends[i] : Math.Max(t.EndTick, s.Tick);
            double endSec = TicksToSeconds(endTick);
            notes[i] = new MidiNote(s.Seconds, endSec - s.Seconds, s.Number, s.Value, s.Channel, s.Tick, endTick);
        }
        return notes;
    }
}
