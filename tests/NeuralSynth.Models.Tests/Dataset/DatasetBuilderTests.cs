using NeuralSynth.Dsp;
using NeuralSynth.Formats;
using NeuralSynth.Models.Dataset;

namespace NeuralSynth.Models.Tests.Dataset;

public class DatasetBuilderTests
{
    const string TimGm = "/usr/share/sounds/sf2/TimGM6mb.sf2";

    static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "ns-dataset-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    [Fact]
    public void RendersEveryPitchOfTwoProgramsAtTheRightPitch()
    {
        string dir = TempDir();
        try
        {
            var options = new DatasetBuildOptions { SoundFont = TimGm, OutDir = dir, Programs = [0, 40], Velocities = [100] };
            var result = DatasetBuilder.Build(options);
            Assert.Equal(122, result.Rendered);
            var train = NoteDataset.Load(dir, "train");
            Assert.Equal(122, train.Examples.Count); // two instruments of different families: nothing to hold out
            var misses = new List<string>();
            foreach (var e in train.Examples)
            {
                var audio = train.LoadAudio(e);
                Assert.Equal(32000, audio.Length);
                // The sustained part (0.1-1.4 s) carries the pitch; YIN within 50 cents, as NSynth-style checks use.
                var held = audio.AsSpan(1600, 20800).ToArray();
                double midi = Yin.MedianPitch(held, 16000, 25f, 4200f, asMidi: true);
                if (!(Math.Abs(midi - e.Pitch) <= 0.5)) misses.Add($"{e.NoteStr}: {midi:F2}");
            }
            // A few of the lowest piano notes are weak at the fundamental; allow at most 3 of 122.
            Assert.True(misses.Count <= 3, "pitch misses: " + string.Join(", ", misses));
            Assert.Equal("keyboard", train.Examples.First(e => e.Instrument == 0).InstrumentFamilyStr);
            Assert.Equal("string", train.Examples.First(e => e.Instrument == 40).InstrumentFamilyStr);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void EachSoundFontAddsItsOwnInstrumentsAndTestInstrumentsAreNeverTrainedOn()
    {
        const string Fluid = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
        string dir = TempDir();
        try
        {
            var options = new DatasetBuildOptions { SoundFonts = [TimGm, Fluid, TimGm], OutDir = dir, Programs = [0], MinPitch = 60, MaxPitch = 61, Velocities = [90] };
            var result = DatasetBuilder.Build(options);
            Assert.Equal(6, result.Rendered);
            var all = NoteDataset.Splits.SelectMany(sp => NoteDataset.Load(dir, sp).Examples.Select(e => (Split: sp, e.InstrumentStr, e.Instrument))).ToList();
            Assert.Equal(new[] { 0, 1000, 2000 }, all.Select(x => x.Instrument).Distinct().Order().ToArray());
            Assert.Equal(new[] { "keyboard_acoustic_000", "keyboard_acoustic_1000", "keyboard_acoustic_2000" }, all.Select(x => x.InstrumentStr).Distinct().Order().ToArray());
            // Three instruments of one family: one is held out for test, and no instrument sits in two splits.
            Assert.Single(all.Where(x => x.Split == "test").Select(x => x.InstrumentStr).Distinct());
            Assert.All(all.GroupBy(x => x.InstrumentStr), g => Assert.Single(g.Select(x => x.Split).Distinct()));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ResumesAndIsDeterministic()
    {
        string a = TempDir(), b = TempDir();
        try
        {
            DatasetBuildOptions For(string d, int threads = 2) => new() { SoundFont = TimGm, OutDir = d, Programs = [24, 0], MinPitch = 60, MaxPitch = 64, Velocities = [50, 127], Threads = threads };
            DatasetBuilder.Build(For(a, threads: 2));
            DatasetBuilder.Build(For(b, threads: 1));
            var wavs = Directory.GetFiles(Path.Combine(a, "train", "audio"), "guitar*.wav").Order().ToList();
            Assert.Equal(10, wavs.Count);
            Assert.Equal(20, Directory.GetFiles(Path.Combine(a, "train", "audio"), "*.wav").Length);
            foreach (var w in wavs)
                Assert.Equal(File.ReadAllBytes(w), File.ReadAllBytes(Path.Combine(b, "train", "audio", Path.GetFileName(w))));
            // A finished program is reused as it is; a partial one (a killed run) is rendered again.
            var again = DatasetBuilder.Build(For(a));
            Assert.Equal(0, again.Rendered);
            Assert.Equal(20, again.Reused);
            File.Delete(wavs[3]);
            File.Delete(Path.Combine(a, "train", "audio", ".guitar_acoustic_024.done"));
            again = DatasetBuilder.Build(For(a));
            Assert.Equal(10, again.Rendered);
            Assert.Equal(File.ReadAllBytes(wavs[3]), File.ReadAllBytes(Path.Combine(b, "train", "audio", Path.GetFileName(wavs[3]))));
        }
        finally { Directory.Delete(a, true); Directory.Delete(b, true); }
    }

    [Fact]
    public void SplitsHoldOutWholeInstrumentsPerFamily()
    {
        var split = DatasetBuilder.AssignSplits(GeneralMidi.AcousticDefault.Select(p => DatasetBuilder.InstrumentName(0, p)).ToList());
        var byFamily = split.GroupBy(kv => GeneralMidi.Family(int.Parse(kv.Key[^3..])));
        foreach (var family in byFamily) Assert.Contains(family, kv => kv.Value == "train");
        Assert.Contains(split, kv => kv.Value == "test");
        Assert.Contains(split, kv => kv.Value == "valid");
    }

    [Fact]
    public void BadOptionsAndMissingFilesGiveClearErrors()
    {
        var e = Assert.Throws<ArgumentException>(() => DatasetBuilder.Build(new DatasetBuildOptions { SoundFont = TimGm, OutDir = "/tmp/x", MinPitch = 90, MaxPitch = 80 }));
        Assert.Contains("90-80", e.Message);
        var f = Assert.Throws<FileNotFoundException>(() => DatasetBuilder.Build(new DatasetBuildOptions { SoundFont = "/nonexistent.sf2", OutDir = TempDir(), Programs = [0], MinPitch = 60, MaxPitch = 60 }));
        Assert.Contains("/nonexistent.sf2", f.Message);
    }

    [Fact]
    public void ImportsUserSamplesWithPitchFromNameOrYin()
    {
        string src = TempDir(), dst = TempDir();
        try
        {
            float[] Tone(double hz, int rate) => Enumerable.Range(0, rate).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * hz * i / rate) + 0.1 * Math.Sin(4 * Math.PI * hz * i / rate))).ToArray();
            WavFile.Write(Path.Combine(src, "Piano_C4_v80.wav"), new[] { Tone(261.63, 44100) }, 44100);
            WavFile.Write(Path.Combine(src, "Piano_F#2.wav"), new[] { Tone(92.5, 48000), Tone(92.5, 48000) }, 48000, WavEncoding.Pcm24);
            WavFile.Write(Path.Combine(src, "mystery.wav"), new[] { Tone(440, 22050) }, 22050);
            File.WriteAllBytes(Path.Combine(src, "broken.wav"), "RIFF...."u8.ToArray());
            var warnings = new List<string>();
            var r = SampleImporter.Import(new SampleImportOptions { Folder = src, OutDir = dst, Instrument = "mine" }, warnings.Add);
            Assert.Equal(3, r.Imported);
            Assert.Equal(2, r.FromName);
            Assert.Equal(1, r.FromYin);
            Assert.Equal(1, r.Skipped);
            Assert.Contains(warnings, w => w.Contains("broken.wav"));
            var ds = NoteDataset.Load(dst, "train");
            Assert.Equal(new[] { 42, 60, 69 }, ds.Examples.Select(e => e.Pitch).Order());
            Assert.Equal(80, ds.Examples.Single(e => e.Pitch == 60).Velocity);
            var a = ds.LoadAudio(ds.Examples.Single(e => e.Pitch == 69));
            Assert.Equal(32000, a.Length);
            Assert.InRange(Yin.MedianPitch(a.AsSpan(0, 16000).ToArray(), 16000, 50, 2000), 436, 444);
        }
        finally { Directory.Delete(src, true); Directory.Delete(dst, true); }
    }

    [Theory]
    [InlineData("C4", 60)]
    [InlineData("piano_a4_loud", 69)]
    [InlineData("Bb3", 58)]
    [InlineData("f#2", 42)]
    [InlineData("sample-060-100", 60)]
    [InlineData("kick", null)]
    public void PitchFromFileName(string name, int? expected) => Assert.Equal(expected, SampleImporter.PitchFromName(name));
}
