using System.Security.Cryptography;
using System.Text;
using NeuralSynth.Formats;

namespace NeuralSynth.Models.Evaluation;

/// Caches the extracted features of the real note sets (they cost minutes and do not change between
/// evaluations of different generators) as one safetensors file per set. The file name is a hash of
/// everything the features depend on: the classifier's weights and config, the spectral config, the split's
/// examples.json (content) and the feature code version; anything else changing means a different file.
public static class NoteSetCache
{
    const string Version = "2"; // 2: family probabilities

    public static string Key(string classifierDir, string spectral, string examplesJson)
    {
        using var sha = SHA256.Create();
        void Add(byte[] b) => sha.TransformBlock(b, 0, b.Length, null, 0);
        Add(Encoding.UTF8.GetBytes(Version + "\n" + spectral + "\n"));
        Add(File.ReadAllBytes(Path.Combine(classifierDir, ClassifierModel.ConfigFile)));
        Add(File.ReadAllBytes(Path.Combine(classifierDir, ClassifierModel.WeightsFileName)));
        Add(File.ReadAllBytes(examplesJson));
        sha.TransformFinalBlock([], 0, 0);
        return Convert.ToHexString(sha.Hash!)[..20].ToLowerInvariant();
    }

    public static void Save(NoteSetFeatures set, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var tensors = new List<TensorData>
        {
            TensorData.FromInt64s("pitch", set.Pitch.Select(p => (long)p).ToArray(), [set.Count]),
            Matrix("pitch_probs", set.PitchProbs), Matrix("family_probs", set.FamilyProbs), Matrix("features", set.Features), Matrix("ndb", set.NdbVectors),
            TensorData.FromFloats("yin_midi", set.YinMidi, [set.Count]),
        };
        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["name"] = set.Name });
    }

    public static NoteSetFeatures? TryLoad(string path, string name)
    {
        if (!File.Exists(path)) return null;
        var t = SafeTensors.Read(path);
        return new NoteSetFeatures
        {
            Name = name,
            Pitch = t["pitch"].ToInt64s().Select(p => (int)p).ToArray(),
            PitchProbs = Rows(t["pitch_probs"]), FamilyProbs = Rows(t["family_probs"]), Features = Rows(t["features"]), NdbVectors = Rows(t["ndb"]),
            YinMidi = t["yin_midi"].ToFloats(),
        };
    }

    static TensorData Matrix(string name, float[][] rows)
    {
        int d = rows[0].Length;
        var flat = new float[rows.Length * d];
        for (int i = 0; i < rows.Length; i++) rows[i].CopyTo(flat, i * d);
        return TensorData.FromFloats(name, flat, [rows.Length, d]);
    }

    static float[][] Rows(TensorData t)
    {
        var flat = t.ToFloats();
        int n = (int)t.Shape[0], d = (int)t.Shape[1];
        return Enumerable.Range(0, n).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
    }
}
