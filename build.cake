// NeuralSynth build: dotnet tool restore && dotnet cake --target=<Target>
//   Build    compile everything (Release)
//   Test     build, then run every test project; last line: "N passed, N failed"
//   Native   the VST3 module (native/, CMake)
//   Bundle   NeuralSynth.vst3 in out/
//   Install  Bundle, then copy it to ~/.vst3
//   Cli      the neuralsynth tool, published precompiled (ReadyToRun) to out/cli
//   Demo     Install and Cli, then render the demo song to stems in out/demo with the default model
using System.Xml.Linq;

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var root = MakeAbsolute(Directory("."));
var outDir = root.Combine("out");

// ---- Debian packages the tests and the dataset need (README lists them); installed when we may, else one clear error ----
var debianPackages = new[] { "libfluidsynth3", "fluid-soundfont-gm", "timgm6mb-soundfont", "cmake", "ninja-build", "g++", "libsamplerate0", "libsoxr0" };

Task("Prerequisites").Does(() =>
{
    if (!System.IO.File.Exists("/usr/bin/dpkg")) { Information("not a Debian system: skipping the package check"); return; }
    var missing = debianPackages.Where(p => StartProcess("dpkg", new ProcessSettings { Arguments = $"-s {p}", RedirectStandardOutput = true, RedirectStandardError = true }) != 0).ToList();
    if (missing.Count == 0) return;
    string list = string.Join(" ", missing);
    bool root = Environment.UserName == "root";
    bool sudo = !root && StartProcess("sudo", new ProcessSettings { Arguments = "-n true", RedirectStandardOutput = true, RedirectStandardError = true }) == 0;
    if (!root && !sudo) throw new Exception($"missing Debian packages: {list}. Install them with: sudo apt-get install -y {list}");
    Information($"installing missing Debian packages: {list}");
    string prefix = root ? "" : "sudo -n ";
    var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
    if (StartProcess("/bin/sh", new ProcessSettings { Arguments = $"-c \"{prefix}apt-get update -qq && {prefix}apt-get install -y -qq {list}\"", EnvironmentVariables = env }) != 0)
        throw new Exception($"apt-get install failed; install them by hand: sudo apt-get install -y {list}");
});

Task("Build").IsDependentOn("Prerequisites").Does(() =>
{
    DotNetBuild("NeuralSynthPlugin.sln", new DotNetBuildSettings { Configuration = configuration });
});

Task("Test").IsDependentOn("Build").IsDependentOn("Bundle").Does(() =>
{
    var results = outDir.Combine("test-results");
    CleanDirectory(results);
    int passed = 0, failed = 0, skipped = 0;
    var projects = GetFiles("tests/*.Tests/*.Tests.csproj");
    foreach (var project in projects)
    {
        var name = project.GetFilenameWithoutExtension().ToString();
        try
        {
            DotNetTest(project.FullPath, new DotNetTestSettings
            {
                Configuration = configuration,
                NoBuild = true,
                Loggers = new[] { $"trx;LogFileName={name}.trx", "console;verbosity=normal" },
                ResultsDirectory = results,
            });
        }
        catch (Exception e) { Information($"{name}: {e.Message}"); }
    }
    foreach (var trx in GetFiles(results.FullPath + "/*.trx"))
    {
        var doc = XDocument.Load(trx.FullPath);
        var counters = doc.Descendants().First(e => e.Name.LocalName == "Counters");
        int failedHere = (int)counters.Attribute("failed") + (int)counters.Attribute("error") + (int)counters.Attribute("timeout");
        passed += (int)counters.Attribute("passed");
        skipped += (int)counters.Attribute("notExecuted");
        // A test host that crashes (a native fault) ends the run with outcome "Failed" and only the tests that finished
        // counted, none of them failed: the crash itself is a failure, or it would pass unseen.
        string outcome = (string)doc.Descendants().First(e => e.Name.LocalName == "ResultSummary").Attribute("outcome");
        if (failedHere == 0 && outcome != "Completed")
        {
            Information($"{trx.GetFilenameWithoutExtension()}: the run ended '{outcome}' with no failed test (the test host crashed or was aborted): counted as 1 failure");
            failedHere = 1;
        }
        failed += failedHere;
    }
    int missing = projects.Count - GetFiles(results.FullPath + "/*.trx").Count;
    if (missing > 0) { Information($"{missing} test project(s) produced no results (crash?)"); failed += missing; }
    // Plain text, no colour codes: CI reads this line.
    Console.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped");
    if (failed > 0) throw new Exception($"{failed} test(s) failed");
});

