namespace NeuralSynth.Formats.Tests;

static class TestPaths
{
    /// The repository root (where NeuralSynthPlugin.sln is), found upwards from the test binaries.
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "NeuralSynthPlugin.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root (NeuralSynthPlugin.sln) not found above " + AppContext.BaseDirectory);
    }

    public static string Fixture(string name) => Path.Combine(RepoRoot(), "tests", "NeuralSynth.Formats.Tests", "Fixtures", name);
}
