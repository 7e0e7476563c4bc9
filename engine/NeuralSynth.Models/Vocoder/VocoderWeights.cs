using NeuralSynth.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Vocoder;

/// Module state <-> safetensors (NeuralSynth.Formats.SafeTensors), float32, names = TorchSharp state_dict keys.
/// Loading checks that the file holds exactly the module's tensors with the module's shapes, and throws one
/// InvalidFileException naming the file and the first mismatch (e.g. weights trained with another config).
public static class VocoderWeights
{
    public static void Save(nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var tensors = new List<TensorData>();
        using var scope = torch.NewDisposeScope(); // roots detach()'s and cpu()'s results while the next call reads them (TorchScalars)
        foreach (var (name, t) in module.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            using var c = t.detach().cpu().contiguous();
            tensors.Add(TensorData.FromFloats(name, c.data<float>().ToArray(), c.shape));
        }
        string tmp = path + ".tmp";
        SafeTensors.Write(tmp, tensors, metadata);
        File.Move(tmp, path, overwrite: true);
    }

    public static void Load(nn.Module module, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: weights file not found", path);
        var file = SafeTensors.Read(path);
        var state = module.state_dict();
        foreach (var name in file.Keys)
            if (!state.ContainsKey(name)) throw new InvalidFileException(path, 0, $"tensor '{name}' is not part of {module.GetName()} (weights from another config?)");
        using var _ = no_grad();
        foreach (var (name, target) in state)
        {
            if (!file.TryGetValue(name, out var data)) throw new InvalidFileException(path, 0, $"tensor '{name}' is missing");
            if (!data.Shape.SequenceEqual(target.shape))
                throw new InvalidFileException(path, 0, $"tensor '{name}' has shape [{string.Join(", ", data.Shape)}], the model expects [{string.Join(", ", target.shape)}]");
            if (data.DType != "F32") throw new InvalidFileException(path, 0, $"tensor '{name}' is {data.DType}, expected F32");
            using var src = tensor(data.ToFloats(), data.Shape);
            target.copy_(src);
        }
    }
}
