using NeuralSynth.Models.Dataset;
using NeuralSynth.Models.Evaluation;

namespace NeuralSynth.Models.Tests.Evaluation;

public class FamilyVibratoTests
{
    /// Real SoundFont notes rendered by `dataset build` (TimGM6mb): the violin's samples swing in pitch, the church
    /// organ's pipes hold theirs, and the measure tells them apart by family.
    [Fact]
    public void AViolinSwingsAndAnOrganHoldsItsPitch()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ns-vibrato-" + Guid.NewGuid().ToString("N"));
        try
        {
            DatasetBuilder.Build(new DatasetBuildOptions { SoundFont = "/usr/share/sounds/sf2/TimGM6mb.sf2", OutDir = dir, Programs = [19, 40], MinPitch = 57, MaxPitch = 63, Velocities = [100] });
            var rows = FamilyVibrato.Measure(dir).ToDictionary(r => r.Group);
            Assert.Equal(["organ", "string"], rows.Keys.Order().ToArray());
            Assert.Equal(7, rows["string"].Notes);
            Assert.Throws<FileNotFoundException>(() => FamilyVibrato.Measure(dir, "nosuchsplit"));
            Assert.Equal(1.0, rows["string"].PeriodicShare);                  // every violin note swings
            Assert.InRange(rows["string"].MedianCents, 4, 20);                 // by a player's few cents
            Assert.InRange(rows["string"].MedianHz, 4, 7);                     // at a player's rate
            Assert.InRange(rows["organ"].MedianCents, 0, rows["string"].MedianCents / 4); // the organ barely moves
            Assert.Throws<FileNotFoundException>(() => FamilyVibrato.Measure(Path.Combine(dir, "missing")));
            Assert.True(rows["string"].Plays.Cents > 0);
            Assert.Equal(0, rows["organ"].Plays.Cents); // its pitch holds: a sound of it plays still

            // By instrument, as a model folder keeps them (vibrato.json, `eval vibrato --model`): written and read back.
            var instruments = FamilyVibrato.Measure(dir, byInstrument: true);
            Assert.Equal(2, instruments.Count);
            Assert.Null(FamilyVibrato.LoadInstruments(dir));
            FamilyVibrato.Save(Path.Combine(dir, FamilyVibrato.FileName), instruments);
            var loaded = FamilyVibrato.LoadInstruments(dir)!;
            foreach (var i in instruments)
            {
                Assert.Equal(i.Plays.Cents, loaded[i.Group].Plays.Cents, 1);
                Assert.Equal(i.Notes, loaded[i.Group].Notes);
            }
            File.WriteAllText(Path.Combine(dir, FamilyVibrato.FileName), "{\"instruments\": {\"x\": {\"periodic\": 2}}}");
            Assert.Contains(FamilyVibrato.FileName, Assert.Throws<NeuralSynth.Formats.InvalidFileException>(() => FamilyVibrato.LoadInstruments(dir)).Message);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
