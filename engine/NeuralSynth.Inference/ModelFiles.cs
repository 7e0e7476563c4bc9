using System.Security.Cryptography;

namespace NeuralSynth.Models;

/// Content ids of model files: what cached notes are keyed by, so a note never outlives a change of weights.
public static class ModelFiles
{
    /// Hex SHA-256 prefix (16 digits) of a file's bytes.
    public static string Hash(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(fs))[..16].ToLowerInvariant();
    }
}
