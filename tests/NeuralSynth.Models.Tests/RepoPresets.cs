namespace NeuralSynth.Models.Tests;

/// The repository's presets/ folder (the shipped bank and models), found upwards from the test binaries: where
/// NeuralSynthPlugin.sln is. Null when the tests run outside the repository.
static class RepoPresets
{
    public static string? Dir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "NeuralSynthPlugin.sln"))) return Path.Combine(d.FullName, "presets");
        return null;
    }

    /// A shipped model's folder (presets/models/NAME), or null outside the repository.
    public static string? Model(string name) => Dir() is { } presets ? Path.Combine(presets, "models", name) : null;
}
