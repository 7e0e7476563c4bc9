using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Timbre;
using NeuralSynth.Realtime.Timbre;

namespace NeuralSynth.Models.Tests.Timbre;

/// Checks on the shipped bank and default model (presets/). The bank must always parse; the smoothness check runs
/// when the default model is in the tree.
public class ShippedBankTests
{
    [Fact]
    public void EveryShippedPresetParsesAndCoversTheFamilies()
    {
        var dir = RepoPresets.Dir();
        Assert.NotNull(dir);
        var presets = Directory.GetFiles(dir!, "*.json").Select(Preset.Load).ToList();
        Assert.True(presets.Count >= 16, $"{presets.Count} presets shipped");
        Assert.True(presets.Select(p => p.Family).Where(f => f != null).Distinct().Count() >= 8);
    }

    [Fact]
    public void ShippedModelMorphSweepIsSmooth()
    {
        var dir = RepoPresets.Dir();
        string modelDir = Path.Combine(dir!, "models", "gansynth");
        if (!File.Exists(Path.Combine(modelDir, GansynthModel.ConfigFile))) return; // model not in this tree
        using var model = GansynthModel.Load(modelDir);
        var preset = Preset.Load(Directory.GetFiles(dir!, "*string_1.json").Single());
        var dirs = TimbreDirections.TryLoad(modelDir);
        var points = MorphSweep.Points(preset, model.Config.Prior, dirs, SweepPath.X, 16);
        var result = MorphSweep.Measure(model, points, [60], 90, SweepPath.X);
        Assert.True(result.Smooth, $"max step {result.Max:F4} is {result.Ratio:F2}x the median {result.Median:F4}");
    }

    /// A family preset plays its family's instruments: every corner points nearest a timbre code of a training
    /// instrument of that family, whatever prior the model now draws random timbres from (the presets hold latents
    /// chosen under the unblended prior, PresetBank's BankOptions.Prior).
    [Fact]
    public void ShippedFamilyPresetsPlayNearTheirFamilysCodes()
    {
        var dir = RepoPresets.Dir();
        string cfgPath = Path.Combine(dir!, "models", "gansynth", GansynthModel.ConfigFile);
        if (!File.Exists(cfgPath)) return; // model not in this tree
        var cfg = GansynthConfig.Load(cfgPath);
        foreach (var preset in Directory.GetFiles(dir!, "*.json").Select(Preset.Load).Where(p => p.Family is not null))
            foreach (var z in preset.CornerLatents(cfg.Prior))
                Assert.StartsWith(preset.Family + "_", cfg.CodeNameNear(z));
    }
}
