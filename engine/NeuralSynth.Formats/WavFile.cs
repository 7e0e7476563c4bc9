using System.Buffers.Binary;

namespace NeuralSynth.Formats;

public enum WavEncoding { Pcm16, Pcm24, Pcm32, Float32 }

/// Decoded audio: one float array per channel, samples in [-1, 1].
public sealed record WavData(int SampleRate, float[][] Channels)
{
    public int Frames => Channels.Length == 0 ? 0 : Channels[0].Length;
}

/// RIFF/WAVE reader and writer: PCM 8/16/24/32, float 32/64, WAVE_FORMAT_EXTENSIBLE, any rate and channel count.
public static class WavFile
{
    const ushort FormatPcm = 1, FormatFloat = 3, FormatExtensible = 0xFFFE;

    public static WavData Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw new InvalidFileException(path, 0, "cannot read: " + e.Message); }
        return Read(bytes, path);
    }

    public static WavData Read(ReadOnlySpan<byte> b, string path)
    {
        if (b.Length < 12) throw new InvalidFileException(path, 0, $"file is {b.Length} bytes, too short for a RIFF header");
        if (!b[..4].SequenceEqual("RIFF"u8)) throw new InvalidFileException(path, 0, "not a RIFF file (missing 'RIFF')");
        if (!b.Slice(8, 4).SequenceEqual("WAVE"u8)) throw new InvalidFileException(path, 8, "RIFF file is not WAVE");
        int pos = 12;
        ushort format = 0, channels = 0, bits = 0, blockAlign = 0;
        int rate = 0;
        bool haveFmt = false;
        while (pos + 8 <= b.Length)
        {
            var id = b.Slice(pos, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(pos + 4, 4));
            int body = pos + 8;
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || body + 16 > b.Length) throw new InvalidFileException(path, pos, $"fmt chunk of {size} bytes is too short");
                format = BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(body, 2));
                channels = BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(body + 2, 2));
                rate = BinaryPrimitives.ReadInt32LittleEndian(b.Slice(body + 4, 4));
                blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(body + 12, 2));
                bits = BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(body + 14, 2));
                if (format == FormatExtensible)
                {
                    if (size < 40 || body + 40 > b.Length) throw new InvalidFileException(path, pos, "WAVE_FORMAT_EXTENSIBLE fmt chunk shorter than 40 bytes");
                    format = BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(body + 24, 2)); // first two bytes of the SubFormat GUID
                }
                if (format != FormatPcm && format != FormatFloat) throw new InvalidFileException(path, body, $"unsupported format tag {format} (PCM and IEEE float only)");
                if (channels == 0) throw new InvalidFileException(path, body + 2, "zero channels");
                if (rate <= 0) throw new InvalidFileException(path, body + 4, $"invalid sample rate {rate}");
                bool ok = format == FormatPcm ? bits is 8 or 16 or 24 or 32 : bits is 32 or 64;
                if (!ok) throw new InvalidFileException(path, body + 14, $"unsupported bit depth {bits} for format {format}");
                if (blockAlign != channels * (bits / 8)) throw new InvalidFileException(path, body + 12, $"block align {blockAlign} does not match {channels} channels of {bits} bits");
                haveFmt = true;
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (!haveFmt) throw new InvalidFileException(path, pos, "data chunk before fmt chunk");
                long available = b.Length - body;
                // Streams written before their length was known carry 0 or 0xFFFFFFFF: take what the file holds.
                long dataSize = size == 0 || size == uint.MaxValue || size > available ? available : size;
                if (size > available && size != uint.MaxValue && size != 0 && size - available > blockAlign)
                    throw new InvalidFileException(path, pos + 4, $"data chunk claims {size} bytes but only {available} remain (truncated file)");
                return Decode(b.Slice(body, (int)dataSize), format, channels, bits, rate);
            }
            long next = (long)body + size + (size & 1);
            if (next > b.Length) throw new InvalidFileException(path, pos + 4, $"chunk '{System.Text.Encoding.ASCII.GetString(id)}' claims {size} bytes, past the end of the file");
            pos = (int)next;
        }
        throw new InvalidFileException(path, pos, haveFmt ? "no data chunk" : "no fmt chunk");
    }

    static WavData Decode(ReadOnlySpan<byte> data, ushort format, int channels, int bits, int rate)
    {
        int bytesPer = bits / 8, frames = data.Length / (bytesPer * channels);
        var ch = new float[channels][];
        for (int c = 0; c < channels; c++) ch[c] = new float[frames];
        int p = 0;
        for (int i = 0; i < frames; i++)
            for (int c = 0; c < channels; c++, p += bytesPer)
                ch[c][i] = (format, bits) switch
                {
                    (FormatPcm, 8) => (data[p] - 128) / 128f,
                    (FormatPcm, 16) => BinaryPrimitives.ReadInt16LittleEndian(data.Slice(p, 2)) / 32768f,
                    (FormatPcm, 24) => ((data[p] | data[p + 1] << 8 | (sbyte)data[p + 2] << 16)) / 8388608f,
                    (FormatPcm, 32) => (float)(BinaryPrimitives.ReadInt32LittleEndian(data.Slice(p, 4)) / 2147483648.0),
                    (FormatFloat, 32) => BinaryPrimitives.ReadSingleLittleEndian(data.Slice(p, 4)),
                    _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(data.Slice(p, 8)),
                };
        return new WavData(rate, ch);
    }

    public static void Write(string path, float[][] channels, int sampleRate, WavEncoding encoding = WavEncoding.Pcm16)
    {
        using var fs = File.Create(path);
        Write(fs, channels, sampleRate, encoding);
    }

    public static void Write(Stream stream, float[][] channels, int sampleRate, WavEncoding encoding = WavEncoding.Pcm16)
    {
        if (channels.Length == 0) throw new ArgumentException("at least one channel is needed", nameof(channels));
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), $"sample rate {sampleRate} must be positive");
        int frames = channels[0].Length;
        foreach (var c in channels) if (c.Length != frames) throw new ArgumentException("channels differ in length", nameof(channels));
        int bits = encoding switch { WavEncoding.Pcm16 => 16, WavEncoding.Pcm24 => 24, _ => 32 };
        int bytesPer = bits / 8, nch = channels.Length;
        long dataBytes = (long)frames * nch * bytesPer;
        if (dataBytes > uint.MaxValue - 44) throw new ArgumentException("audio too long for a WAV file");
        var buf = new byte[44 + dataBytes];
        var s = buf.AsSpan();
        "RIFF"u8.CopyTo(s);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], (uint)(36 + dataBytes));
        "WAVEfmt "u8.CopyTo(s[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(s[20..], encoding == WavEncoding.Float32 ? FormatFloat : FormatPcm);
        BinaryPrimitives.WriteUInt16LittleEndian(s[22..], (ushort)nch);
        BinaryPrimitives.WriteInt32LittleEndian(s[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(s[28..], sampleRate * nch * bytesPer);
        BinaryPrimitives.WriteUInt16LittleEndian(s[32..], (ushort)(nch * bytesPer));
        BinaryPrimitives.WriteUInt16LittleEndian(s[34..], (ushort)bits);
        "data"u8.CopyTo(s[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[40..], (uint)dataBytes);
        int p = 44;
        for (int i = 0; i < frames; i++)
            for (int c = 0; c < nch; c++, p += bytesPer)
            {
                float x = channels[c][i];
                if (float.IsNaN(x)) x = 0;
                switch (encoding)
                {
                    case WavEncoding.Pcm16: BinaryPrimitives.WriteInt16LittleEndian(s[p..], (short)Math.Clamp(MathF.Round(x * 32767f), -32768, 32767)); break;
                    case WavEncoding.Pcm24:
                        int v = (int)Math.Clamp(Math.Round(x * 8388607.0), -8388608, 8388607);
                        buf[p] = (byte)v; buf[p + 1] = (byte)(v >> 8); buf[p + 2] = (byte)(v >> 16); break;
                    case WavEncoding.Pcm32: BinaryPrimitives.WriteInt32LittleEndian(s[p..], (int)Math.Clamp(Math.Round(x * 2147483647.0), int.MinValue, int.MaxValue)); break;
                    default: BinaryPrimitives.WriteSingleLittleEndian(s[p..], x); break;
                }
            }
        stream.Write(buf);
    }
}
