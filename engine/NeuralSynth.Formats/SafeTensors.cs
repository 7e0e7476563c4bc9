using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace NeuralSynth.Formats;

/// safetensors reader and writer (the weights format PyTorch users exchange):
/// 8-byte little-endian header length N, N bytes of JSON
/// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
/// then the data buffer; offsets are relative to the buffer's start.
///
/// Reading is as strict as the reference implementation: offsets must tile the buffer exactly (sorted by
/// offset they start at 0, each begins where the previous ended, the last ends at the end of the file), and
/// each tensor's byte length must equal its element count times its dtype size. Every violation raises
/// InvalidFileException naming the file, byte offset and tensor. Nothing is allocated before the lengths it
/// depends on have been checked against the file size.
public static class SafeTensors
{
    public const string MetadataKey = "__metadata__";

    /// The reference implementation refuses headers above 100 MB; so do we.
    public const long MaxHeaderBytes = 100_000_000;

    sealed record Entry(string Name, string DType, long[] Shape, long Begin, long End, long HeaderOffset);

    public static IReadOnlyDictionary<string, TensorData> Read(string path) => Read(path, out _);

    public static IReadOnlyDictionary<string, TensorData> Read(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        try
        {
            // Unbuffered: we read the header and each tensor in one call, so a buffer would only add a copy.
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            var (entries, meta, dataStart) = ReadHeader(fs, path);
            var result = new Dictionary<string, TensorData>(entries.Count, StringComparer.Ordinal);
            var byOffset = entries.OrderBy(e => e.Begin).ToList();
            var data = new Dictionary<string, byte[]>(entries.Count, StringComparer.Ordinal);
            fs.Position = dataStart;
            foreach (var e in byOffset)
            {
                // Offsets tile the buffer, so this reads the file sequentially.
                var bytes = new byte[e.End - e.Begin];
                fs.ReadExactly(bytes);
                data[e.Name] = bytes;
            }
            foreach (var e in entries) result[e.Name] = new TensorData(e.Name, e.DType, e.Shape, data[e.Name]);
            metadata = meta;
            return result;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidFileException(path, 0, "cannot read: " + e.Message);
        }
    }

    public static IReadOnlyDictionary<string, TensorData> Read(byte[] bytes, string path) => Read(bytes, path, out _);

    public static IReadOnlyDictionary<string, TensorData> Read(ReadOnlySpan<byte> bytes, string path, out IReadOnlyDictionary<string, string> metadata)
    {
        long n = ReadHeaderLength(bytes, bytes.Length, path);
        var (entries, meta) = ParseHeader(bytes.Slice(8, (int)n), bytes.Length - 8 - n, path);
        long dataStart = 8 + n;
        var result = new Dictionary<string, TensorData>(entries.Count, StringComparer.Ordinal);
        foreach (var e in entries)
            result[e.Name] = new TensorData(e.Name, e.DType, e.Shape, bytes.Slice((int)(dataStart + e.Begin), (int)(e.End - e.Begin)).ToArray());
        metadata = meta;
        return result;
    }

