using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using NeuralSynth.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Gansynth;

/// Module weights as a safetensors file (8-byte little-endian header length, JSON header of
/// name -> {dtype, shape, data_offsets}, raw little-endian data), the format PyTorch users exchange.
/// Minimal, F32 only: our modules are all float32. Kept here until the shared NeuralSynth.Formats reader exists.
/// Loading checks names, shapes and dtypes against the module and throws one InvalidFileException naming
/// the file and the first tensor that does not match.
public static class WeightsFile
{
    public static void Save(nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
        => Save(module.state_dict(), path, metadata);

    public static void Save(IReadOnlyDictionary<string, Tensor> state, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = state.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        var blobs = new List<float[]>();
        // Roots detach()'s and cpu()'s results while the next call reads them (see TorchScalars: an unrooted temporary
        // may be finalized mid-call).
        using var scope = NewDisposeScope();
        foreach (var name in names)
        {
            var t = state[name];
            if (t.dtype != ScalarType.Float32) throw new ArgumentException($"{name}: only float32 tensors are supported, got {t.dtype}");
            using var c = t.detach().cpu().contiguous();
            var data = c.data<float>().ToArray();
            blobs.Add(data);
            long bytes = (long)data.Length * 4;
            header[name] = new { dtype = "F32", shape = t.shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        int pad = (8 - json.Length % 8) % 8; // keep the data 8-byte aligned, as the reference writer does
        var headerBytes = new byte[json.Length + pad];
        json.CopyTo(headerBytes, 0);
        for (int i = json.Length; i < headerBytes.Length; i++) headerBytes[i] = (byte)' ';

        string tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)headerBytes.Length);
            fs.Write(len);
            fs.Write(headerBytes);
            foreach (var b in blobs)
            {
                if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
                fs.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.AsSpan()));
            }
        }
        File.Move(tmp, path, overwrite: true);
    }

    public sealed record Entry(string DType, long[] Shape, float[] Data);

    /// Reads every tensor of a safetensors file (F32 only) with full validation of the header.
    public static (Dictionary<string, Entry> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: weights file not found", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new InvalidFileException(path, 0, "too short for a safetensors header");
        ulong hlen = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (hlen > (ulong)(bytes.Length - 8)) throw new InvalidFileException(path, 0, $"header length {hlen} exceeds the file size {bytes.Length}");
        long dataStart = 8 + (long)hlen;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(bytes.AsMemory(8, (int)hlen)); }
        catch (JsonException e) { throw new InvalidFileException(path, 8, "malformed safetensors header: " + e.Message); }
        var tensors = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidFileException(path, 8, "safetensors header is not a JSON object");
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    foreach (var m in p.Value.EnumerateObject()) meta[m.Name] = m.Value.ToString();
                    continue;
                }
                try
                {
                    string dtype = p.Value.GetProperty("dtype").GetString() ?? "";
                    var shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                    var off = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                    if (off.Length != 2 || off[0] < 0 || off[1] < off[0] || dataStart + off[1] > bytes.Length)
                        throw new InvalidFileException(path, 8, $"tensor '{p.Name}': data_offsets [{string.Join(", ", off)}] lie outside the file");
                    long count = shape.Aggregate(1L, (a, b) => a * b);
                    if (dtype != "F32")
                    {
                        tensors[p.Name] = new Entry(dtype, shape, []);
                        continue;
                    }
                    if (count * 4 != off[1] - off[0])
                        throw new InvalidFileException(path, dataStart + off[0], $"tensor '{p.Name}': shape [{string.Join(", ", shape)}] needs {count * 4} bytes but data_offsets span {off[1] - off[0]}");
                    var data = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)(dataStart + off[0]), (int)(count * 4))).ToArray();
                    tensors[p.Name] = new Entry(dtype, shape, data);
                }
                catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    throw new InvalidFileException(path, 8, $"tensor '{p.Name}': malformed header entry ({e.Message})");
                }
            }
        }
        return (tensors, meta);
    }

    /// Copies a safetensors file into a module's parameters. Every module tensor must be present with the same
    /// shape and dtype F32, and the file must hold no extra tensors; otherwise one InvalidFileException names
    /// the file and the tensor.
    public static void Load(nn.Module module, string path)
    {
        var (tensors, _) = Read(path);
        var state = module.state_dict();
        foreach (var (name, target) in state.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!tensors.TryGetValue(name, out var e))
                throw new InvalidFileException(path, 8, $"tensor '{name}' (shape [{string.Join(", ", target.shape)}]) is missing from the file");
            if (e.DType != "F32")
                throw new InvalidFileException(path, 8, $"tensor '{name}' has dtype {e.DType}, expected F32");
            if (!e.Shape.SequenceEqual(target.shape))
                throw new InvalidFileException(path, 8, $"tensor '{name}' has shape [{string.Join(", ", e.Shape)}], the model expects [{string.Join(", ", target.shape)}] (config.json and weights disagree?)");
        }
        var extra = tensors.Keys.Where(k => !state.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).FirstOrDefault();
        if (extra != null) throw new InvalidFileException(path, 8, $"tensor '{extra}' in the file is not part of the model");
        using var noGrad = no_grad();
        foreach (var (name, target) in state)
        {
            using var src = tensor(tensors[name].Data, tensors[name].Shape);
            target.copy_(src);
        }
    }
}
