using NeuralSynth.Models.Dataset;
using NeuralSynth.Models.Evaluation;

namespace NeuralSynth.Models.Tests.Evaluation;

public class FamilyReleasesTests
{
    /// Real SoundFont notes rendered by `dataset build` (TimGM6mb): a church organ's samples ring on after note-off far
    /// longer than an alto sax's, and the measure tells them apart by family, each release finite and in a range a
    /// musician would call a release.
    [Fact]
    public void AnOrgansReleaseIsLongerThanASaxophones()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ns-releases-" + Guid.NewGuid().ToString("N"));
        try
        {
            DatasetBuilder.Build(new DatasetBuildOptions { SoundFont = "/usr/share/sounds/sf2/TimGM6mb.sf2", OutDir = dir, Programs = [19, 65], MinPitch = 57, MaxPitch = 63, Velocities = [100] });
            var rows = FamilyReleases.Measure(dir).ToDictionary(r => r.Family);
            Assert.Equal(["organ", "reed"], rows.Keys.Order().ToArray());
            Assert.Equal(7, rows["reed"].Notes);
            Assert.InRange(rows["reed"].MedianSeconds, 0.02, 1.0);
            Assert.InRange(rows["organ"].MedianSeconds, 2 * rows["reed"].MedianSeconds, 5.0);
            Assert.Throws<FileNotFoundException>(() => FamilyReleases.Measure(dir, "nosuchsplit"));
            Assert.Throws<ArgumentException>(() => FamilyReleases.Measure(dir, noteOffSeconds: -1));
            Assert.Throws<ArgumentException>(() => FamilyReleases.Measure(dir, noteOffSeconds: 60)); // past every note's end
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
