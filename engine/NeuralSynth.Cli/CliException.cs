namespace NeuralSynth.Cli;

/// A user-facing error: Program prints its message as one line and exits 1.
public sealed class CliException(string message) : Exception(message);
