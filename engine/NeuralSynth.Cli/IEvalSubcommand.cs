using System.CommandLine;

namespace NeuralSynth.Cli;

/// One subcommand of `neuralsynth eval` (e.g. `eval gansynth`, `eval vocoder`). EvalCommand finds every
/// implementation by reflection, so each evaluation lives in its own file and no shared list is edited.
public interface IEvalSubcommand
{
    static abstract Command Create();
}
