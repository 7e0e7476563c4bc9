namespace NeuralSynth.Formats.Tests;

/// "Dorian Lights", the NeuralSynth demo song, composed for this project (MIT, like the repository).
/// 16 bars of 4/4 in D minor at 104 bpm with a ritardando into the last chord, about 38 s.
/// Form: A (1-4) keys, bass and pad alone; A' (5-8) the lead enters; B (9-12) arpeggiated keys under the
/// sustain pedal, pad swelling with the mod wheel; C (13-16) cadence, tempo easing off, pad fading (CC7).
/// Four tracks, one GM channel each: Keys (piano), Bass (acoustic bass), Lead (flute, with pitch bends), Pad (strings).
///
/// The composition is data; Build() turns it into presets/demo/demo.mid, and DemoSongTests checks that the
/// committed file is exactly what this code writes. Regenerate with:
///   NEURALSYNTH_WRITE_DEMO=1 dotnet test tests/NeuralSynth.Formats.Tests --filter FullyQualifiedName~DemoSong
public static class DemoSong
{
    public const int TicksPerQuarter = 480;
    const int Bar = 4 * TicksPerQuarter;
    public const double Bpm = 104;

    // ---------------------------------------------------------------- the music
    // Notes are "Pitch:beats" or "Pitch:beats:velocity", rests "r:beats"; every bar adds up to 4 beats.

    /// Keys voicings per bar (bass-less, around middle C).
    static readonly string[] Chords =
    [
        "F3 A3 C4 E4",   // 1  Dm9
        "F3 A3 Bb3 D4",  // 2  Bbmaj7
        "G3 Bb3 D4 F4",  // 3  Gm7
        "G3 A3 D4 E4",   // 4  A7sus4
        "F3 A3 C4 E4",   // 5  Dm9
        "F3 A3 Bb3 D4",  // 6  Bbmaj7
        "G3 Bb3 D4 F4",  // 7  Gm7
        "G3 A3 C#4 E4",  // 8  A7
        "F3 A3 C4 E4",   // 9  Fmaj7
        "E3 G3 C4 E4",   // 10 C/E
        "F3 A3 C4 D4",   // 11 Dm7
        "F3 A3 Bb3 D4",  // 12 Bbmaj7
        "G3 Bb3 D4 F4",  // 13 Gm7
        "G3 A3 C#4 E4",  // 14 A7
        "F3 A3 D4 E4",   // 15 Dm(add9)
        "D3 F3 A3 D4",   // 16 Dm
    ];

    /// Keys comping rhythm for A sections: (start beat, length in beats, velocity) of each chord hit.
    static readonly (double Beat, double Length, int Velocity)[][] Comp =
    [
        [(0, 1.5, 76), (1.5, 1.0, 60), (3.0, 1.0, 68)],
        [(0, 1.5, 72), (1.5, 1.0, 58), (3.0, 0.5, 64), (3.5, 0.5, 56)],
    ];

    /// Keys arpeggio for bars 9-12 (indexes into the voicing, 4 = top note an octave up), eighth notes.
    static readonly int[] Arpeggio = [0, 1, 2, 3, 4, 3, 2, 1];
    static readonly int[] ArpeggioVelocity = [74, 52, 60, 56, 70, 54, 58, 50];

    static readonly string[] Bass =
    [
        "D2:1.5:96 D2:0.5:70 A2:1:84 C3:1:78",          // 1
        "Bb1:1.5:94 Bb1:0.5:68 F2:1:82 A2:1:76",         // 2
        "G1:1.5:96 G1:0.5:70 D2:1:84 F2:1:80",           // 3
        "A1:1.5:98 A1:0.5:72 E2:1:86 C#2:1:82",          // 4
        "D2:1.5:100 D2:0.5:72 A2:1:86 C3:1:80",          // 5
        "Bb1:1.5:96 Bb1:0.5:70 F2:1:84 D2:1:78",         // 6
        "G1:1.5:98 G1:0.5:72 Bb1:1:84 D2:1:80",          // 7
        "A1:1:100 E2:1:84 G2:1:86 C#2:1:90",             // 8
        "F1:2:92 C2:2:80",                               // 9   B: longer notes under the arpeggios
        "E1:2:90 G1:2:78",                               // 10
        "D2:2:92 A1:2:80",                               // 11
        "Bb1:2:90 F1:1:76 A1:1:82",                      // 12
        "G1:1.5:100 G1:0.5:74 D2:1:88 F2:1:84",          // 13
        "A1:1.5:104 A1:0.5:76 E2:1:90 C#2:1:94",         // 14
        "D2:2:96 A1:2:84",                               // 15
        "D1:4:90",                                       // 16
    ];

