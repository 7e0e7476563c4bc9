using NAudio.Wave;

namespace NeuralSynth.Formats.Tests;

/// NAudio (3.3.0, with NAudio.Midi) reads the same files as a second opinion on our WAV and SMF readers.
public class NAudioSecondOpinionTests
{
    [Theory]
    [InlineData("sox-s16-mono.wav")]
    [InlineData("sox-f32-mono.wav")]
    [InlineData("sox-s24-stereo-ext.wav")]
    [InlineData("sox-s32-stereo-ext.wav")]
    [InlineData("sox-s16-3ch-ext.wav")]
    [InlineData("sox-u8-mono-odd.wav")]
    public void WavSamplesAgreeWithNAudio(string fixture)
    {
        string path = TestPaths.Fixture(fixture);
        var ours = WavFile.Read(path);
        using var reader = new WaveFileReader(path);
        Assert.Equal(reader.WaveFormat.SampleRate, ours.SampleRate);
        Assert.Equal(reader.WaveFormat.Channels, ours.Channels.Length);
        Assert.Equal(reader.SampleCount, ours.Frames);
        int channels = ours.Channels.Length;
        var interleaved = new float[reader.SampleCount * channels];
        int read = reader.ToSampleProvider().Read(interleaved.AsSpan());
        Assert.Equal(interleaved.Length, read);
        for (long i = 0; i < reader.SampleCount; i++)
            for (int c = 0; c < channels; c++)
            {
                float theirs = interleaved[i * channels + c];
                Assert.True(Math.Abs(theirs - ours.Channels[c][i]) < 1e-6f, $"{fixture} frame {i} channel {c}: ours {ours.Channels[c][i]} vs NAudio {theirs}");
            }
    }

    [Fact]
    public void DemoSongNotesAgreeWithNAudioMidi()
    {
        string path = Path.Combine(TestPaths.RepoRoot(), "presets", "demo", "demo.mid");
        var ours = MidiFile.Read(path);
        var theirs = new NAudio.Midi.MidiFile(path, strictChecking: false);
        Assert.Equal(theirs.DeltaTicksPerQuarterNote, ours.TicksPerQuarter);
        Assert.Equal(theirs.Tracks, ours.Tracks.Count);
        for (int t = 0; t < ours.Tracks.Count; t++)
        {
            var notes = ours.Notes(t);
            var expected = theirs.Events[t].OfType<NAudio.Midi.NoteOnEvent>().Where(e => e.Velocity > 0 && e.OffEvent != null)
                .Select(e => (Tick: e.AbsoluteTime, End: e.OffEvent!.AbsoluteTime, e.NoteNumber, e.Velocity))
                .OrderBy(n => n.Tick).ThenBy(n => n.NoteNumber).ToList();
            var got = notes.Select(n => (Tick: n.StartTick, End: n.EndTick, NoteNumber: n.Pitch, n.Velocity)).OrderBy(n => n.Tick).ThenBy(n => n.NoteNumber).ToList();
            Assert.Equal(expected, got);
        }
    }
}
