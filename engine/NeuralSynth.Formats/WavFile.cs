using System.Buffers.Binary;
using System.Numerics;

namespace NeuralSynth.Formats;

/// Sample encodings the writer produces. The reader also accepts PCM 8 and float 64.
public enum WavEncoding { Pcm16, Pcm24, Pcm32, Float32 }

/// Decoded audio: one float array per channel, samples in [-1, 1].
public sealed record WavData(int SampleRate, float[][] Channels)
{
    public int Frames => Channels.Length == 0 ? 0 : Channels[0].Length;
}

/// RIFF/WAVE reader and writer: PCM 8/16/24/32, float 32/64, WAVE_FORMAT_EXTENSIBLE, any rate and channel count.
///
/// Integer scaling is symmetric on purpose: a PCM sample v reads as v / 2^(bits-1) and a float x writes as
/// round(x * 2^(bits-1)) clamped, so read -> write -> read is lossless and x in [-1, 1) round-trips within
/// half a step (the single value x = 1.0 clamps to the largest code, one step below).
public static class WavFile
{
    const ushort FormatPcm = 1, FormatFloat = 3, FormatExtensible = 0xFFFE;

    /// More channels than this is certainly a corrupt header (WAVE_FORMAT_EXTENSIBLE names 18 speakers);
    /// the cap also keeps a tiny corrupt file from allocating one array per claimed channel.
    public const int MaxChannels = 1024;

    // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT are {0000000X-0000-0010-8000-00aa00389b71}: bytes 2..15 are fixed.
    static ReadOnlySpan<byte> SubFormatTail => [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    public static WavData Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidFileException(path, 0, "cannot read: " + e.Message);
        }
        return Read(bytes, path);
    }

    public static WavData Read(ReadOnlySpan<byte> b, string path)
    {
        if (b.Length < 12) throw new InvalidFileException(path, 0, $"file is {b.Length} bytes, too short for a RIFF header");
        if (b[..4].SequenceEqual("RF64"u8)) throw new InvalidFileException(path, 0, "RF64 (64-bit WAV) is not supported");
        if (b[..4].SequenceEqual("RIFX"u8)) throw new InvalidFileException(path, 0, "big-endian RIFX WAV is not supported");
        if (!b[..4].SequenceEqual("RIFF"u8)) throw new InvalidFileException(path, 0, "not a RIFF file (missing 'RIFF')");
        if (!b.Slice(8, 4).SequenceEqual("WAVE"u8)) throw new InvalidFileException(path, 8, "RIFF file is not WAVE");
        uint riffSize = BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(4, 4));
        int pos = 12;
        ushort format = 0, channels = 0, bits = 0;
        int rate = 0;
        bool haveFmt = false;
        while (pos + 8 <= b.Length)
        {
            var id = b.Slice(pos, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(pos + 4, 4));
            int body = pos + 8;
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || body + 16 > b.Length) throw new InvalidFileException(path, pos, $"fmt chunk of {size} bytes is too short (needs 16)");
                format = BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(body, 2));
                channels = BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(body + 2, 2));
                rate = BinaryPrimitives.ReadInt32LittleEndian(b.Slice(body + 4, 4));
                ushort blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(body + 12, 2));
                bits = BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(body + 14, 2));
                if (format == FormatExtensible)
                {
                    if (size < 40 || body + 40 > b.Length) throw new InvalidFileException(path, pos, $"WAVE_FORMAT_EXTENSIBLE fmt chunk is {size} bytes, needs 40");
                    ushort cbSize = BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(body + 16, 2));
                    if (cbSize < 22) throw new InvalidFileException(path, body + 16, $"WAVE_FORMAT_EXTENSIBLE extension size {cbSize} is below 22");
                    ushort validBits = BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(body + 18, 2));
                    if (validBits > bits) throw new InvalidFileException(path, body + 18, $"{validBits} valid bits do not fit a {bits}-bit container");
                    // The sample is left-justified in its container, so reading the whole container is right.
                    if (!b.Slice(body + 26, 14).SequenceEqual(SubFormatTail))
                        throw new InvalidFileException(path, body + 24, "WAVE_FORMAT_EXTENSIBLE sub-format is not PCM or IEEE float");
                    format = BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(body + 24, 2));
                }
                if (format != FormatPcm && format != FormatFloat) throw new InvalidFileException(path, body, $"unsupported format tag {format} (PCM and IEEE float only)");
                if (channels == 0) throw new InvalidFileException(path, body + 2, "zero channels");
                if (channels > MaxChannels) throw new InvalidFileException(path, body + 2, $"{channels} channels (at most {MaxChannels} supported)");
                if (rate <= 0) throw new InvalidFileException(path, body + 4, $"invalid sample rate {rate}");
                bool ok = format == FormatPcm ? bits is 8 or 16 or 24 or 32 : bits is 32 or 64;
                if (!ok) throw new InvalidFileException(path, body + 14, $"unsupported bit depth {bits} for {(format == FormatPcm ? "PCM" : "float")}");
                if (blockAlign != channels * (bits / 8)) throw new InvalidFileException(path, body + 12, $"block align {blockAlign} does not match {channels} channels of {bits} bits");
                haveFmt = true;
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (!haveFmt) throw new InvalidFileException(path, pos, "data chunk before fmt chunk");
                int blockAlign = channels * (bits / 8);
                long available = b.Length - body;
                long dataSize = size;
                // Writers that stream without seeking back leave 0xFFFFFFFF, or 0 in both RIFF and data sizes:
                // the audio then runs to the end of the file.
                bool unknownLength = size == uint.MaxValue || (size == 0 && (riffSize == 0 || riffSize == uint.MaxValue));
                if (unknownLength) dataSize = available;
                else if (size > available)
                {
                    // A last partial frame cut off is common and harmless; anything more is a truncated file.
                    if (size - available >= blockAlign)
                        throw new InvalidFileException(path, pos + 4, $"data chunk claims {size} bytes but only {available} remain (truncated file)");
                    dataSize = available;
                }
                return Decode(b.Slice(body, (int)dataSize), format, channels, bits, rate);
            }
            long end = (long)body + size;
            if (end > b.Length) throw new InvalidFileException(path, pos + 4, $"chunk '{ChunkName(id)}' claims {size} bytes, past the end of the file");
            // Chunks are padded to even length; a pad byte missing at the very end of the file is tolerated.
            pos = (int)Math.Min(end + (size & 1), b.Length);
        }
        throw new InvalidFileException(path, pos, haveFmt ? "no data chunk" : "no fmt chunk");
    }

    static string ChunkName(ReadOnlySpan<byte> id)
    {
        Span<char> c = stackalloc char[4];
        for (int i = 0; i < 4; i++) c[i] = id[i] is >= 0x20 and < 0x7F ? (char)id[i] : '?';
        return new string(c);
    }

    static WavData Decode(ReadOnlySpan<byte> data, ushort format, int channels, int bits, int rate)
    {
        int bytesPer = bits / 8, stride = bytesPer * channels, frames = data.Length / stride;
        var ch = new float[channels][];
        for (int c = 0; c < channels; c++) ch[c] = frames == 0 ? [] : new float[frames];
        // One loop per encoding keeps the per-sample switch out of the hot path.
        for (int c = 0; c < channels; c++)
        {
            var dst = ch[c];
            int p = c * bytesPer;
            switch (format, bits)
            {
                case (FormatPcm, 8):
                    for (int i = 0; i < frames; i++, p += stride) dst[i] = (data[p] - 128) * (1f / 128);
                    break;
                case (FormatPcm, 16):
                    for (int i = 0; i < frames; i++, p += stride) dst[i] = BinaryPrimitives.ReadInt16LittleEndian(data.Slice(p, 2)) * (1f / 32768);
                    break;
                case (FormatPcm, 24):
                    for (int i = 0; i < frames; i++, p += stride) dst[i] = (data[p] | data[p + 1] << 8 | (sbyte)data[p + 2] << 16) * (1f / 8388608);
                    break;
                case (FormatPcm, 32):
                    for (int i = 0; i < frames; i++, p += stride) dst[i] = (float)(BinaryPrimitives.ReadInt32LittleEndian(data.Slice(p, 4)) * (1.0 / 2147483648.0));
                    break;
                case (FormatFloat, 32):
                    for (int i = 0; i < frames; i++, p += stride) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(data.Slice(p, 4));
                    break;
                default:
                    for (int i = 0; i < frames; i++, p += stride) dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(data.Slice(p, 8));
                    break;
            }
        }
        return new WavData(rate, ch);
    }

    public static void Write(string path, float[][] channels, int sampleRate, WavEncoding encoding = WavEncoding.Pcm16)
    {
        using var fs = File.Create(path);
        Write(fs, channels, sampleRate, encoding);
    }

    /// Writes a canonical WAV: 44-byte header for PCM; for float an 18-byte fmt and a 'fact' chunk. NaN is written as 0;
    /// integer encodings clamp to [-1, 1). Does not seek, so any writable stream works.
    public static void Write(Stream stream, float[][] channels, int sampleRate, WavEncoding encoding = WavEncoding.Pcm16)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Length == 0) throw new ArgumentException("at least one channel is needed", nameof(channels));
        if (channels.Length > MaxChannels) throw new ArgumentException($"at most {MaxChannels} channels", nameof(channels));
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), $"sample rate {sampleRate} must be positive");
        int frames = channels[0].Length;
        foreach (var c in channels) if (c.Length != frames) throw new ArgumentException("channels differ in length", nameof(channels));
        int bits = encoding switch
        {
            WavEncoding.Pcm16 => 16,
            WavEncoding.Pcm24 => 24,
            WavEncoding.Pcm32 or WavEncoding.Float32 => 32,
            _ => throw new ArgumentOutOfRangeException(nameof(encoding)),
        };
        int bytesPer = bits / 8, nch = channels.Length, stride = nch * bytesPer;
        long dataBytes = (long)frames * stride, pad = dataBytes & 1;
        long byteRate = (long)sampleRate * stride;
        if (byteRate > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(sampleRate), "sample rate x frame size exceeds the WAV header's 32-bit byte rate");

        // IEEE float is a non-PCM format: the standard wants an 18-byte fmt chunk (cbSize = 0) and a 'fact'
        // chunk with the frame count; readers such as SoX warn without them. PCM keeps the canonical 44 bytes.
        bool isFloat = encoding == WavEncoding.Float32;
        int fmtSize = isFloat ? 18 : 16, factSize = isFloat ? 12 : 0;
        int headerSize = 12 + 8 + fmtSize + factSize + 8;
        if (headerSize - 8 + dataBytes + pad > uint.MaxValue) throw new ArgumentException("audio too long for a WAV file (4 GB limit)");
        Span<byte> h = stackalloc byte[headerSize];
        h.Clear();
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)(headerSize - 8 + dataBytes + pad));
        "WAVEfmt "u8.CopyTo(h[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], (uint)fmtSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h[20..], isFloat ? FormatFloat : FormatPcm);
        BinaryPrimitives.WriteUInt16LittleEndian(h[22..], (ushort)nch);
        BinaryPrimitives.WriteInt32LittleEndian(h[24..], sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(h[28..], (uint)byteRate);
        BinaryPrimitives.WriteUInt16LittleEndian(h[32..], (ushort)stride);
        BinaryPrimitives.WriteUInt16LittleEndian(h[34..], (ushort)bits);
        int p0 = 20 + fmtSize; // cbSize (if any) is already zero
        if (isFloat)
        {
            "fact"u8.CopyTo(h[p0..]);
            BinaryPrimitives.WriteUInt32LittleEndian(h[(p0 + 4)..], 4);
            BinaryPrimitives.WriteUInt32LittleEndian(h[(p0 + 8)..], (uint)frames);
            p0 += 12;
        }
        "data"u8.CopyTo(h[p0..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[(p0 + 4)..], (uint)dataBytes);
        stream.Write(h);

        // Encode in blocks so a long file does not need one buffer the size of the file; one loop per encoding and
        // channel rather than a switch per sample.
        int framesPerBlock = Math.Max(1, 65536 / stride);
        var buf = new byte[framesPerBlock * stride];
        var quantized = new int[framesPerBlock];
        for (int start = 0; start < frames; start += framesPerBlock)
        {
            int n = Math.Min(framesPerBlock, frames - start);
            var s = buf.AsSpan(0, n * stride);
            for (int c = 0; c < nch; c++)
            {
                var src = channels[c].AsSpan(start, n);
                var dst = s[(c * bytesPer)..];
                switch (encoding)
                {
                    case WavEncoding.Pcm16: Quantize(src, 32768f, quantized); Pack16(quantized.AsSpan(0, n), dst, stride); break;
                    case WavEncoding.Pcm24: Quantize(src, 8388608f, quantized); Pack24(quantized.AsSpan(0, n), dst, stride); break;
                    case WavEncoding.Pcm32: Encode32(src, dst, stride); break;
                    default: EncodeFloat(src, dst, stride); break;
                }
            }
            stream.Write(s);
        }
        if (pad != 0) stream.WriteByte(0);
    }

    /// x * fullScale rounded to the nearest integer (ties to even, as MathF.Round) and clamped to [-fullScale,
    /// fullScale - 1]; NaN becomes 0. Vectorised (`render` writes a 24-bit file per stem plus the mix), with a scalar
    /// tail that is also the reference (WavFileTests).
    static void Quantize(ReadOnlySpan<float> x, float fullScale, Span<int> q)
    {
        if (q.Length < x.Length) throw new ArgumentException("output shorter than input", nameof(q));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var scale = new Vector<float>(fullScale);
            var lo = new Vector<float>(-fullScale);
            var hi = new Vector<float>(fullScale - 1);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(x[i..]);
                v = Vector.ConditionalSelect(Vector.Equals(v, v), v, Vector<float>.Zero); // NaN -> 0
                v = Vector.Min(Vector.Max(Vector.Round(v * scale), lo), hi);
                Vector.ConvertToInt32(v).CopyTo(q[i..]);
            }
        }
        for (; i < x.Length; i++) q[i] = QuantizeOne(x[i], fullScale);
    }

    /// The scalar reference of Quantize (and its tail).
    static int QuantizeOne(float x, float fullScale) => float.IsNaN(x) ? 0 : (int)Math.Clamp(MathF.Round(x * fullScale), -fullScale, fullScale - 1);

    // Each writes its samples to dst every `stride` bytes, little-endian.
    static void Pack16(ReadOnlySpan<int> q, Span<byte> dst, int stride)
    {
        for (int i = 0, p = 0; i < q.Length; i++, p += stride) BinaryPrimitives.WriteInt16LittleEndian(dst[p..], (short)q[i]);
    }

    static void Pack24(ReadOnlySpan<int> q, Span<byte> dst, int stride)
    {
        for (int i = 0, p = 0; i < q.Length; i++, p += stride)
        {
            int v = q[i];
            dst[p] = (byte)v; dst[p + 1] = (byte)(v >> 8); dst[p + 2] = (byte)(v >> 16);
        }
    }

    // NaN is written as 0, integers clamped.
    static void Encode32(ReadOnlySpan<float> src, Span<byte> dst, int stride)
    {
        for (int i = 0, p = 0; i < src.Length; i++, p += stride)
        {
            float x = src[i];
            if (float.IsNaN(x)) x = 0;
            BinaryPrimitives.WriteInt32LittleEndian(dst[p..], (int)Math.Clamp(Math.Round(x * 2147483648.0), int.MinValue, int.MaxValue));
        }
    }

    static void EncodeFloat(ReadOnlySpan<float> src, Span<byte> dst, int stride)
    {
        for (int i = 0, p = 0; i < src.Length; i++, p += stride)
        {
            float x = src[i];
            if (float.IsNaN(x)) x = 0;
            BinaryPrimitives.WriteSingleLittleEndian(dst[p..], x);
        }
    }
}
