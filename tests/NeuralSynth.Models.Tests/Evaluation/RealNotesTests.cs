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
}
