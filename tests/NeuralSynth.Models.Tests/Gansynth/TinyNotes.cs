using NeuralSynth.Formats;
using NeuralSynth.Models.Dataset;

namespace NeuralSynth.Models.Tests.Gansynth;

/// A handful of synthesized harmonic notes in the NSynth layout (train split), so GANSynth tests run on real
/// files through the real dataset reader without needing fluidsynth.
static class TinyNotes
{
    public static float[] Tone(int pitch, int velocity, int samples = 32000, int rate = 16000, int harmonics = 6)
    {
        double f0 = 440.0 * Math.Pow(2, (pitch - 69) / 12.0);
        var x = new float[samples];
        double amp = 0.25 * velocity / 127.0;
        for (int n = 0; n < samples; n++)
        {
            double t = (double)n / rate, env = Math.Exp(-2.0 * t) * Math.Min(1.0, t / 0.01);
            double s = 0;
            for (int k = 1; k <= harmonics && k * f0 < rate / 2; k++) s += Math.Sin(2 * Math.PI * k * f0 * t) / k;
            x[n] = (float)(amp * env * s);
        }
        return x;
    }

    public static string Make(string dir, int[] pitches, int[] velocities) => Make(dir, pitches, velocities, [("synth_lead", 6)]);

    /// One instrument per (NSynth family, number of harmonics): instruments of different families sound different.
    public static string Make(string dir, int[] pitches, int[] velocities, (string Family, int Harmonics)[] instruments)
    {
        Directory.CreateDirectory(Path.Combine(dir, "train", "audio"));
        var examples = new List<NoteExample>();
        for (int i = 0; i < instruments.Length; i++)
            foreach (int p in pitches)
                foreach (int v in velocities)
                {
                    string instrument = $"synth_test_{i:D3}", name = $"{instrument}-{p:D3}-{v:D3}";
                    WavFile.Write(Path.Combine(dir, "train", "audio", name + ".wav"), [Tone(p, v, harmonics: instruments[i].Harmonics)], 16000);
                    examples.Add(new NoteExample
                    {
                        NoteStr = name, Pitch = p, Velocity = v, InstrumentStr = instrument, InstrumentFamilyStr = instruments[i].Family,
                        InstrumentSourceStr = "synthetic", SampleRate = 16000,
                    });
                }
        NoteDataset.Save(dir, "train", examples);
        return dir;
    }

    public static string TempDir(string tag)
    {
        string d = Path.Combine(Path.GetTempPath(), $"ns-gansynth-{tag}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }
}

/// A temporary directory for one test, deleted at Dispose; oneThread pins torch to one thread (training tests then
/// run alike on any machine and leave the other core to the test runner).
sealed class TempRun : IDisposable
{
    public string Dir { get; }

    public TempRun(string tag, bool oneThread = false)
    {
        if (oneThread) TorchSharp.torch.set_num_threads(1);
        Dir = TinyNotes.TempDir(tag);
    }

    public void Dispose() => Directory.Delete(Dir, true);
}