    static readonly string[] Lead =
    [
        "r:4", "r:4", "r:4", "r:4",
        "A4:1:84 C5:0.5:80 D5:0.5:88 E5:1.5:96 D5:0.5:82",   // 5
        "F5:2:100 D5:1:86 A4:1:78",                          // 6  (F5 scooped up from below)
        "Bb4:1:84 D5:0.5:82 F5:0.5:90 G5:1.5:102 F5:0.5:86", // 7
        "E5:1:94 C#5:1:86 A4:2:80",                          // 8
        "r:0.5 A5:0.5:92 G5:0.5:84 F5:0.5:86 E5:1:90 C5:1:80", // 9
        "G5:1.5:98 E5:0.5:84 D5:1:86 C5:1:80",               // 10
        "D5:0.5:82 E5:0.5:86 F5:1:92 A5:1.5:108 G5:0.5:90",  // 11
        "F5:3:100 r:1",                                      // 12 (held with vibrato)
        "D5:0.5:84 F5:0.5:88 G5:1:96 Bb5:1:110 A5:1:100",    // 13 (Bb5 scooped)
        "G5:1:96 E5:1:88 C#5:1:92 E5:1:86",                  // 14
        "D5:2:94 E5:1:84 F5:1:88",                           // 15
        "D5:4:90",                                           // 16 (falls off at the end)
    ];

    /// Pad: sustained dyads/triads, one per bar.
    static readonly string[] Pad =
    [
        "D3 A3", "D3 F3", "D3 G3", "E3 A3",
        "D3 A3 F4", "D3 F3 D4", "D3 G3 Bb3", "E3 A3 C#4",
        "C3 A3 F4", "C3 G3 E4", "D3 A3 F4", "D3 F3 D4",
        "D3 G3 Bb3", "E3 A3 C#4", "D3 A3 F4", "D3 A3 F4",
    ];

    // ---------------------------------------------------------------- rendering the data to MIDI

    public static MidiWriter Build()
    {
        var w = new MidiWriter(TicksPerQuarter);
        var keys = w.AddTrack("Keys");
        var bass = w.AddTrack("Bass");
        var lead = w.AddTrack("Lead");
        var pad = w.AddTrack("Pad");

        // Tempo map lives in the first track (format-1 convention); ritardando over the last two bars.
        keys.Tempo(0, Bpm).TimeSignature(0, 4, 4)
            .Tempo(At(15, 0), 98).Tempo(At(15, 2), 92).Tempo(At(16, 0), 84);

        keys.ProgramChange(0, 0, 0).ControlChange(0, 0, MidiEvent.Volume, 100);
        bass.ProgramChange(0, 1, 32).ControlChange(0, 1, MidiEvent.Volume, 104);
        lead.ProgramChange(0, 2, 73).ControlChange(0, 2, MidiEvent.Volume, 96);
        pad.ProgramChange(0, 3, 48).ControlChange(0, 3, MidiEvent.Volume, 80).ControlChange(0, 3, MidiEvent.ModWheel, 20);

        WriteKeys(keys);
        for (int b = 1; b <= 16; b++)
        {
            WriteLine(bass, 1, b, Bass[b - 1], legato: 0.88);
            WriteLine(lead, 2, b, Lead[b - 1], legato: 0.96);
        }
        WriteLeadBends(lead);
        WritePad(pad);
        return w;
    }

    public static byte[] Bytes() => Build().ToArray();

    static long At(int bar, double beat) => (bar - 1) * (long)Bar + (long)Math.Round(beat * TicksPerQuarter);

