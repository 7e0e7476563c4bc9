namespace NeuralSynth.Formats.Tests;

public class DemoSongTests
{
    static string DemoPath => Path.Combine(TestPaths.RepoRoot(), "presets", "demo", "demo.mid");

    [Fact]
    public void CommittedDemoIsExactlyWhatTheCompositionWrites()
    {
        var bytes = DemoSong.Bytes();
        if (Environment.GetEnvironmentVariable("NEURALSYNTH_WRITE_DEMO") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(DemoPath)!);
            File.WriteAllBytes(DemoPath, bytes);
        }
        Assert.True(File.Exists(DemoPath), $"{DemoPath} is missing; regenerate with NEURALSYNTH_WRITE_DEMO=1");
        Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(DemoPath)),
            "presets/demo/demo.mid differs from DemoSong.cs; regenerate with NEURALSYNTH_WRITE_DEMO=1 dotnet test tests/NeuralSynth.Formats.Tests --filter FullyQualifiedName~DemoSong");
    }

    [Fact]
    public void DemoHasTheShapeTheProductNeeds()
    {
        var f = MidiFile.Read(DemoPath);
        Assert.Equal(1, f.Format);
        Assert.Equal(["Keys", "Bass", "Lead", "Pad"], f.Tracks.Select(t => t.Name));
        Assert.Equal(104, f.TempoMap[0].Bpm, 3); // stored as whole microseconds per quarter
        Assert.True(f.TempoMap.Count >= 3, "the ritardando needs several tempo changes");
        Assert.InRange(f.DurationSeconds, 30, 45);

        var all = Enumerable.Range(0, 4).SelectMany(t => f.Notes(t)).ToList();
        Assert.All(all, n => Assert.InRange(n.Pitch, 24, 84));
        Assert.True(all.Select(n => n.Velocity).Distinct().Count() >= 12, "velocities should vary");
        for (int t = 0; t < 4; t++)
        {
            Assert.NotEmpty(f.Notes(t));
            Assert.Single(f.Tracks[t].Events, e => e.Kind == MidiEventKind.ProgramChange);
            Assert.All(f.Tracks[t].Events, e => Assert.Equal(t, e.Channel)); // one channel per track
        }

        // Sustain pedal passage on the keys: pedalled notes last longer than their keys are held.
        var pedal = f.Tracks[0].Events.Where(e => e is { Kind: MidiEventKind.ControlChange, Number: MidiEvent.SustainPedal }).ToList();
        Assert.Equal(8, pedal.Count);
        var dry = f.Notes(0);
        var wet = f.Notes(0, applySustain: true);
        Assert.True(wet.Sum(n => n.Duration) > dry.Sum(n => n.Duration) + 10);

        // Pitch bends in the lead, each gesture returning to centre.
        var bends = f.Tracks[2].Events.Where(e => e.Kind == MidiEventKind.PitchBend).ToList();
        Assert.True(bends.Count >= 10);
        Assert.Contains(bends, b => b.Value <= -4096);
        Assert.Equal(0, bends[^1].Value);
        Assert.Contains(f.Tracks[3].Events, e => e is { Kind: MidiEventKind.ControlChange, Number: MidiEvent.ModWheel });
        Assert.Contains(f.Tracks[3].Events, e => e is { Kind: MidiEventKind.ControlChange, Number: MidiEvent.Volume, Value: < 80 });
    }

    [Theory]
    [InlineData("C4", 60)]
    [InlineData("A4", 69)]
    [InlineData("Bb1", 34)]
    [InlineData("C#5", 73)]
    [InlineData("D1", 26)]
    public void PitchNamesFollowMiddleCIsC4(string name, int midi) => Assert.Equal(midi, DemoSong.Pitch(name));
}
