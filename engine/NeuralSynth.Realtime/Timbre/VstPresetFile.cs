using System.Buffers.Binary;
using System.Security;
using System.Text;
using NeuralSynth.Formats;

namespace NeuralSynth.Realtime.Timbre;

/// Steinberg's .vstpreset container (VST 3 SDK, public.sdk/source/vst/vstpresetfile.h), written from the format
/// description, independent of any plug-in: the state bytes are opaque here.
/// <code>
///   0  'VST3' | int32 version (1) | 32 ASCII chars class id | int64 offset of the chunk list     (48 bytes)
///  48  data of the chunks ('Comp' component state, optional 'Cont' controller state, optional 'Info' XML)
///      'List' | int32 count | count x ('ID' 4 bytes, int64 offset, int64 size)                    (to EOF)
/// </code>
/// Integers little-endian (as the SDK writes them on x86/ARM). The class id string is the 16-byte TUID as
/// 32 upper-case hex digits (FUID::toString; on Linux/macOS the byte order of the TUID as stored).
public sealed class VstPresetFile
{
    public const int HeaderSize = 48;
    public const int FormatVersion = 1;
    const int ClassIdSize = 32;
    const int MaxEntries = 128; // the SDK reads at most this many

    public string ClassId { get; }
    public byte[] ComponentState { get; }
    public byte[]? ControllerState { get; }
    /// The 'Info' chunk: UTF-8 XML meta information (preset name, plug-in name, category); optional.
    public string? MetaInfoXml { get; }
    /// Ids of every chunk in the file, in list order (e.g. "Comp", "Cont", "Info").
    public IReadOnlyList<string> ChunkIds { get; }

    public VstPresetFile(string classId, byte[] componentState, byte[]? controllerState = null, string? metaInfoXml = null)
    {
        if (classId is not { Length: ClassIdSize } || classId.Any(c => c < 0x21 || c > 0x7E))
            throw new ArgumentException($"class id must be {ClassIdSize} printable ASCII characters (hex of the 16-byte TUID), got '{classId}'");
        ComponentState = componentState ?? throw new ArgumentNullException(nameof(componentState));
        ClassId = classId;
        ControllerState = controllerState;
        MetaInfoXml = metaInfoXml;
        var ids = new List<string> { "Comp" };
        if (controllerState != null) ids.Add("Cont");
        if (metaInfoXml != null) ids.Add("Info");
        ChunkIds = ids;
    }

    VstPresetFile(string classId, byte[] comp, byte[]? cont, string? info, List<string> ids)
        : this(classId, comp, cont, info) { ChunkIds = ids; }

    /// The class id string of a 16-byte TUID (as the plug-in's factory reports it).
    public static string ClassIdFromTuid(ReadOnlySpan<byte> tuid)
    {
        if (tuid.Length != 16) throw new ArgumentException($"a TUID has 16 bytes, got {tuid.Length}");
        return Convert.ToHexString(tuid);
    }

    public static byte[] TuidFromClassId(string classId)
    {
        try
        {
            var b = Convert.FromHexString(classId);
            if (b.Length == 16) return b;
        }
        catch (FormatException) { }
        throw new ArgumentException($"class id '{classId}' is not 32 hex digits");
    }

    /// Steinberg-style meta information XML (the attributes hosts show in their preset browsers).
    public static string BuildMetaInfo(string presetName, string pluginName, string category = "Instrument|Synth", string? instrument = null)
    {
        var sb = new StringBuilder();
        sb.Append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<MetaInfo>\n");
        void Attr(string id, string value) =>
            sb.Append("\t<Attr id=\"").Append(id).Append("\" value=\"").Append(SecurityElement.Escape(value)).Append("\" type=\"string\"/>\n");
        Attr("MediaType", "VstPreset");
        Attr("PlugInName", pluginName);
        Attr("PlugInCategory", category);
        Attr("Name", presetName);
        if (instrument != null) Attr("MusicalInstrument", instrument);
        sb.Append("</MetaInfo>\n");
        return sb.ToString();
    }

