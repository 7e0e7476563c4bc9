using System.CommandLine;

namespace NeuralSynth.Cli;

/// One `neuralsynth train <model>` subcommand (gansynth, vocoder, classifier, ...). TrainCommand finds
/// every implementation by reflection, exactly like Program finds ICliCommand verbs, so adding a trainer
/// is one new file (conventionally Commands/Train/<Model>Train.cs) and no shared list to edit.
public interface ITrainSubcommand
{
    static abstract Command Create();
}