// ---- VST3: native module, bundle, install (owner: VST3 engineer) ----
var bundleDir = outDir.Combine("NeuralSynth.vst3");
var nativeBuild = root.Combine("native/build");
var hostBuild = root.Combine("tests/host/build");

void Run(string exe, string args)
{
    int code = StartProcess(exe, new ProcessSettings { Arguments = args });
    if (code != 0) throw new Exception($"{exe} {args} failed with exit code {code}");
}

void CMakeBuild(DirectoryPath source, DirectoryPath build)
{
    Run("cmake", $"-S \"{source}\" -B \"{build}\" -G Ninja -DCMAKE_BUILD_TYPE=Release");
    Run("cmake", $"--build \"{build}\"");
}

Task("Native").Does(() =>
{
    CMakeBuild(root.Combine("native"), nativeBuild);        // Contents/x86_64-linux/NeuralSynth.so
    CMakeBuild(root.Combine("tests/host"), hostBuild);      // the test host tests/NeuralSynth.Plugin.Tests runs
});

// Precompiled (ReadyToRun) for x86-64-v4 (AVX-512): compiled for the default baseline, the SIMD kernels ran that code
// instead of their Vector512 paths until the tiered JIT replaced it, and a keyboard fill took 0.67-0.81 s instead of
// 0.50 s (`neuralsynth bench`). On a CPU without AVX-512 the runtime does not use code compiled for it and JIT-compiles
// as without ReadyToRun (checked by hiding AVX-512 from the runtime, DOTNET_EnableAVX512=0: rendering a note then
// JIT-compiled 565 of our methods instead of 21).
DotNetMSBuildSettings ReadyToRun() => new DotNetMSBuildSettings()
    .WithProperty("PublishReadyToRun", "true")
    .WithProperty("PublishReadyToRunCrossgen2ExtraArgs", "--instruction-set:x86-64-v4");

Task("Bundle").IsDependentOn("Native").Does(() =>
{
    var contents = bundleDir.Combine("Contents");
    var resources = contents.Combine("Resources");
    if (DirectoryExists(bundleDir)) DeleteDirectory(bundleDir, new DeleteDirectorySettings { Recursive = true, Force = true });
    CreateDirectory(contents.Combine("x86_64-linux"));
    CopyFile(nativeBuild.CombineWithFilePath("NeuralSynth.so"), contents.Combine("x86_64-linux").CombineWithFilePath("NeuralSynth.so"));
    // Managed assemblies + runtimeconfig + deps.json. No libtorch: the plug-in plays through NeuralSynth.Inference's
    // C# graphs (31 MB installed instead of 478 MB).
    // ReadyToRun: the plug-in's assemblies ship precompiled, so a DAW's first instance does not JIT the engine and the
    // inference graphs before its first note (ReadyToRun below).
    DotNetPublish("plugin/NeuralSynth.Plugin/NeuralSynth.Plugin.csproj", new DotNetPublishSettings
    {
        Configuration = configuration,
        OutputDirectory = resources,
        MSBuildSettings = ReadyToRun(),
    });
    if (DirectoryExists(root.Combine("presets"))) CopyDirectory(root.Combine("presets"), resources.Combine("presets"));
    // Training resume points (G, D and optimiser states, kept in the repo so a run can continue on another machine)
    // and training logs (losses.csv: a row per step, 7 MB for the default generator) are not needed to play: keep
    // them out of the bundle. The repo keeps both next to each model.
    foreach (var dir in GetDirectories(resources.FullPath + "/presets/models/*/checkpoint"))
        DeleteDirectory(dir, new DeleteDirectorySettings { Recursive = true, Force = true });
    DeleteFiles(resources.FullPath + "/presets/models/*/losses.csv");
    // The plots beside each model (rainbowgrams, losses, the scale check) are for people reading the repo; the
    // plug-in reads none of them (5.6 MB since the note detail's pictures).
    DeleteFiles(resources.FullPath + "/presets/models/*/*.png");
    // What hosts read instead of loading the .so; must agree with plugin/NeuralSynth.Plugin/PluginInfo.cs
    // (tests/NeuralSynth.Plugin.Tests checks it against the factory through the test host).
    System.IO.File.WriteAllText(resources.CombineWithFilePath("moduleinfo.json").FullPath, """
{
  "Name": "NeuralSynth",
  "Version": "1.0.0",
  "Factory Info": {
    "Vendor": "NeuralSynth",
    "URL": "https://github.com/neuralsynth/neuralsynth",
    "E-Mail": "mailto:neuralsynth@example.org",
    "Flags": {
      "Unicode": true,
      "Classes Discardable": false,
      "Component Non Discardable": false,
    },
  },
  "Classes": [
    {
      "CID": "4E53796E746850726F636573736F7231",
      "Category": "Audio Module Class",
      "Name": "NeuralSynth",
      "Vendor": "NeuralSynth",
      "Version": "1.0.0",
      "SDKVersion": "VST 3.7.14",
      "Sub Categories": [
        "Instrument",
        "Synth",
      ],
      "Class Flags": 1,
      "Cardinality": 2147483647,
      "Snapshots": [
      ],
    },
    {
      "CID": "4E53796E7468436F6E74726F6C6C6572",
      "Category": "Component Controller Class",
      "Name": "NeuralSynth Controller",
      "Vendor": "NeuralSynth",
      "Version": "1.0.0",
      "SDKVersion": "VST 3.7.14",
      "Class Flags": 0,
      "Cardinality": 2147483647,
      "Snapshots": [
      ],
    },
  ],
}
""");
    Information($"Bundle: {bundleDir}");
});

