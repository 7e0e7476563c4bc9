using NeuralSynth.Formats;

namespace NeuralSynth.Cli.Tests;

/// `render` with its note cache on disk, its thread count and its device option, through the built program.
public class RenderTests : IDisposable
{
    readonly string dir = Cli.TempDir();

    public void Dispose() { if (Directory.Exists(dir)) Directory.Delete(dir, true); }

    string Song()
    {
        var w = new MidiWriter(480);
        w.AddTrack("Keys").Tempo(0, 120).Note(0, 480, 0, 60, 100).Note(480, 480, 0, 64, 80).Note(960, 960, 0, 67, 110);
        w.AddTrack("Bass").Note(0, 1920, 1, 36, 90);
        string file = Path.Combine(dir, "song.mid");
        File.WriteAllBytes(file, w.ToArray());
        return file;
    }

    /// A second render finds every note in the cache the first one left and writes the same bytes, whatever the thread
    /// count; no cache folder is made with --cache none.
    [Fact]
    public void ASecondRenderReusesTheNotesOnDisk_AndWritesTheSameFiles()
    {
        string song = Song(), cache = Path.Combine(dir, "cache");
        var first = Cli.Run(300, "render", song, "--out", Path.Combine(dir, "a"), "--cache", cache, "--threads", "1");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("(0 notes of this model", first.Stdout.Replace("\n", " "));
        Assert.NotEmpty(Directory.GetFiles(cache, "*", SearchOption.AllDirectories));
        var second = Cli.Run(300, "render", song, "--out", Path.Combine(dir, "b"), "--cache", cache, "--threads", "2");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("(4 notes of this model", second.Stdout.Replace("\n", " "));
        foreach (var f in Directory.GetFiles(Path.Combine(dir, "a")))
            Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(Path.Combine(dir, "b", Path.GetFileName(f))));
        var third = Cli.Run(300, "render", song, "--out", Path.Combine(dir, "c"), "--cache", "none");
        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "a", "mix.wav")), File.ReadAllBytes(Path.Combine(dir, "c", "mix.wav")));
    }

    /// The scale check through the built program on a few notes of one preset, on two render threads.
    [Fact]
    public void EvalScalePlaysAPresetAndWritesItsReport()
    {
        string outDir = Path.Combine(dir, "scale");
        var r = Cli.Run(300, "eval", "scale", "--preset", "Bass I", "--from", "48", "--to", "50", "--out", outDir, "--threads", "2");
        Assert.True(r.ExitCode == 0, r.ToString());
        string md = File.ReadAllText(Path.Combine(outDir, "SCALE.md"));
        Assert.Contains("| Bass I | bass | 3 |", md);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(outDir, "scale.csv")).Length); // header + 3 notes
    }

    /// `sample` plays the shipped model on the path the plug-in plays (additive): an in-tune note in the WAV, and the
    /// same note again from a second run.
    [Fact]
    public void SamplePlaysTheAdditivePath()
    {
        string model = Path.Combine(Cli.RepoRoot, "presets", "models", "gansynth");
        var outs = new[] { "a", "b" }.Select(n => Path.Combine(dir, n + ".wav")).ToArray();
        foreach (var o in outs)
        {
            var r = Cli.Run(120, "sample", "--model", model, "--path", "additive", "--pitch", "57", "--seed", "3", "--out", o);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("additive path", r.Stdout);
        }
        var a = NeuralSynth.Formats.WavFile.Read(outs[0]).Channels[0];
        Assert.Equal(a, NeuralSynth.Formats.WavFile.Read(outs[1]).Channels[0]);
        float f0 = NeuralSynth.Dsp.Yin.MedianPitch(a, 16000, 25, 2000);
        Assert.True(Math.Abs(NeuralSynth.Dsp.Yin.Cents(f0, 220)) < 25, $"YIN hears {f0:F1} Hz for A3");
        var bad = Cli.Run(60, "sample", "--model", model, "--path", "griffinlim", "--out", Path.Combine(dir, "x.wav"));
        Cli.AssertCleanRefusal(bad, "griffinlim");
    }

    [Fact]
    public void CudaAndBadThreadCountsAreClearRefusals()
    {
        string song = Song();
        var cuda = Cli.Run(60, "render", song, "--out", Path.Combine(dir, "x"), "--device", "cuda");
        Assert.Equal(1, cuda.ExitCode);
        Assert.Contains("--device cuda", cuda.Stderr);
        Assert.Contains("CPU", cuda.Stderr);
        var threads = Cli.Run(60, "render", song, "--out", Path.Combine(dir, "x"), "--threads", "0");
        Assert.Equal(1, threads.ExitCode);
        Assert.Contains("--threads 0", threads.Stderr);
    }
}
