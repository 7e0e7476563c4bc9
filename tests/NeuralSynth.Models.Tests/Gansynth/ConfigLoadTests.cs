using NeuralSynth.Models.Gansynth;

namespace NeuralSynth.Models.Tests.Gansynth;

public class ConfigLoadTests
{
    /// A config written before a key existed loads with that key's default, not with null or 0: the shipped IF-Mel
    /// baseline's config has no "head", "families" or "codes", and loaded with no head at all until 2026-12-08.
    [Fact]
    public void AKeyTheFileLacksTakesItsDefault()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cfg-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, """{ "latent_size": 32, "channels": [64, 32, 16, 8, 8], "convs_per_stage": 1 }""");
            var c = GansynthConfig.Load(path);
            var d = new GansynthConfig();
            Assert.Equal(32, c.LatentSize);
            Assert.Equal([64, 32, 16, 8, 8], c.Channels);
            Assert.Equal(1, c.ConvsPerStage);
            Assert.Equal(GansynthConfig.HeadIfMel, c.Head);
            Assert.Equal(d.Velocities, c.Velocities);
            Assert.Equal(d.Spectral, c.Spectral);
            Assert.Equal(d.LearningRate, c.LearningRate);
            Assert.Empty(c.Codes);
            Assert.Empty(c.Families);
            Assert.False(c.HasCodes);
            File.WriteAllText(path, "[1, 2]");
            Assert.Contains("not a JSON object", Assert.Throws<NeuralSynth.Formats.InvalidFileException>(() => GansynthConfig.Load(path)).Message);
        }
        finally { File.Delete(path); }
    }

    /// The vocoder's config is read the same way, object by object: a file that leaves out a key, or a key of its
    /// "spectral" block, keeps that key's default; a key the vocoder does not know is still refused.
    [Fact]
    public void AVocoderConfigKeepsTheDefaultsOfTheKeysItLacks()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vcfg-{Guid.NewGuid():N}.json");
        try
        {
            var d = new NeuralSynth.Models.Vocoder.VocoderConfig();
            var node = System.Text.Json.Nodes.JsonNode.Parse(d.ToJson())!.AsObject();
            node.Remove("taps_per_phase");
            node["spectral"]!.AsObject().Remove("fmax");
            node["spectral"]!["hop"] = 128;
            File.WriteAllText(path, node.ToJsonString());
            var c = NeuralSynth.Models.Vocoder.VocoderConfig.Load(path);
            Assert.Equal(d.TapsPerPhase, c.TapsPerPhase);
            Assert.Equal(d.Spectral.FMax, c.Spectral.FMax);
            Assert.Equal(128, c.Spectral.Hop);
            node["no_such_key"] = 1;
            File.WriteAllText(path, node.ToJsonString());
            Assert.Throws<NeuralSynth.Formats.InvalidFileException>(() => NeuralSynth.Models.Vocoder.VocoderConfig.Load(path));
        }
        finally { File.Delete(path); }
    }

    /// The literature baseline the issue keeps beside the shipped model loads and plays.
    [Fact]
    public void TheShippedIfMelBaselineLoads()
    {
        string? dir = RepoPresets.Model("gansynth-ifmel");
        Assert.NotNull(dir);
        if (!File.Exists(Path.Combine(dir!, GansynthModel.ConfigFile))) return; // model not in this tree
        using var model = GansynthModel.Load(dir!);
        Assert.Equal(GansynthConfig.HeadIfMel, model.Config.Head);
        var audio = model.RenderIf([model.Config.PriorLatent(7)], [60], [90]);
        Assert.True(audio[0].Any(x => x != 0) && audio[0].All(float.IsFinite));
    }
}
