using System.Diagnostics;

namespace NeuralSynth.Cli.Tests;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public override string ToString() => $"exit {ExitCode}{(TimedOut ? " (timed out)" : "")}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// Runs the built `neuralsynth` program as a user does, from the repository root (where presets/ is).
public static class Cli
{
    public static string RepoRoot { get; } = FindRoot();

    static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "NeuralSynthPlugin.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root (NeuralSynthPlugin.sln) not found above " + AppContext.BaseDirectory);
    }

    public static string Program
    {
        get
        {
            foreach (var config in new[] { "Release", "Debug" })
            {
                var p = Path.Combine(RepoRoot, "engine", "NeuralSynth.Cli", "bin", config, "net10.0", "linux-x64", "neuralsynth");
                if (File.Exists(p)) return p;
            }
            throw new InvalidOperationException("neuralsynth is not built (dotnet cake --target=Build)");
        }
    }

    public static CliResult Run(int timeoutSeconds, params string[] args)
    {
        var psi = new ProcessStartInfo(Program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoRoot };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        // Rendered notes persist by default (shared with the plug-in): keep the tests' notes out of the user's cache.
        if (!psi.Environment.ContainsKey("NEURALSYNTH_CACHE")) psi.Environment["NEURALSYNTH_CACHE"] = "";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        bool exited = p.WaitForExit(timeoutSeconds * 1000);
        if (!exited) { p.Kill(entireProcessTree: true); p.WaitForExit(); }
        return new CliResult(exited ? p.ExitCode : -1, stdout.Result, stderr.Result, !exited);
    }

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "ns-cli-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(d);
        return d;
    }

    /// A refusal as users must see it: exit 1, nothing on stdout that looks like an error, one line on stderr
    /// that names the file, no stack trace.
    public static void AssertCleanRefusal(CliResult r, string file)
    {
        Assert.False(r.TimedOut, $"timed out:\n{r}");
        Assert.True(r.ExitCode == 1, $"expected exit 1:\n{r}");
        Assert.DoesNotContain("error", r.Stdout, StringComparison.OrdinalIgnoreCase);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length >= 1 && lines.Length <= 3, $"expected one error line on stderr:\n{r}");
        Assert.Contains(Path.GetFileName(file), r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Unhandled exception", r.Stderr);
    }
}
