namespace NeuralSynth.Formats;

/// The one exception our parsers throw for malformed input: it names the file and the byte offset,
/// so a user can find what is wrong without a stack trace.
public sealed class InvalidFileException : Exception
{
    public string Path { get; }
    public long Offset { get; }

    public InvalidFileException(string path, long offset, string message)
        : base($"{path}: {message} (at byte {offset})")
    {
        Path = path;
        Offset = offset;
    }
}