    /// Only the "__metadata__" strings (e.g. a model's config), without loading tensor data.
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            return ReadHeader(fs, path).Metadata;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidFileException(path, 0, "cannot read: " + e.Message);
        }
    }

    static (List<Entry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart) ReadHeader(FileStream fs, string path)
    {
        long length = fs.Length;
        Span<byte> prefix = stackalloc byte[8];
        int got = fs.ReadAtLeast(prefix, 8, throwOnEndOfStream: false);
        long n = ReadHeaderLength(prefix[..got], length, path);
        var header = new byte[n];
        fs.ReadExactly(header);
        var (entries, meta) = ParseHeader(header, length - 8 - n, path);
        return (entries, meta, 8 + n);
    }

    static long ReadHeaderLength(ReadOnlySpan<byte> prefix, long fileLength, string path)
    {
        if (prefix.Length < 8 || fileLength < 8) throw new InvalidFileException(path, 0, $"file is {fileLength} bytes, too short for a safetensors header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n < 2) throw new InvalidFileException(path, 0, $"header length {n} is too small for a JSON object");
        if (n > (ulong)(fileLength - 8)) throw new InvalidFileException(path, 0, $"header length {n} exceeds the {fileLength - 8} bytes after it (truncated or not safetensors)");
        if (n > MaxHeaderBytes) throw new InvalidFileException(path, 0, $"header length {n} exceeds the {MaxHeaderBytes}-byte limit");
        return (long)n;
    }

    static (List<Entry>, IReadOnlyDictionary<string, string>) ParseHeader(ReadOnlySpan<byte> json, long bufferLength, string path)
    {
        var entries = new List<Entry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        bool haveMeta = false;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (json[0] != (byte)'{') throw Bad(path, 8, "header does not start with '{' (not safetensors)");
            reader.Read(); // StartObject
            while (true)
            {
                Next(ref reader, path);
                if (reader.TokenType == JsonTokenType.EndObject) break;
                long keyAt = 8 + reader.TokenStartIndex;
                string key = reader.GetString()!;
                if (key == MetadataKey)
                {
                    if (haveMeta) throw Bad(path, keyAt, "duplicate \"__metadata__\"");
                    haveMeta = true;
                    Expect(ref reader, JsonTokenType.StartObject, path, "\"__metadata__\" must be an object of strings");
                    while (true)
                    {
                        Next(ref reader, path);
                        if (reader.TokenType == JsonTokenType.EndObject) break;
                        long mAt = 8 + reader.TokenStartIndex;
                        string mk = reader.GetString()!;
                        Expect(ref reader, JsonTokenType.String, path, $"metadata value of \"{mk}\" must be a string");
                        if (!meta.TryAdd(mk, reader.GetString()!)) throw Bad(path, mAt, $"duplicate metadata key \"{mk}\"");
                    }
                    continue;
                }
                if (!names.Add(key)) throw Bad(path, keyAt, $"duplicate tensor \"{key}\"");
                entries.Add(ParseEntry(ref reader, key, keyAt, path));
            }
            if (reader.Read()) throw Bad(path, 8 + reader.TokenStartIndex, "content after the header's JSON object");
        }
        catch (JsonException e)
        {
            // Our header is one line in practice; for multi-line JSON the reader's position is still a good hint.
            throw new InvalidFileException(path, 8 + reader.BytesConsumed, "malformed JSON header: " + FirstSentence(e.Message));
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidFileException(path, 8 + reader.TokenStartIndex, "malformed JSON header: " + FirstSentence(e.Message));
        }

        // Offsets must tile the buffer exactly, like the reference implementation checks.
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long expected = 0;
        foreach (var e in sorted)
        {
            if (e.Begin > expected) throw Bad(path, e.HeaderOffset, $"tensor \"{e.Name}\" starts at buffer byte {e.Begin}, leaving a gap after byte {expected}");
            if (e.Begin < expected) throw Bad(path, e.HeaderOffset, $"tensor \"{e.Name}\" at buffer bytes [{e.Begin}, {e.End}) overlaps the previous tensor ending at {expected}");
            expected = e.End;
        }
        if (expected != bufferLength)
            throw Bad(path, 8 + json.Length + Math.Min(expected, bufferLength),
                expected > bufferLength ? $"tensor data ends at buffer byte {expected} but the file holds {bufferLength} (truncated file)"
                                        : $"tensors cover {expected} of the {bufferLength} data bytes (trailing garbage)");
        return (entries, meta);
    }

    static Entry ParseEntry(ref Utf8JsonReader reader, string name, long keyAt, string path)
    {
        Expect(ref reader, JsonTokenType.StartObject, path, $"tensor \"{name}\" must be an object");
        string? dtype = null;
        long[]? shape = null, offsets = null;
        while (true)
        {
            Next(ref reader, path);
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string field = reader.GetString()!;
            switch (field)
            {
                case "dtype":
                    Expect(ref reader, JsonTokenType.String, path, $"tensor \"{name}\": dtype must be a string");
                    dtype = reader.GetString()!;
                    if (TensorData.DTypeSize(dtype) == 0) throw Bad(path, 8 + reader.TokenStartIndex, $"tensor \"{name}\": unknown dtype \"{dtype}\"");
                    break;
                case "shape": shape = ReadInts(ref reader, path, name, "shape", 64); break;
                case "data_offsets": offsets = ReadInts(ref reader, path, name, "data_offsets", 2); break;
                default: reader.Skip(); break; // unknown fields are ignored, as serde does
            }
        }
        if (dtype == null || shape == null || offsets == null)
            throw Bad(path, keyAt, $"tensor \"{name}\" lacks {(dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets")}");
        if (offsets.Length != 2) throw Bad(path, keyAt, $"tensor \"{name}\": data_offsets must hold 2 numbers, not {offsets.Length}");
        long begin = offsets[0], end = offsets[1];
        if (end < begin) throw Bad(path, keyAt, $"tensor \"{name}\": data_offsets [{begin}, {end}] end before they begin");
        int size = TensorData.DTypeSize(dtype);
        long? count = TensorData.CountElements(shape);
        if (count == null || count > long.MaxValue / size) throw Bad(path, keyAt, $"tensor \"{name}\": shape [{string.Join(", ", shape)}] overflows");
        if (count * size != end - begin)
            throw Bad(path, keyAt, $"tensor \"{name}\": shape [{string.Join(", ", shape)}] of {dtype} is {count * size} bytes but data_offsets span {end - begin}");
        return new Entry(name, dtype, shape, begin, end, keyAt);
    }

    static long[] ReadInts(ref Utf8JsonReader reader, string path, string name, string field, int max)
    {
        Expect(ref reader, JsonTokenType.StartArray, path, $"tensor \"{name}\": {field} must be an array");
        Span<long> tmp = stackalloc long[64];
        int n = 0;
        while (true)
        {
            Next(ref reader, path);
            if (reader.TokenType == JsonTokenType.EndArray) break;
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v) || v < 0)
                throw Bad(path, 8 + reader.TokenStartIndex, $"tensor \"{name}\": {field} must hold non-negative integers");
            if (n == max) throw Bad(path, 8 + reader.TokenStartIndex, $"tensor \"{name}\": {field} has more than {max} entries");
            tmp[n++] = v;
        }
        return tmp[..n].ToArray();
    }

    static void Next(ref Utf8JsonReader reader, string path)
    {
        if (!reader.Read()) throw Bad(path, 8 + reader.BytesConsumed, "header JSON ends early");
    }

    static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string path, string message)
    {
        Next(ref reader, path);
        if (reader.TokenType != type) throw Bad(path, 8 + reader.TokenStartIndex, message);
    }

    static InvalidFileException Bad(string path, long offset, string message) => new(path, offset, message);

    static string FirstSentence(string m)
    {
        int i = m.IndexOf(". ", StringComparison.Ordinal);
        return i > 0 ? m[..i] : m.TrimEnd('.');
    }

    public static void Write(string path, IReadOnlyDictionary<string, TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        foreach (var (k, t) in tensors)
            if (k != t.Name) throw new ArgumentException($"dictionary key \"{k}\" differs from tensor name \"{t.Name}\"", nameof(tensors));
        Write(path, tensors.Values, metadata);
    }

    public static void Write(string path, IEnumerable<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        // Write to a temporary file and move it over, so a crash never leaves half a weights file behind.
        string tmp = path + ".tmp" + Environment.ProcessId;
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                Write(fs, tensors, metadata);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// Tensors are laid out by decreasing element size (then in the given order) so that, with the header
    /// padded to 8 bytes, every tensor is aligned to its element size, as the reference writer does.
    public static void Write(Stream stream, IEnumerable<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in list)
        {
            if (t.Name == MetadataKey) throw new ArgumentException($"a tensor cannot be named \"{MetadataKey}\"", nameof(tensors));
            if (!seen.Add(t.Name)) throw new ArgumentException($"duplicate tensor name \"{t.Name}\"", nameof(tensors));
        }
        var ordered = list.Select((t, i) => (t, i)).OrderByDescending(x => TensorData.DTypeSize(x.t.DType)).ThenBy(x => x.i).Select(x => x.t).ToList();

        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in ordered)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", t.DType);
                w.WriteStartArray("shape");
                foreach (long d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + t.Data.Length);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += t.Data.Length;
            }
            w.WriteEndObject();
        }
        int pad = (int)((8 - json.Length % 8) % 8);
        for (int i = 0; i < pad; i++) json.WriteByte((byte)' ');
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)json.Length);
        stream.Write(len);
        json.Position = 0;
        json.CopyTo(stream);
        foreach (var t in ordered) stream.Write(t.Data);
    }
}