    static void WriteKeys(MidiWriterTrack t)
    {
        for (int b = 1; b <= 16; b++)
        {
            int[] chord = Chords[b - 1].Split(' ').Select(Pitch).ToArray();
            if (b is >= 9 and <= 12)
            {
                // Sustain-pedal passage: broken chords, pedal re-taken on each bar line (up just before, down just after).
                t.ControlChange(At(b, 0) + 20, 0, MidiEvent.SustainPedal, 127);
                for (int i = 0; i < 8; i++)
                {
                    int idx = Arpeggio[i];
                    int pitch = idx < 4 ? chord[idx] : chord[0] + 12;
                    t.Note(At(b, i * 0.5), TicksPerQuarter / 2 - 40, 0, pitch, ArpeggioVelocity[i] + (b == 11 ? 6 : 0));
                }
                t.ControlChange(At(b + 1, 0) - 30, 0, MidiEvent.SustainPedal, 0);
                continue;
            }
            (double Beat, double Length, int Velocity)[] hits = b switch
            {
                >= 15 => [(0.0, 4.0, b == 15 ? 70 : 62)],  // cadence: whole notes
                >= 13 => [(0.0, 2.0, 74), (2.0, 2.0, 64)], // half notes
                _ => Comp[(b - 1) / 2 % 2],
            };
            foreach (var (beat, len, vel) in hits)
                for (int n = 0; n < chord.Length; n++)
                    // Slightly softer inner voices, top note a touch louder: a pianist's balance.
                    t.Note(At(b, beat), (long)(len * TicksPerQuarter * 0.92), 0, chord[n], Math.Clamp(vel + (n == chord.Length - 1 ? 6 : n == 0 ? 0 : -4), 1, 127));
        }
    }

    static void WriteLine(MidiWriterTrack t, int channel, int bar, string line, double legato)
    {
        double beat = 0;
        foreach (var token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = token.Split(':');
            double len = double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            if (parts[0] != "r")
            {
                int vel = parts.Length > 2 ? int.Parse(parts[2]) : 80;
                t.Note(At(bar, beat), (long)Math.Round(len * TicksPerQuarter * legato), channel, Pitch(parts[0]), vel);
            }
            beat += len;
        }
        if (Math.Abs(beat - 4) > 1e-9) throw new InvalidOperationException($"bar {bar} of channel {channel} has {beat} beats: {line}");
    }

    static void WriteLeadBends(MidiWriterTrack t)
    {
        // Bend range is the GM default of +-2 semitones: 4096 = one semitone.
        // Bar 6: scoop up a semitone into F5.
        Scoop(t, At(6, 0));
        // Bar 12: vibrato (about 5 Hz) on the held F5, growing in depth over beats 2-3.
        for (int i = 0; i < 32; i++)
        {
            double phase = i * Math.PI / 4;
            int depth = 200 + 20 * i;
            t.PitchBend(At(12, 1) + i * 30, 2, (int)Math.Round(depth * Math.Sin(phase)));
        }
        t.PitchBend(At(12, 3), 2, 0);
        // Bar 13: scoop into the Bb5 climax.
        Scoop(t, At(13, 2));
        // Bar 16: the last D5 falls off a whole tone over beats 4 and a bit, before its note-off.
        for (int i = 0; i <= 8; i++) t.PitchBend(At(16, 3) + i * 40, 2, -8192 * i / 8);
        t.PitchBend(At(17, 0), 2, 0);
    }

    static void Scoop(MidiWriterTrack t, long tick)
    {
        for (int i = 0; i <= 4; i++) t.PitchBend(tick + i * 30, 2, -4096 + 1024 * i);
    }

    static void WritePad(MidiWriterTrack t)
    {
        for (int b = 1; b <= 16; b++)
        {
            int[] notes = Pad[b - 1].Split(' ').Select(Pitch).ToArray();
            int vel = b <= 4 ? 48 : b <= 8 ? 54 : b <= 12 ? 60 : 56;
            long len = b == 16 ? Bar : Bar - 30; // tiny breath between bars, the last chord rings to the end
            foreach (int p in notes) t.Note(At(b, 0), len, 3, p, vel);
        }
        // Mod-wheel swell through the B section, then back.
        for (int i = 0; i < 16; i++) t.ControlChange(At(9, 0) + i * Bar / 4, 3, MidiEvent.ModWheel, 20 + 70 * i / 15);
        t.ControlChange(At(13, 0), 3, MidiEvent.ModWheel, 40);
        // Fade the pad out over the last bar.
        for (int i = 0; i <= 8; i++) t.ControlChange(At(16, 0) + i * Bar / 8, 3, MidiEvent.Volume, 80 - 5 * i);
    }

    /// "C4" = 60, accidentals '#' and 'b'.
    public static int Pitch(string name)
    {
        int semitone = name[0] switch { 'C' => 0, 'D' => 2, 'E' => 4, 'F' => 5, 'G' => 7, 'A' => 9, 'B' => 11, _ => throw new FormatException(name) };
        int i = 1;
        if (name[i] == '#') { semitone++; i++; }
        else if (name[i] == 'b') { semitone--; i++; }
        return 12 * (int.Parse(name[i..]) + 1) + semitone;
    }
}
