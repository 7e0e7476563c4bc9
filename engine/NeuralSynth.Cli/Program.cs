using System.CommandLine;
using System.Reflection;
using NeuralSynth.Cli;
using NeuralSynth.Formats;
using Spectre.Console;

var root = new RootCommand("neuralsynth: render MIDI to stems, build datasets, train, evaluate and play with NeuralSynth's neural instrument models.");
foreach (var type in typeof(ICliCommand).Assembly.GetTypes()
             .Where(t => t.IsClass && !t.IsAbstract && typeof(ICliCommand).IsAssignableFrom(t))
             .OrderBy(t => t.Name))
{
    var create = type.GetMethod("Create", BindingFlags.Public | BindingFlags.Static)!;
    root.Subcommands.Add((Command)create.Invoke(null, null)!);
}

try
{
    var parse = root.Parse(args);
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (UserFacing(e) is { } message)
{
    Stderr.Error(message);
    return 1;
}

// Errors a user can act on print as one line; anything else is a bug and keeps its stack trace.
static string? UserFacing(Exception e) => e switch
{
    TargetInvocationException { InnerException: { } inner } => UserFacing(inner),
    AggregateException { InnerExceptions.Count: 1 } a => UserFacing(a.InnerExceptions[0]),
    CliException or InvalidFileException or NeuralSynth.Models.NonFiniteLossException or FileNotFoundException or DirectoryNotFoundException
        or UnauthorizedAccessException or ArgumentException or IOException or OperationCanceledException => e.Message,
    _ => null,
};
