using System.Buffers.Binary;
using System.Text;

namespace NeuralSynth.Plugin;

/// <summary>
/// The processor's saved state (what IComponent::getState writes, and the controller reads back in
/// setComponentState). Little-endian binary:
/// <code>
///   "NSYN" | u16 version (1) | u8 modelIdLength | modelId (UTF-8) | u16 count | count x (u32 paramId, f64 normalized) | u32 CRC-32
/// </code>
/// The CRC covers every byte before it, so truncation or corruption is caught. Unknown parameter ids
/// (from a later version) are skipped; missing ones keep their defaults.
/// </summary>
public sealed class PluginState
{
    public const int Version = 1;
    public const int MaxBytes = 1 << 20;
    static ReadOnlySpan<byte> Magic => "NSYN"u8;

    public required string ModelId { get; init; }
    public required double[] Values { get; init; }   // by index in Parameters.All

    public static PluginState Default(string modelId) => new() { ModelId = modelId, Values = Parameters.Defaults() };

    public byte[] Serialize()
    {
        var model = Encoding.UTF8.GetBytes(ModelId);
        if (model.Length > 255) throw new InvalidOperationException("model id longer than 255 bytes");
        int size = 4 + 2 + 1 + model.Length + 2 + Values.Length * 12 + 4;
        var bytes = new byte[size];
        var s = bytes.AsSpan();
        Magic.CopyTo(s);
        BinaryPrimitives.WriteUInt16LittleEndian(s[4..], Version);
        s[6] = (byte)model.Length;
        model.CopyTo(s[7..]);
        int o = 7 + model.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(s[o..], (ushort)Values.Length);
        o += 2;
        for (int i = 0; i < Values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(s[o..], Parameters.All[i].Id);
            BinaryPrimitives.WriteDoubleLittleEndian(s[(o + 4)..], Values[i]);
            o += 12;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(s[o..], Crc32.Compute(s[..o]));
        return bytes;
    }

    /// <summary>Parses a state; on anything wrong returns null and says why in <paramref name="error"/>.</summary>
    public static PluginState? TryParse(ReadOnlySpan<byte> s, out string error)
    {
        error = "";
        if (s.Length < 4 + 2 + 1 + 2 + 4 || !s[..4].SequenceEqual(Magic)) { error = "not a NeuralSynth state (bad magic)"; return null; }
        int version = BinaryPrimitives.ReadUInt16LittleEndian(s[4..]);
        if (version < 1 || version > Version) { error = $"state version {version} not supported (this build reads up to {Version})"; return null; }
        int modelLength = s[6];
        int o = 7 + modelLength;
        if (o + 2 + 4 > s.Length) { error = "state truncated in the model id"; return null; }
        string modelId;
        try { modelId = new UTF8Encoding(false, true).GetString(s.Slice(7, modelLength)); }
        catch (DecoderFallbackException) { error = "state model id is not UTF-8"; return null; }
        int count = BinaryPrimitives.ReadUInt16LittleEndian(s[o..]);
        o += 2;
        if (o + count * 12 + 4 != s.Length) { error = "state length does not match its parameter count"; return null; }
        if (BinaryPrimitives.ReadUInt32LittleEndian(s[(o + count * 12)..]) != Crc32.Compute(s[..(o + count * 12)])) { error = "state checksum mismatch (corrupt)"; return null; }
        var values = Parameters.Defaults();
        for (int i = 0; i < count; i++, o += 12)
        {
            uint id = BinaryPrimitives.ReadUInt32LittleEndian(s[o..]);
            double v = BinaryPrimitives.ReadDoubleLittleEndian(s[(o + 4)..]);
            if (!double.IsFinite(v) || v < 0 || v > 1) { error = $"state value of parameter {id} out of range"; return null; }
            int index = Parameters.IndexOf(id);
            if (index >= 0) values[index] = v;
        }
        return new PluginState { ModelId = modelId, Values = values };
    }
}

/// <summary>CRC-32 (IEEE 802.3, reflected, as zlib).</summary>
public static class Crc32
{
    static readonly uint[] s_table = BuildTable();

    static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data) c = s_table[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
