using Spectre.Console;

namespace NeuralSynth.Cli;

/// A user-facing error: Program prints its message as one line and exits 1.
public sealed class CliException(string message) : Exception(message);

/// Errors and warnings go to stderr (results and progress to stdout), so `2>/dev/null` hides them and a
/// redirected stdout still shows them. Redirected, each is one plain line (no colour codes, no wrapping).
public static class Stderr
{
    static readonly IAnsiConsole Terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) });

    public static void Error(string message) => Write("red", "error", message);

    public static void Warn(string message) => Write("yellow", "warning", message);

    static void Write(string colour, string label, string message)
    {
        if (System.Console.IsErrorRedirected) System.Console.Error.WriteLine($"{label}: {message.ReplaceLineEndings(" ")}");
        else Terminal.MarkupLineInterpolated($"[{colour}]{label}:[/] {message}");
    }
}
