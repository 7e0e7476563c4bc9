using System.Diagnostics;
using System.Text.Json;

namespace NeuralSynth.Plugin.Tests;

/// <summary>
/// Runs tests/host's nshost once against the built bundle out/NeuralSynth.vst3 (made by
/// `dotnet cake --target=Bundle`, which the Test target depends on) and keeps its JSON and WAV output.
/// Builds nshost with CMake if it is not there yet.
/// </summary>
public sealed class TestHostFixture
{
    public string Root { get; }
    public string Bundle { get; }
    public string OutDir { get; }
    public string HostPath { get; }
    public string PresetFile { get; }
    public string CacheDir { get; }
    public JsonElement Result { get; }
    public string Stderr { get; }
    public double WallMs { get; }

    public TestHostFixture()
    {
        Root = FindRoot();
        Bundle = Path.Combine(Root, "out", "NeuralSynth.vst3");
        if (!File.Exists(Path.Combine(Bundle, "Contents", "x86_64-linux", "NeuralSynth.so")))
            throw new InvalidOperationException($"no bundle at {Bundle}: run `dotnet cake --target=Bundle` first");
        string host = Path.Combine(Root, "tests", "host", "build", "nshost");
        if (!File.Exists(host))
        {
            Run("cmake", $"-S \"{Root}/tests/host\" -B \"{Root}/tests/host/build\" -G Ninja -DCMAKE_BUILD_TYPE=Release");
            Run("cmake", $"--build \"{Root}/tests/host/build\"");
        }
        HostPath = host;
        OutDir = Path.Combine(Path.GetTempPath(), "neuralsynth-nshost-" + Environment.ProcessId);
        if (Directory.Exists(OutDir)) Directory.Delete(OutDir, true);
        Directory.CreateDirectory(OutDir);
        // A second bundle (its own .so, Resources linked to ours) to load into the same process: it must join the runtime.
        string second = Path.Combine(OutDir, "Second.vst3");
        Directory.CreateDirectory(Path.Combine(second, "Contents", "x86_64-linux"));
        File.Copy(Path.Combine(Bundle, "Contents", "x86_64-linux", "NeuralSynth.so"), Path.Combine(second, "Contents", "x86_64-linux", "Second.so"));
        Directory.CreateSymbolicLink(Path.Combine(second, "Contents", "Resources"), Path.Combine(Bundle, "Contents", "Resources"));
        // A .vstpreset of another bank sound, as `neuralsynth preset export` writes it, for the host to load.
        PresetFile = Path.Combine(OutDir, "Bass I.vstpreset");
        var bass = NeuralSynth.Realtime.Timbre.Preset.Load(Path.Combine(Root, "presets", "01_bass_1.json"));
        new NeuralSynth.Realtime.Timbre.VstPresetFile(NeuralSynth.Realtime.Timbre.VstPresetFile.ClassIdFromTuid(PluginInfo.ProcessorCid),
            PluginState.FromPreset(bass, "exported-by-test").Serialize()).Write(PresetFile);
        var sw = Stopwatch.StartNew();
        // A fresh disk cache: the cold start measures loading and rendering, not notes of an earlier run.
        var (code, stdout, stderr) = Run(host, $"\"{Bundle}\" \"{OutDir}\" \"{second}\"", ("NSHOST_VSTPRESET", PresetFile),
            ("NEURALSYNTH_CACHE", Path.Combine(OutDir, "voice-cache")));
        CacheDir = Path.Combine(OutDir, "voice-cache");
        WallMs = sw.Elapsed.TotalMilliseconds;
        Stderr = stderr;
        if (code != 0) throw new InvalidOperationException($"nshost exited {code}: {stdout} {stderr}");
        Result = JsonDocument.Parse(stdout).RootElement.Clone();
    }

    static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "NeuralSynthPlugin.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root (NeuralSynthPlugin.sln) not found above " + AppContext.BaseDirectory);
    }

    public static (int, string, string) Run(string exe, string args, params (string Name, string Value)[] environment)
    {
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        // A small gen-0 budget for the plugin's runtime inside the host: by default the GC lets megabytes of
        // short-lived garbage pile up before collecting, so RSS between rounds of instances measured GC timing
        // (10 MB swings in CI) rather than leaks.
        psi.Environment["DOTNET_GCgen0size"] = "0x100000";
        using var p = Process.Start(psi)!;
        var stderrTask = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(600_000)) { p.Kill(true); throw new TimeoutException($"{exe} took more than 10 minutes"); }
        return (p.ExitCode, stdout, stderrTask.Result);
    }
}

[CollectionDefinition("TestHost")]
public class TestHostCollection : ICollectionFixture<TestHostFixture> { }
