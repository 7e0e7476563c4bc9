namespace NeuralSynth.Formats.Tests;

public class MidiFileTests
{
    static byte[] Smf(int format, int tracks, int division, params byte[][] trackBodies)
    {
        var ms = new MemoryStream();
        ms.Write("MThd"u8);
        ms.Write([0, 0, 0, 6, 0, (byte)format, (byte)(tracks >> 8), (byte)tracks, (byte)(division >> 8), (byte)division]);
        foreach (var body in trackBodies)
        {
            ms.Write("MTrk"u8);
            ms.Write([(byte)(body.Length >> 24), (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length]);
            ms.Write(body);
        }
        return ms.ToArray();
    }

    [Fact]
    public void HandWrittenFormat0WithRunningStatusSysexAndVelocityZero()
    {
        byte[] track =
        [
            0x00, 0xFF, 0x03, 0x05, (byte)'P', (byte)'i', (byte)'a', (byte)'n', (byte)'o',   // name
            0x00, 0xF0, 0x03, 0x7E, 0x7F, 0xF7,                                             // sysex, skipped
            0x00, 0xC0, 0x05,                                                               // program 5
            0x00, 0x90, 0x3C, 0x64,                                                         // C4 on
            0x00, 0x40, 0x50,                                                               // E4 on (running status)
            0x83, 0x60, 0x3C, 0x00,                                                         // +480: C4 vel 0 = off
            0x00, 0xF7, 0x02, 0xF3, 0x01,                                                   // escape, skipped
            0x00, 0x40, 0x00,                                                               // E4 off (running status survives)
            0x00, 0xFF, 0x01, 0x02, (byte)'h', (byte)'i',                                   // text meta, skipped
            0x00, 0xE0, 0x00, 0x40,                                                         // bend centre
            0x10, 0x7F, 0x7F,                                                               // +16: bend max (running)
            0x00, 0xB0, 0x40, 0x7F,                                                         // sustain down
            0x00, 0xFF, 0x2F, 0x00,                                                         // end of track
            0x12, 0x34,                                                                     // junk after end: ignored
        ];
        var f = MidiFile.Read(Smf(0, 1, 480, track), "f0.mid");
        Assert.Equal(0, f.Format);
        Assert.Equal(480, f.TicksPerQuarter);
        var t = Assert.Single(f.Tracks);
        Assert.Equal("Piano", t.Name);
        Assert.Equal(
        [
            new MidiEvent(0, 0, MidiEventKind.ProgramChange, 0, 5, 0),
            new MidiEvent(0, 0, MidiEventKind.NoteOn, 0, 60, 100),
            new MidiEvent(0, 0, MidiEventKind.NoteOn, 0, 64, 80),
            new MidiEvent(480, 0.5, MidiEventKind.NoteOff, 0, 60, 0),
            new MidiEvent(480, 0.5, MidiEventKind.NoteOff, 0, 64, 0),
            new MidiEvent(480, 0.5, MidiEventKind.PitchBend, 0, 0, 0),
            new MidiEvent(496, 496 / 960.0, MidiEventKind.PitchBend, 0, 0, 8191),
            new MidiEvent(496, 496 / 960.0, MidiEventKind.ControlChange, 0, 64, 127),
        ], t.Events);
        Assert.Equal(496, t.EndTick);
        var notes = f.Notes(0);
        Assert.Equal([new MidiNote(0, 0.5, 60, 100, 0, 0, 480), new MidiNote(0, 0.5, 64, 80, 0, 0, 480)], notes);
    }

    [Fact]
    public void TempoMapConvertsTicksAcrossSeveralChanges()
    {
        var w = new MidiWriter(480);
        var conductor = w.AddTrack("Tempo");
        conductor.Tempo(0, 120).Tempo(960, 60).Tempo(2880, 240);
        w.AddTrack("Notes").Note(1920, 960, 0, 60, 90).Note(3360, 240, 1, 62, 40);
        var f = MidiFile.Read(w.ToArray(), "tempo.mid");
        Assert.Equal([new MidiTempoChange(0, 0, 500_000), new MidiTempoChange(960, 1.0, 1_000_000), new MidiTempoChange(2880, 5.0, 250_000)], f.TempoMap);
        Assert.Equal(0.5, f.TicksToSeconds(480), 12);
        Assert.Equal(3.0, f.TicksToSeconds(1920), 12);
        Assert.Equal(5.25, f.TicksToSeconds(3360), 12);
        var notes = f.Notes(1);
        Assert.Equal(2, notes.Count);
        Assert.Equal(3.0, notes[0].Start, 12);
        Assert.Equal(2.0, notes[0].Duration, 12);   // 1920..2880 at 60 bpm
        Assert.Equal(5.25, notes[1].Start, 12);
        Assert.Equal(0.125, notes[1].Duration, 12); // 240 ticks at 240 bpm
        Assert.Equal(1, notes[1].Channel);
        Assert.Equal(40, notes[1].Velocity);
        Assert.Equal(5.375, f.DurationSeconds, 12);
        Assert.Equal(60, f.TempoMap[1].Bpm, 12);
    }

    [Fact]
    public void TempoEventsInALaterTrackStillApply()
    {
        var w = new MidiWriter(96);
        w.AddTrack("A").Note(0, 96, 0, 60, 100).Note(192, 96, 0, 60, 100);
        w.AddTrack("B").Tempo(96, 30);
        var f = MidiFile.Read(w.ToArray(), "late.mid");
        Assert.Equal(0.5 + 2.0, f.Notes(0)[1].Start, 12);
    }

    [Fact]
    public void SmpteDivisionUsesFramesAndIgnoresTempo()
    {
        // -25 fps, 40 ticks per frame: 1000 ticks per second.
        byte[] track = [0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40, 0x00, 0x91, 0x30, 0x40, 0x87, 0x68, 0x81, 0x30, 0x00, 0x00, 0xFF, 0x2F, 0x00];
        var f = MidiFile.Read(Smf(1, 1, 0xE728, track), "smpte.mid");
        Assert.Equal(25, f.SmpteFramesPerSecond);
        Assert.Equal(40, f.TicksPerFrame);
        Assert.Equal(0, f.TicksPerQuarter);
        var n = Assert.Single(f.Notes(0));
        Assert.Equal(1, n.Channel);
        Assert.Equal(1.0, n.Duration, 12);
        Assert.Equal(1.0, f.TicksToSeconds(1000), 12);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriterRoundTripsEveryMessageKind(bool zeroVelocityOffs)
    {
        var w = new MidiWriter(960) { NoteOffAsZeroVelocity = zeroVelocityOffs };
        w.AddTrack("Keys").Tempo(0, 105).TimeSignature(0, 4, 4)
            .ProgramChange(0, 0, 0).ControlChange(0, 0, 7, 100)
            .Note(0, 960, 0, 48, 70).Note(0, 960, 0, 55, 71).Note(960, 480, 0, 60, 72)
            .ControlChange(100, 0, 64, 127).ControlChange(1800, 0, 64, 0);
        w.AddTrack("Lead").ProgramChange(0, 2, 73).ControlChange(0, 2, 1, 30)
            .PitchBend(0, 2, -8192).PitchBend(120, 2, 0).PitchBend(240, 2, 8191).PitchBend(360, 2, -1)
            .NoteOn(0, 2, 72, 127).NoteOff(480, 2, 72, 64);
        w.AddTrack(); // unnamed, empty
        var bytes = w.ToArray();
        var f = MidiFile.Read(bytes, "rt.mid");
        Assert.Equal(1, f.Format);
        Assert.Equal(["Keys", "Lead", ""], f.Tracks.Select(t => t.Name));
        Assert.Equal(105, f.TempoMap[0].Bpm, 3);
        var keys = f.Tracks[0].Events;
        Assert.Equal(new MidiEvent(0, 0, MidiEventKind.ProgramChange, 0, 0, 0), keys[0]);
        Assert.Equal(new MidiEvent(0, 0, MidiEventKind.ControlChange, 0, 7, 100), keys[1]);
        Assert.Equal(3, f.Notes(0).Count);
        Assert.Equal([48, 55, 60], f.Notes(0).Select(n => n.Pitch));
        Assert.Equal([70, 71, 72], f.Notes(0).Select(n => n.Velocity));
        var bends = f.Tracks[1].Events.Where(e => e.Kind == MidiEventKind.PitchBend).Select(e => e.Value);
        Assert.Equal([-8192, 0, 8191, -1], bends);
        var off = f.Tracks[1].Events.Single(e => e.Kind == MidiEventKind.NoteOff);
        Assert.Equal(zeroVelocityOffs ? 0 : 64, off.Value);
        Assert.Empty(f.Tracks[2].Events);
        // Deterministic bytes.
        Assert.Equal(bytes, w.ToArray());
    }

    [Fact]
    public void OverlappingSamePitchNotesPairFirstInFirstOut()
    {
        var w = new MidiWriter(100);
        w.AddTrack("x").Tempo(0, 60)
            .NoteOn(0, 0, 60, 10).NoteOn(100, 0, 60, 20).NoteOff(200, 0, 60).NoteOff(300, 0, 60)
            .NoteOn(400, 3, 60, 30)       // other channel, never released: ends with the track
            .NoteOff(450, 0, 61)          // stray note-off: ignored
            .ControlChange(500, 0, 1, 0); // last event: the track ends here
        var n = MidiFile.Read(w.ToArray(), "fifo.mid").Notes(0);
        Assert.Equal(3, n.Count);
        Assert.Equal((0.0, 2.0, 10), (n[0].Start, n[0].Duration, n[0].Velocity));
        Assert.Equal((1.0, 2.0, 20), (n[1].Start, n[1].Duration, n[1].Velocity));
        Assert.Equal((4.0, 1.0, 3), (n[2].Start, n[2].Duration, n[2].Channel));
        Assert.Equal(400, n[2].StartTick);
        Assert.Equal(500, n[2].EndTick);
    }

    [Fact]
    public void SustainPedalHoldsReleasedNotesUntilPedalUpOrRestrike()
    {
        var w = new MidiWriter(100);
        w.AddTrack("p").Tempo(0, 60)
            .ControlChange(0, 0, 64, 127)
            .Note(0, 50, 0, 60, 90)     // released under the pedal
            .Note(100, 50, 0, 64, 90)   // released under the pedal
            .Note(200, 50, 0, 60, 90)   // restrike of 60: ends the held 60 at 200
            .Note(250, 50, 1, 40, 90)   // other channel: pedal does not apply
            .ControlChange(400, 0, 64, 0)
            .Note(500, 50, 0, 67, 90);  // after pedal up: normal
        var f = MidiFile.Read(w.ToArray(), "ped.mid");
        var dry = f.Notes(0);
        Assert.All(dry, n => Assert.Equal(0.5, n.Duration, 12));
        var wet = f.Notes(0, applySustain: true);
        Assert.Equal([200L, 400, 400, 300, 550], wet.Select(n => n.EndTick));
        Assert.Equal([60, 64, 60, 40, 67], wet.Select(n => n.Pitch));
    }

    [Theory]
    [InlineData("format2")]
    [InlineData("format0two")]
    [InlineData("division0")]
    [InlineData("smpte23")]
    [InlineData("notmthd")]
    [InlineData("fewertracks")]
    [InlineData("chunkpastend")]
    [InlineData("vlq5")]
    [InlineData("runningnone")]
    [InlineData("highdata")]
    [InlineData("cutmessage")]
    [InlineData("tempo2")]
    [InlineData("tempo0")]
    [InlineData("metapastend")]
    [InlineData("sysexpastend")]
    [InlineData("statusF4")]
    [InlineData("deltaonly")]
    public void MalformedFilesThrowInvalidFileException(string kind)
    {
        byte[] eot = [0x00, 0xFF, 0x2F, 0x00];
        byte[] file = kind switch
        {
            "format2" => Smf(2, 1, 96, eot),
            "format0two" => Smf(0, 2, 96, eot, eot),
            "division0" => Smf(1, 1, 0, eot),
            "smpte23" => Smf(1, 1, 0xE928, eot),
            "notmthd" => [.. "MThx"u8.ToArray(), .. Smf(1, 1, 96, eot)[4..]],
            "fewertracks" => Smf(1, 3, 96, eot, eot),
            "chunkpastend" => Smf(1, 1, 96, eot)[..^2],
            "vlq5" => Smf(1, 1, 96, [0x81, 0x81, 0x81, 0x81, 0x01, 0x90, 0x3C, 0x40]),
            "runningnone" => Smf(1, 1, 96, [0x00, 0x3C, 0x40]),
            "highdata" => Smf(1, 1, 96, [0x00, 0x90, 0x3C, 0xC0]),
            "cutmessage" => Smf(1, 1, 96, [0x00, 0x90, 0x3C]),
            "tempo2" => Smf(1, 1, 96, [0x00, 0xFF, 0x51, 0x02, 0x07, 0xA1]),
            "tempo0" => Smf(1, 1, 96, [0x00, 0xFF, 0x51, 0x03, 0x00, 0x00, 0x00]),
            "metapastend" => Smf(1, 1, 96, [0x00, 0xFF, 0x01, 0x7F, 0x41]),
            "sysexpastend" => Smf(1, 1, 96, [0x00, 0xF0, 0x8F, 0xFF, 0xFF, 0x7F, 0x41]),
            "statusF4" => Smf(1, 1, 96, [0x00, 0xF4]),
            "deltaonly" => Smf(1, 1, 96, [0x00, 0x90, 0x3C, 0x40, 0x10]),
            _ => throw new ArgumentException(kind),
        };
        var e = Assert.Throws<InvalidFileException>(() => MidiFile.Read(file, kind + ".mid"));
        Assert.StartsWith(kind + ".mid: ", e.Message);
        Assert.InRange(e.Offset, 0, file.Length);
        if (kind == "format2") Assert.Contains("format 2", e.Message);
    }

    [Fact]
    public void UnknownChunksAreSkippedAndMissingEndOfTrackIsTolerated()
    {
        var good = Smf(1, 1, 96, [0x00, 0x90, 0x3C, 0x40, 0x60, 0x80, 0x3C, 0x00]);
        byte[] alien = [.. "XFIH"u8.ToArray(), 0, 0, 0, 3, 1, 2, 3];
        byte[] file = [.. good[..14], .. alien, .. good[14..]];
        var f = MidiFile.Read(file, "alien.mid");
        var n = Assert.Single(f.Notes(0));
        Assert.Equal(96, n.EndTick);
        Assert.Equal(96, f.Tracks[0].EndTick);
    }

    [Fact]
    public void MissingFileIsAnInvalidFileException()
    {
        var e = Assert.Throws<InvalidFileException>(() => MidiFile.Read("/nonexistent/song.mid"));
        Assert.Contains("/nonexistent/song.mid", e.Message);
    }

    [Fact]
    public void WriterRejectsOutOfRangeValues()
    {
        var t = new MidiWriter().AddTrack("t");
        Assert.Throws<ArgumentOutOfRangeException>(() => t.NoteOn(0, 16, 60, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.NoteOn(0, 0, 128, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.NoteOn(0, 0, 60, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.PitchBend(0, 0, 8192));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Note(-1, 10, 0, 60, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.TimeSignature(0, 3, 3));
    }
}
