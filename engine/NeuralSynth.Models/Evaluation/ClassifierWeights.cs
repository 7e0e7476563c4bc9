using NeuralSynth.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Evaluation;

/// The classifier's state dict as a safetensors file (NeuralSynth.Formats.SafeTensors): float32 parameters
/// and batch-norm statistics as F32, batch-norm's step counter as I64. Loading checks names, shapes and
/// dtypes and throws one InvalidFileException naming the file and the first mismatch.
public static class ClassifierWeights
{
    public static void Save(nn.Module module, string path)
    {
        var list = new List<TensorData>();
        using var scope = torch.NewDisposeScope(); // roots detach()'s and cpu()'s results while the next call reads them (TorchScalars)
        foreach (var (name, t) in module.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            using var c = t.detach().cpu().contiguous();
            list.Add(t.dtype switch
            {
                ScalarType.Float32 => TensorData.FromFloats(name, c.data<float>().ToArray(), t.shape),
                ScalarType.Int64 => TensorData.FromInt64s(name, c.data<long>().ToArray(), t.shape),
                _ => throw new ArgumentException($"{name}: unsupported dtype {t.dtype}"),
            });
        }
        string tmp = path + ".tmp";
        SafeTensors.Write(tmp, list, new Dictionary<string, string> { ["format"] = "pt", ["model"] = "pitch_family_classifier" });
        File.Move(tmp, path, overwrite: true);
    }

    public static void Load(nn.Module module, string path)
    {
        var tensors = SafeTensors.Read(path);
        var state = module.state_dict();
        foreach (var (name, target) in state.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!tensors.TryGetValue(name, out var e))
                throw new InvalidFileException(path, 8, $"tensor '{name}' (shape [{string.Join(", ", target.shape)}]) is missing from the file");
            string expected = target.dtype == ScalarType.Int64 ? "I64" : "F32";
            if (e.DType != expected) throw new InvalidFileException(path, 8, $"tensor '{name}' has dtype {e.DType}, expected {expected}");
            if (!e.Shape.SequenceEqual(target.shape))
                throw new InvalidFileException(path, 8, $"tensor '{name}' has shape [{string.Join(", ", e.Shape)}], the model expects [{string.Join(", ", target.shape)}] (config.json and weights disagree?)");
        }
        var extra = tensors.Keys.Where(k => !state.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).FirstOrDefault();
        if (extra != null) throw new InvalidFileException(path, 8, $"tensor '{extra}' in the file is not part of the classifier");
        using var noGrad = no_grad();
        foreach (var (name, target) in state)
        {
            var e = tensors[name];
            using var src = target.dtype == ScalarType.Int64 ? tensor(e.ToInt64s(), e.Shape) : tensor(e.ToFloats(), e.Shape);
            target.copy_(src);
        }
    }
}
