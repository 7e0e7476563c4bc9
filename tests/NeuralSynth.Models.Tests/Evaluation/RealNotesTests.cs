using NeuralSynth.Dsp;
using NeuralSynth.Formats;
using NeuralSynth.Models.Evaluation;
using NeuralSynth.Models.Tests.Gansynth;

namespace NeuralSynth.Models.Tests.Evaluation;

public class RealNotesTests
{
    /// The scale check's reference: real notes of a family played as the same phrase. Tones with a 10 ms ramp each
    /// start inside the previous one's release and are still heard within 10 ms; pitches or families the data lacks
    /// have no reference (rather than a "missed" onset).
    [Fact]
    public void RealPhraseOnsetsAreFoundAndAbsentNotesHaveNoReference()
    {
        string root = TinyNotes.TempDir("realnotes");
        try
        {
            string data = TinyNotes.Make(Path.Combine(root, "data"), [60, 61, 62, 63], [100]);
            var real = new RealNotes(data);
            foreach (int p in new[] { 60, 61, 62, 63 })
            {
                Assert.True(real.TryOnset("synth_lead", p, out var ms));
                Assert.True(ms is >= -5 and <= 10, $"pitch {p}: onset {ms} ms");
                Assert.NotNull(real.Median("synth_lead", p));
            }
            Assert.False(real.TryOnset("synth_lead", 70, out _));
            Assert.False(real.TryOnset("brass", 60, out _));
        }
        finally { Directory.Delete(root, true); }
    }

    /// The scale check's second reference, the training instrument a preset plays near: each instrument's notes are
    /// measured apart from the rest of its family, so a noisy instrument reads noisy beside a clean one of the same
    /// family; an instrument or pitch the data lacks has no reference.
    [Fact]
    public void InstrumentHnrIsMeasuredPerInstrument()
    {
        string root = TinyNotes.TempDir("realnotes-inst");
        try
        {
            string data = TinyNotes.Make(Path.Combine(root, "data"), [60, 62], [90, 127], [("string", 6), ("string", 8)]);
            // synth_test_001's notes at MIDI 60 get white noise 10 dB under the tone.
            var rng = new Random(3);
            foreach (int v in new[] { 90, 127 })
            {
                string path = Path.Combine(data, "train", "audio", $"synth_test_001-060-{v:D3}.wav");
                var x = WavFile.Read(path).Channels[0];
                double rms = Math.Sqrt(x.Average(s => (double)s * s));
                var noisy = x.Select(s => s + (float)(0.316 * rms * Math.Sqrt(3) * (2 * rng.NextDouble() - 1))).ToArray();
                WavFile.Write(path, [noisy], 16000);
            }
            var real = new RealNotes(data);
            double clean = real.InstrumentMedian("synth_test_000", 60)!.Value, noisy60 = real.InstrumentMedian("synth_test_001", 60)!.Value;
            double noisyAt62 = real.InstrumentMedian("synth_test_001", 62)!.Value;
            Assert.True(clean > noisy60 + 10, $"clean {clean:F1} dB, noisy {noisy60:F1} dB");
            Assert.True(noisyAt62 > noisy60 + 10, $"the same instrument without noise at 62: {noisyAt62:F1} dB");
            Assert.InRange(noisy60, 6, 20); // noise 10 dB under the note's mean level, nearly all of it between the harmonics
            Assert.Null(real.InstrumentMedian("synth_test_002", 60));
            Assert.Null(real.InstrumentMedian("synth_test_000", 70));
        }
        finally { Directory.Delete(root, true); }
    }
}
