using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace NeuralSynth.Realtime;

/// The on-disk form of one cached note, so a reopened project starts warm.
/// Path: DIR/<model folder>/<latent hash>-p<pitch>-l<layer>.nsnote, the model folder derived from
/// the model id (its content hash), so notes of other weights are never mixed in.
/// Layout (little-endian): "NSNC", u32 version, u16 model-id length + UTF-8 model id, u64 latent
/// hash, i32 pitch, i32 layer, i32 sample rate, i32 length, i32 loop start, i32 loop end,
/// i32 crossfade, f32[length] playable samples, u64 FNV-1a checksum of everything before it.
/// Files are written to a temporary name and renamed, so a crash mid-write leaves no half file.
public static class NoteFile
{
    const uint Magic = 0x434E534E; // "NSNC"
    const uint Version = 1;
    public const string Extension = ".nsnote";

    public static string ModelFolder(string root, string modelId)
    {
        var safe = new StringBuilder();
        foreach (char c in modelId) if (safe.Length < 40 && (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) safe.Append(c);
        return Path.Combine(root, $"{safe}-{Fnv(Encoding.UTF8.GetBytes(modelId)):x16}");
    }

    public static string PathFor(string root, NoteKey key)
        => Path.Combine(ModelFolder(root, key.ModelId), $"{key.LatentHash:x16}-p{key.Pitch}-l{key.VelocityLayer}{Extension}");

    public static IEnumerable<string> FilesFor(string root, string modelId)
    {
        var dir = ModelFolder(root, modelId);
        return Directory.Exists(dir) ? Directory.GetFiles(dir, "*" + Extension).Order(StringComparer.Ordinal) : [];
    }

    public static void Write(string root, CachedNote note)
    {
        var path = PathFor(root, note.Key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var id = Encoding.UTF8.GetBytes(note.Key.ModelId);
        if (id.Length > ushort.MaxValue) throw new IOException("model id too long to persist");
        int headerSize = 4 + 4 + 2 + id.Length + 8 + 7 * 4;
        var bytes = new byte[headerSize + note.Length * 4 + 8];
        var w = bytes.AsSpan();
        int o = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(w[o..], Magic); o += 4;
        BinaryPrimitives.WriteUInt32LittleEndian(w[o..], Version); o += 4;
        BinaryPrimitives.WriteUInt16LittleEndian(w[o..], (ushort)id.Length); o += 2;
        id.CopyTo(w[o..]); o += id.Length;
        BinaryPrimitives.WriteUInt64LittleEndian(w[o..], note.Key.LatentHash); o += 8;
        foreach (int v in new[] { note.Pitch, note.VelocityLayer, note.SampleRate, note.Length, note.LoopStart, note.LoopEnd, note.CrossfadeLength })
        { BinaryPrimitives.WriteInt32LittleEndian(w[o..], v); o += 4; }
        foreach (float s in note.Samples) { BinaryPrimitives.WriteSingleLittleEndian(w[o..], s); o += 4; }
        BinaryPrimitives.WriteUInt64LittleEndian(w[o..], Fnv(w[..o]));
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, bytes);
        File.Move(tmp, path, overwrite: true);
    }

    /// Reads one file; InvalidDataException when it is corrupt (bad magic, size, checksum, or values);
    /// null when it is valid but belongs to another model id.
    public static CachedNote? Read(string path, string modelId)
    {
        var bytes = File.ReadAllBytes(path);
        var r = (ReadOnlySpan<byte>)bytes;
        if (r.Length < 4 + 4 + 2 + 8 + 28 + 8) throw new InvalidDataException("file too short");
        if (BinaryPrimitives.ReadUInt64LittleEndian(r[^8..]) != Fnv(r[..^8])) throw new InvalidDataException("checksum mismatch");
        int o = 0;
        if (BinaryPrimitives.ReadUInt32LittleEndian(r[o..]) != Magic) throw new InvalidDataException("not a NeuralSynth note file"); o += 4;
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(r[o..]); o += 4;
        if (version != Version) throw new InvalidDataException($"unsupported version {version}");
        int idLength = BinaryPrimitives.ReadUInt16LittleEndian(r[o..]); o += 2;
        if (o + idLength + 8 + 28 + 8 > r.Length) throw new InvalidDataException("header truncated");
        string id = Encoding.UTF8.GetString(r.Slice(o, idLength)); o += idLength;
        ulong latent = BinaryPrimitives.ReadUInt64LittleEndian(r[o..]); o += 8;
        Span<int> v = stackalloc int[7];
        for (int i = 0; i < 7; i++) { v[i] = BinaryPrimitives.ReadInt32LittleEndian(r[o..]); o += 4; }
        int pitch = v[0], layer = v[1], rate = v[2], length = v[3], loopStart = v[4], loopEnd = v[5], crossfade = v[6];
        if (id != modelId) return null;
        if ((uint)pitch >= 128 || layer < 0 || rate <= 0 || length <= 0) throw new InvalidDataException("header values out of range");
        if ((long)o + (long)length * 4 + 8 != r.Length) throw new InvalidDataException("sample count does not match file size");
        if (loopStart >= 0 && (loopEnd != length || loopStart >= loopEnd || crossfade < 0)) throw new InvalidDataException("loop points out of range");
        var buffer = new float[CachedNote.Padding + length + CachedNote.Padding];
        var samples = buffer.AsSpan(CachedNote.Padding, length);
        if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(r.Slice(o, length * 4)).CopyTo(samples);
        else for (int i = 0; i < length; i++) samples[i] = BinaryPrimitives.ReadSingleLittleEndian(r[(o + 4 * i)..]);
        foreach (float s in samples) if (!float.IsFinite(s)) throw new InvalidDataException("non-finite sample");
        return CachedNote.FromPlayable(new NoteKey(id, latent, pitch, layer), rate, buffer, length, loopStart, loopStart >= 0 ? loopEnd : -1, crossfade);
    }

    static ulong Fnv(ReadOnlySpan<byte> data)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in data) { h ^= b; h *= 1099511628211UL; }
        return h;
    }
}
