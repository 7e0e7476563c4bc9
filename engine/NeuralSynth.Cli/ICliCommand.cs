using System.CommandLine;

namespace NeuralSynth.Cli;

/// One top-level `neuralsynth` verb. Program finds every implementation by reflection, so a new
/// command is one new file and no shared list to edit.
public interface ICliCommand
{
    static abstract Command Create();
}
