using System.Buffers.Binary;
using System.Text;

namespace NeuralSynth.Formats.Tests;

/// Builds RIFF/WAVE files chunk by chunk so tests can make exactly the layouts they need
/// (extensible fmt, odd chunks, LIST chunks, wrong sizes) without going through our writer.
sealed class RiffBuilder
{
    readonly MemoryStream _body = new();

    public RiffBuilder Chunk(string id, byte[] payload, bool pad = true, uint? claimedSize = null)
    {
        _body.Write(Encoding.ASCII.GetBytes(id));
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, claimedSize ?? (uint)payload.Length);
        _body.Write(size);
        _body.Write(payload);
        if (pad && (payload.Length & 1) != 0) _body.WriteByte(0);
        return this;
    }

    public RiffBuilder Fmt(ushort tag, int channels, int rate, int bits)
    {
        var f = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(f, tag);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(2), (ushort)channels);
        BinaryPrimitives.WriteInt32LittleEndian(f.AsSpan(4), rate);
        BinaryPrimitives.WriteInt32LittleEndian(f.AsSpan(8), rate * channels * bits / 8);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(12), (ushort)(channels * bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(14), (ushort)bits);
        return Chunk("fmt ", f);
    }

    /// WAVE_FORMAT_EXTENSIBLE: 40-byte fmt with cbSize 22, valid bits, channel mask and the sub-format GUID
    /// {0000000X-0000-0010-8000-00aa00389b71} where X is 1 (PCM) or 3 (IEEE float).
    public RiffBuilder FmtExtensible(ushort subFormat, int channels, int rate, int bits, int validBits, uint channelMask)
    {
        var f = new byte[40];
        BinaryPrimitives.WriteUInt16LittleEndian(f, 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(2), (ushort)channels);
        BinaryPrimitives.WriteInt32LittleEndian(f.AsSpan(4), rate);
        BinaryPrimitives.WriteInt32LittleEndian(f.AsSpan(8), rate * channels * bits / 8);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(12), (ushort)(channels * bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(14), (ushort)bits);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(16), 22);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(18), (ushort)validBits);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(20), channelMask);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(24), subFormat);
        byte[] tail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
        tail.CopyTo(f, 26);
        return Chunk("fmt ", f);
    }

    /// A LIST/INFO chunk like the ones audio editors write (odd-length string to exercise padding).
    public RiffBuilder ListInfo(string software)
    {
        var ms = new MemoryStream();
        ms.Write("INFO"u8);
        var text = Encoding.ASCII.GetBytes(software + "\0");
        ms.Write("ISFT"u8);
        ms.Write(BitConverter.GetBytes((uint)text.Length));
        ms.Write(text);
        if ((text.Length & 1) != 0) ms.WriteByte(0);
        return Chunk("LIST", ms.ToArray());
    }

    public byte[] Build(uint? riffSize = null)
    {
        var body = _body.ToArray();
        var file = new byte[12 + body.Length];
        "RIFF"u8.CopyTo(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), riffSize ?? (uint)(4 + body.Length));
        "WAVE"u8.CopyTo(file.AsSpan(8));
        body.CopyTo(file, 12);
        return file;
    }

    public static byte[] Pcm16(params short[] samples)
    {
        var b = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(2 * i), samples[i]);
        return b;
    }

    public static byte[] Pcm24(params int[] samples)
    {
        var b = new byte[samples.Length * 3];
        for (int i = 0; i < samples.Length; i++) { b[3 * i] = (byte)samples[i]; b[3 * i + 1] = (byte)(samples[i] >> 8); b[3 * i + 2] = (byte)(samples[i] >> 16); }
        return b;
    }

    public static byte[] Float32(params float[] samples)
    {
        var b = new byte[samples.Length * 4];
        for (int i = 0; i < samples.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), samples[i]);
        return b;
    }
}