    public byte[] ToBytes()
    {
        var chunks = new List<(string Id, byte[] Data)> { ("Comp", ComponentState) };
        if (ControllerState != null) chunks.Add(("Cont", ControllerState));
        if (MetaInfoXml != null) chunks.Add(("Info", Encoding.UTF8.GetBytes(MetaInfoXml))); // meta info last, as the SDK requires
        long dataSize = chunks.Sum(c => (long)c.Data.Length);
        long listOffset = HeaderSize + dataSize;
        long total = listOffset + 8 + chunks.Count * 20L;
        if (total > int.MaxValue) throw new ArgumentException("preset too large");
        var b = new byte[total];
        var s = b.AsSpan();
        "VST3"u8.CopyTo(s);
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], FormatVersion);
        Encoding.ASCII.GetBytes(ClassId, s[8..40]);
        BinaryPrimitives.WriteInt64LittleEndian(s[40..], listOffset);
        long o = HeaderSize;
        var offsets = new long[chunks.Count];
        for (int i = 0; i < chunks.Count; i++)
        {
            offsets[i] = o;
            chunks[i].Data.CopyTo(s[(int)o..]);
            o += chunks[i].Data.Length;
        }
        "List"u8.CopyTo(s[(int)o..]);
        BinaryPrimitives.WriteInt32LittleEndian(s[(int)(o + 4)..], chunks.Count);
        o += 8;
        for (int i = 0; i < chunks.Count; i++, o += 20)
        {
            Encoding.ASCII.GetBytes(chunks[i].Id, s[(int)o..(int)(o + 4)]);
            BinaryPrimitives.WriteInt64LittleEndian(s[(int)(o + 4)..], offsets[i]);
            BinaryPrimitives.WriteInt64LittleEndian(s[(int)(o + 12)..], chunks[i].Data.Length);
        }
        return b;
    }

    public void Write(string path)
    {
        string tmp = path + ".tmp";
        File.WriteAllBytes(tmp, ToBytes());
        File.Move(tmp, path, overwrite: true);
    }

    public static VstPresetFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: preset not found", path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// Parses a .vstpreset; any inconsistency is one InvalidFileException naming the source and the offset.
    public static VstPresetFile Parse(ReadOnlySpan<byte> s, string source)
    {
        if (s.Length < HeaderSize) throw new InvalidFileException(source, 0, $"too short for a .vstpreset header ({s.Length} bytes, need {HeaderSize})");
        if (!s[..4].SequenceEqual("VST3"u8)) throw new InvalidFileException(source, 0, "not a .vstpreset file (no 'VST3' header id)");
        int version = BinaryPrimitives.ReadInt32LittleEndian(s[4..]);
        if (version < 1) throw new InvalidFileException(source, 4, $"format version {version} is invalid");
        var cid = s[8..40];
        foreach (byte c in cid) if (c < 0x21 || c > 0x7E) throw new InvalidFileException(source, 8, "class id is not 32 printable ASCII characters");
        string classId = Encoding.ASCII.GetString(cid);
        long listOffset = BinaryPrimitives.ReadInt64LittleEndian(s[40..]);
        if (listOffset < HeaderSize || listOffset > s.Length - 8)
            throw new InvalidFileException(source, 40, $"chunk list offset {listOffset} lies outside the file ({s.Length} bytes)");
        int lo = (int)listOffset;
        if (!s.Slice(lo, 4).SequenceEqual("List"u8)) throw new InvalidFileException(source, lo, "no 'List' chunk list at the offset the header gives");
        int count = BinaryPrimitives.ReadInt32LittleEndian(s[(lo + 4)..]);
        if (count < 1 || count > MaxEntries) throw new InvalidFileException(source, lo + 4, $"chunk list count {count} is invalid");
        if (lo + 8 + count * 20L > s.Length) throw new InvalidFileException(source, lo + 4, $"chunk list of {count} entries runs past the end of the file");

        byte[]? comp = null, cont = null;
        string? info = null;
        var ids = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            int e = lo + 8 + i * 20;
            var idBytes = s.Slice(e, 4);
            string id = Encoding.ASCII.GetString(idBytes);
            long off = BinaryPrimitives.ReadInt64LittleEndian(s[(e + 4)..]);
            long size = BinaryPrimitives.ReadInt64LittleEndian(s[(e + 12)..]);
            if (off < HeaderSize || size < 0 || off + size > listOffset)
                throw new InvalidFileException(source, e, $"chunk '{id}' (offset {off}, size {size}) lies outside the data area {HeaderSize}..{listOffset}");
            var data = s.Slice((int)off, (int)size).ToArray();
            ids.Add(id);
            switch (id)
            {
                case "Comp": if (comp != null) throw new InvalidFileException(source, e, "two 'Comp' chunks"); comp = data; break;
                case "Cont": if (cont != null) throw new InvalidFileException(source, e, "two 'Cont' chunks"); cont = data; break;
                case "Info": info = Encoding.UTF8.GetString(data); break;
                default: break; // 'Prog' and vendor chunks: kept out of our model, harmless
            }
        }
        if (comp == null) throw new InvalidFileException(source, lo, "no 'Comp' (component state) chunk");
        return new VstPresetFile(classId, comp, cont, info, ids);
    }
}
