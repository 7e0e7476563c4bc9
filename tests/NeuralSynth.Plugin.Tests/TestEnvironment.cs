using System.Runtime.CompilerServices;

namespace NeuralSynth.Plugin.Tests;

static class TestEnvironment
{
    /// The plug-in persists rendered notes in ~/.cache between sessions; tests measure rendering, so the in-process
    /// model host gets no disk cache (set before any test touches ModelHost).
    [ModuleInitializer]
    internal static void NoDiskCache() => Environment.SetEnvironmentVariable("NEURALSYNTH_CACHE", "");
}
