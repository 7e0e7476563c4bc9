// NeuralSynth build: dotnet tool restore && dotnet cake --target=<Target>
//   Build    compile everything (Release)
//   Test     build, then run every test project; last line: "N passed, N failed"
//   Native   the VST3 module (native/, CMake)
//   Bundle   NeuralSynth.vst3 in out/
//   Install  Bundle, then copy it to ~/.vst3
//   Demo     Install, then render the demo song to stems in out/demo with the default model
using System.Xml.Linq;

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var root = MakeAbsolute(Directory("."));
var outDir = root.Combine("out");

Task("Build").Does(() =>
{
    DotNetBuild("NeuralSynthPlugin.sln", new DotNetBuildSettings { Configuration = configuration });
});

Task("Test").IsDependentOn("Build").Does(() =>
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
        var counters = XDocument.Load(trx.FullPath).Descendants().First(e => e.Name.LocalName == "Counters");
        passed += (int)counters.Attribute("passed");
        failed += (int)counters.Attribute("failed") + (int)counters.Attribute("error") + (int)counters.Attribute("timeout");
        skipped += (int)counters.Attribute("notExecuted");
    }
    int missing = projects.Count - GetFiles(results.FullPath + "/*.trx").Count;
    if (missing > 0) { Information($"{missing} test project(s) produced no results (crash?)"); failed += missing; }
    Information($"{passed} passed, {failed} failed, {skipped} skipped");
    if (failed > 0) throw new Exception($"{failed} test(s) failed");
});

RunTarget(target);