Task("Install").IsDependentOn("Build").IsDependentOn("Bundle").Does(() =>
{
    var home = Environment.GetEnvironmentVariable("HOME") ?? throw new Exception("HOME is not set");
    var dest = new DirectoryPath(home).Combine(".vst3/NeuralSynth.vst3");
    if (DirectoryExists(dest)) DeleteDirectory(dest, new DeleteDirectorySettings { Recursive = true, Force = true });
    CopyDirectory(bundleDir, dest);
    Information($"Installed: {dest}");
    // The preset bank as .vstpreset files where DAWs' preset browsers look for them (VST3 preset locations, Linux).
    var presets = new DirectoryPath(home).Combine(".vst3/presets/NeuralSynth/NeuralSynth");
    var cli = root.CombineWithFilePath($"engine/NeuralSynth.Cli/bin/{configuration}/net10.0/linux-x64/neuralsynth");
    var code = StartProcess(cli, new ProcessSettings { Arguments = $"preset export presets --out \"{presets.FullPath}\"", WorkingDirectory = root });
    if (code != 0) throw new Exception($"neuralsynth preset export exited with {code}");
    Information($"Presets: {presets}");
});

// ---- Demo: the main job on the shipped default model ----
// ReadyToRun, as the plug-in: the tool starts without JIT-compiling itself, which was a third of a warm `render` of the
// demo song (0.85 s -> 0.66 s; `neuralsynth bench` times it against FluidSynth). The SIMD kernels still compile for
// the CPU they run on.
var cliDir = outDir.Combine("cli");
Task("Cli").IsDependentOn("Build").Does(() =>
{
    DotNetPublish("engine/NeuralSynth.Cli/NeuralSynth.Cli.csproj", new DotNetPublishSettings
    {
        Configuration = configuration,
        OutputDirectory = cliDir,
        MSBuildSettings = ReadyToRun(),
    });
    Information($"neuralsynth: {cliDir.CombineWithFilePath("neuralsynth")}");
});

Task("Demo").IsDependentOn("Install").IsDependentOn("Cli").Does(() =>
{
    var cli = cliDir.CombineWithFilePath("neuralsynth");
    var demoOut = outDir.Combine("demo");
    var code = StartProcess(cli, new ProcessSettings
    {
        Arguments = $"render presets/demo/demo.mid --out {demoOut.FullPath}",
        WorkingDirectory = root,
    });
    if (code != 0) throw new Exception($"neuralsynth render exited with {code}");
    Information($"stems and mix in {demoOut.FullPath}");
});

RunTarget(target);
