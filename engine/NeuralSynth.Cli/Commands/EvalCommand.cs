using System.CommandLine;
using System.Reflection;

namespace NeuralSynth.Cli.Commands;

/// `neuralsynth eval <what>`: the parent verb. Its subcommands are the classes implementing
/// IEvalSubcommand, found by reflection (sorted by name so help output is stable).
public sealed class EvalCommand : ICliCommand
{
    public static Command Create()
    {
        var command = new Command("eval", "Evaluate trained models with the metrics the literature uses (writes a markdown table and JSON).");
        foreach (var type in typeof(IEvalSubcommand).Assembly.GetTypes()
                     .Where(t => t.IsClass && !t.IsAbstract && typeof(IEvalSubcommand).IsAssignableFrom(t))
                     .OrderBy(t => t.Name))
        {
            var create = type.GetMethod("Create", BindingFlags.Public | BindingFlags.Static)
                ?? throw new InvalidOperationException($"{type.FullName} implements IEvalSubcommand but has no public static Create().");
            command.Subcommands.Add((Command)create.Invoke(null, null)!);
        }
        return command;
    }
}
