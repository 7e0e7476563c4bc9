using System.CommandLine;
using System.Reflection;

namespace NeuralSynth.Cli.Commands;

/// `neuralsynth train <model> ...`: a parent verb whose subcommands are every ITrainSubcommand in this
/// assembly (found by reflection so each model's trainer lives in its own file owned by its engineer).
public sealed class TrainCommand : ICliCommand
{
    public static Command Create()
    {
        var train = new Command("train", "Train a model (gansynth, vocoder, classifier, ...). Each subcommand writes checkpoints, losses and samples into its --out directory.");
        foreach (var type in typeof(ITrainSubcommand).Assembly.GetTypes()
                     .Where(t => t.IsClass && !t.IsAbstract && typeof(ITrainSubcommand).IsAssignableFrom(t))
                     .OrderBy(t => t.Name))
        {
            var create = type.GetMethod("Create", BindingFlags.Public | BindingFlags.Static)!;
            train.Subcommands.Add((Command)create.Invoke(null, null)!);
        }
        return train;
    }
}
