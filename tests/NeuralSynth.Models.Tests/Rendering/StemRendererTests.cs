using NeuralSynth.Formats;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Tests.Rendering;

public class StemRendererTests
{
    // A tiny generator with its initial weights: the pipeline under test does not care what it learnt.
    static string TinyModel()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ns-stem-" + Guid.NewGuid().ToString("N"));
        TorchSharp.torch.manual_seed(5);
        using var m = new GansynthModel(new GansynthConfig { LatentSize = 8, MinPitch = 60, MaxPitch = 64, Velocities = [50, 100], Channels = [16, 8, 4] });
        m.Save(dir);
        return dir;
    }

    static MidiFile Song()
    {
        var w = new MidiWriter(480);
        var keys = w.AddTrack("Keys");
        keys.Tempo(0, 120);                       // a quarter note = 0.5 s
        keys.Note(0, 480, 0, 60, 100);            // 0.0-0.5 s
        keys.Note(960, 480, 0, 62, 40);           // 1.0-1.5 s
        var bass = w.AddTrack("Bass");
        bass.Note(480, 240, 1, 48, 90);           // below the model's range: the nearest rendered pitch, transposed
        w.AddTrack("Empty");
        return MidiFile.Read(w.ToArray(), "song.mid");
    }

    static IReadOnlyList<Stem> Render(string modelDir, MidiFile midi, int threads = 1)
    {
        using var renderer = NoteRenderer.Load(modelDir);
        var sounds = new[] { new TrackSound("a", Latent.FromSeed(1, 8), ReleaseSeconds: 0.05), new TrackSound("b", Latent.FromSeed(2, 8), ReleaseSeconds: 0.05) };
        return new StemRenderer(renderer, new VoiceCache(), new VelocityLayers(50, 100)).Render(midi, (i, _) => sounds[i % 2], new StemRenderOptions { SampleRate = 44100, BlockSize = 100, Threads = threads });
    }

    static double Rms(float[] x, double from, double to, int rate)
    {
        int a = (int)(from * rate), b = Math.Min(x.Length, (int)(to * rate));
        double s = 0;
        for (int i = a; i < b; i++) s += x[i] * (double)x[i];
        return Math.Sqrt(s / Math.Max(1, b - a));
    }

    [Fact]
    public void ModWheelInTheSongBringsInVibratoFromItsTickOn()
    {
        string model = TinyModel();
        try
        {
            MidiFile Held(bool wheel)
            {
                var w = new MidiWriter(480);
                var t = w.AddTrack("Lead");
                t.Tempo(0, 120);
                t.Note(0, 1920, 0, 62, 100);                       // 0-2 s
                if (wheel) t.ControlChange(960, 0, MidiEvent.ModWheel, 127); // at 1 s
                return MidiFile.Read(w.ToArray(), "held.mid");
            }
            var plain = Render(model, Held(false))[0].Left;
            var wheel = Render(model, Held(true))[0].Left;
            Assert.Equal(plain.Length, wheel.Length);
            int at = 44100;
            Assert.True(plain.AsSpan(0, at).SequenceEqual(wheel.AsSpan(0, at)));   // nothing changes before the wheel
            double diff = 0, level = 0;
            for (int i = at + 4410; i < at + 44100; i++) { diff += Math.Abs(plain[i] - wheel[i]); level += Math.Abs(plain[i]); }
            Assert.True(diff > 0.05 * level, $"the wheel changed the note by {diff / level:P1} of its level");
        }
        finally { Directory.Delete(model, true); }
    }

    [Fact]
    public void OneStemPerPlayingTrackSoundingWhereTheNotesAreAndBitIdenticalAcrossRunsAndThreadCounts()
    {
        string model = TinyModel();
        try
        {
            var midi = Song();
            var first = Render(model, midi);
            var second = Render(model, midi, threads: 3); // notes and tracks on several threads: the same samples
            Assert.Equal(new[] { "Keys", "Bass" }, first.Select(s => s.TrackName));
            for (int i = 0; i < first.Count; i++)
            {
                Assert.Equal(first[i].Left, second[i].Left);
                Assert.Equal(first[i].Right, second[i].Right);
            }
            var keys = first[0].Left;
            // Sound from the first block (note-on at sample 0), silence between the notes, sound again at 1 s.
            Assert.True(Rms(keys, 0.0, 0.01, 44100) > 1e-4, "the first note must sound at once");
            Assert.True(Rms(keys, 0.0, 0.45, 44100) > 30 * Rms(keys, 0.75, 0.98, 44100), "released note must have died away before the next");
            Assert.True(Rms(keys, 1.0, 1.45, 44100) > 30 * Rms(keys, 0.75, 0.98, 44100));
            var bass = first[1].Left;
            Assert.True(Rms(bass, 0.5, 0.7, 44100) > 30 * Rms(bass, 0.0, 0.45, 44100), "the bass note starts at 0.5 s");
            var (mixL, _) = StemRenderer.Mix(first);
            Assert.Equal(Math.Max(keys.Length, bass.Length), mixL.Length);
            Assert.Equal(keys[22050 + 10] + bass[22050 + 10], mixL[22050 + 10], 6);
        }
        finally { Directory.Delete(model, true); }
    }
}
