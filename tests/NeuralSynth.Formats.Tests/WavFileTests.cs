using System.Buffers.Binary;

namespace NeuralSynth.Formats.Tests;

public class WavFileTests
{
    static float[][] Noise(int channels, int frames, int seed)
    {
        var rng = new Random(seed);
        var ch = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            ch[c] = new float[frames];
            for (int i = 0; i < frames; i++) ch[c][i] = (float)(rng.NextDouble() * 2 - 1);
        }
        // The extremes are where clamping and sign handling go wrong.
        ch[0][0] = -1f;
        ch[0][1] = 0f;
        ch[0][2] = 32767f / 32768; // the top 16-bit code: in range for every encoding
        ch[0][3] = 1e-9f;
        ch[0][4] = -1e-9f;
        return ch;
    }

    static WavData RoundTrip(float[][] ch, int rate, WavEncoding enc)
    {
        var ms = new MemoryStream();
        WavFile.Write(ms, ch, rate, enc);
        var bytes = ms.ToArray();
        Assert.Equal(0, bytes.Length & 1); // RIFF chunks are even-sized
        Assert.Equal((uint)(bytes.Length - 8), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        return WavFile.Read(bytes, "mem.wav");
    }

    // Half a quantisation step for integer encodings; float is bit-exact.
    [Theory]
    [InlineData(WavEncoding.Pcm16, 1, 16000, 1.0 / 65536)]
    [InlineData(WavEncoding.Pcm16, 2, 44100, 1.0 / 65536)]
    [InlineData(WavEncoding.Pcm24, 1, 48000, 1.0 / 16777216)]
    [InlineData(WavEncoding.Pcm24, 2, 96000, 1.0 / 16777216)]
    [InlineData(WavEncoding.Pcm32, 1, 8000, 1.0 / 2147483648)]
    [InlineData(WavEncoding.Pcm32, 2, 22050, 1.0 / 2147483648)]
    [InlineData(WavEncoding.Float32, 1, 12345, 0.0)]
    [InlineData(WavEncoding.Float32, 2, 192000, 0.0)]
    public void RoundTripStaysWithinHalfAStep(WavEncoding enc, int channels, int rate, double bound)
    {
        var ch = Noise(channels, 1001, 42 + channels); // odd frame count: Pcm24 mono needs a pad byte
        var back = RoundTrip(ch, rate, enc);
        Assert.Equal(rate, back.SampleRate);
        Assert.Equal(channels, back.Channels.Length);
        Assert.Equal(1001, back.Frames);
        double worst = 0;
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < 1001; i++)
                worst = Math.Max(worst, Math.Abs((double)back.Channels[c][i] - ch[c][i]));
        Assert.True(worst <= bound, $"max error {worst} > {bound}");
    }

    [Theory]
    [InlineData(WavEncoding.Pcm16, 32768.0)]
    [InlineData(WavEncoding.Pcm24, 8388608.0)]
    [InlineData(WavEncoding.Pcm32, 2147483648.0)]
    public void FullScaleClampsToOneStepBelowOne(WavEncoding enc, double full)
    {
        var back = RoundTrip([[1f, -1f, 2f, -3f, float.PositiveInfinity, float.NaN, MathF.BitDecrement(1f)]], 16000, enc).Channels[0];
        float top = (float)((full - 1) / full);
        Assert.Equal([top, -1f, top, -1f, top, 0f], back[..6]);
        // Just below 1.0 lands on the top code too (Pcm32 has codes finer than float near 1, so it stays).
        Assert.Equal(enc == WavEncoding.Pcm32 ? MathF.BitDecrement(1f) : top, back[6]);
    }

    /// The vectorised PCM encoder against a scalar reference, sample for sample: rounding ties to even, clamping, NaN and
    /// infinities, at lengths that leave a scalar tail after the vector loop, interleaved in three channels.
    [Theory]
    [InlineData(WavEncoding.Pcm16, 32768f, 2)]
    [InlineData(WavEncoding.Pcm24, 8388608f, 3)]
    public void PcmCodesMatchTheScalarReference(WavEncoding enc, float full, int bytes)
    {
        var rng = new Random(5);
        foreach (int n in new[] { 1, 7, 16, 37, 1000, 70001 })
        {
            var ch = new float[3][];
            for (int c = 0; c < 3; c++)
            {
                ch[c] = new float[n];
                for (int i = 0; i < n; i++)
                    ch[c][i] = (i % 5) switch
                    {
                        0 => (float)(rng.NextDouble() * 2.4 - 1.2),
                        1 => (rng.Next(-1000, 1000) + 0.5f) / full, // a tie: rounds to the even code
                        2 => i % 3 == 0 ? float.NaN : i % 3 == 1 ? float.PositiveInfinity : float.NegativeInfinity,
                        _ => (float)(rng.NextDouble() * 2 - 1) * 1e-3f,
                    };
            }
            using var ms = new MemoryStream();
            WavFile.Write(ms, ch, 44100, enc);
            var data = ms.ToArray().AsSpan(44);
            for (int i = 0; i < n; i++)
                for (int c = 0; c < 3; c++)
                {
                    float x = ch[c][i];
                    int expected = float.IsNaN(x) ? 0 : (int)Math.Clamp(MathF.Round(x * full), -full, full - 1);
                    int p = (i * 3 + c) * bytes;
                    int got = bytes == 2 ? (short)(data[p] | data[p + 1] << 8) : (data[p] | data[p + 1] << 8 | (sbyte)data[p + 2] << 16);
                    Assert.True(expected == got, $"n {n}, sample {i}, channel {c}: {x} -> {got}, expected {expected}");
                }
        }
    }

    [Theory]
    [InlineData(WavEncoding.Pcm16)]
    [InlineData(WavEncoding.Pcm24)]
    [InlineData(WavEncoding.Pcm32)]
    [InlineData(WavEncoding.Float32)]
    public void ReadWriteReadIsLossless(WavEncoding enc)
    {
        var first = RoundTrip(Noise(2, 500, 7), 44100, enc);
        var second = RoundTrip(first.Channels, 44100, enc);
        Assert.Equal(first.Channels[0], second.Channels[0]);
        Assert.Equal(first.Channels[1], second.Channels[1]);
    }

    [Fact]
    public void WritesToFileAndReadsBack()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ns-wav-{Guid.NewGuid():N}.wav");
        try
        {
            WavFile.Write(path, [[0.5f, -0.25f]], 16000);
            var w = WavFile.Read(path);
            Assert.Equal([0.5f, -0.25f], w.Channels[0]);
            Assert.Equal(48, new FileInfo(path).Length);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void FloatFilesCarryTheStandardExtendedFmtAndFactChunk()
    {
        var ms = new MemoryStream();
        WavFile.Write(ms, [new float[7], new float[7]], 8000, WavEncoding.Float32);
        var b = ms.ToArray();
        Assert.Equal(18u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(16)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(36)));  // cbSize
        Assert.True(b.AsSpan(38, 4).SequenceEqual("fact"u8));
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(46)));  // frames
        Assert.True(b.AsSpan(50, 4).SequenceEqual("data"u8));
        Assert.Equal(58 + 7 * 8, b.Length);
    }

    [Fact]
    public void EmptyAudioRoundTrips()
    {
        var back = RoundTrip([[], []], 16000, WavEncoding.Pcm16);
        Assert.Equal(2, back.Channels.Length);
        Assert.Equal(0, back.Frames);
    }

    [Fact]
    public void ExtensiblePcm24StereoIsRead()
    {
        var file = new RiffBuilder()
            .FmtExtensible(1, 2, 48000, 24, 24, 0x3)
            .Chunk("data", RiffBuilder.Pcm24(4194304, -8388608, 1, -1))
            .Build();
        var w = WavFile.Read(file, "ext24.wav");
        Assert.Equal(48000, w.SampleRate);
        Assert.Equal([0.5f, 1f / 8388608], w.Channels[0]);
        Assert.Equal([-1f, -1f / 8388608], w.Channels[1]);
    }

    [Fact]
    public void ExtensibleFloatMonoIsRead()
    {
        var file = new RiffBuilder()
            .FmtExtensible(3, 1, 96000, 32, 32, 0x4)
            .Chunk("data", RiffBuilder.Float32(0.125f, -0.75f, 1.5f))
            .Build();
        var w = WavFile.Read(file, "extf.wav");
        Assert.Equal(96000, w.SampleRate);
        Assert.Equal([0.125f, -0.75f, 1.5f], w.Channels[0]);
    }

    [Fact]
    public void ExtensibleWithFewerValidBitsReadsTheLeftJustifiedContainer()
    {
        // 20 valid bits in a 24-bit container: the low 4 bits are zero, the value reads as usual.
        var file = new RiffBuilder()
            .FmtExtensible(1, 1, 44100, 24, 20, 0x4)
            .Chunk("data", RiffBuilder.Pcm24(-4194304 & ~0xF, 0x7FFFF0))
            .Build();
        var w = WavFile.Read(file, "ext20.wav");
        Assert.Equal(-0.5f, w.Channels[0][0]);
        Assert.Equal(0x7FFFF0 / 8388608f, w.Channels[0][1]);
    }

    [Fact]
    public void ExtensibleWithUnknownSubFormatIsRejected()
    {
        var file = new RiffBuilder()
            .FmtExtensible(1, 1, 44100, 16, 16, 0x4)
            .Chunk("data", RiffBuilder.Pcm16(1, 2))
            .Build();
        file[12 + 8 + 30] ^= 0xFF; // corrupt one GUID byte after the format code
        var e = Assert.Throws<InvalidFileException>(() => WavFile.Read(file, "guid.wav"));
        Assert.Contains("sub-format", e.Message);
        Assert.Equal(12 + 8 + 24, e.Offset);
    }

    [Fact]
    public void OddChunksAreSkippedWithTheirPadByte()
    {
        var file = new RiffBuilder()
            .Chunk("junk", [1, 2, 3])          // odd length, pad byte follows
            .Fmt(1, 1, 16000, 16)
            .ListInfo("NeuralSynth!")          // LIST/INFO between fmt and data
            .Chunk("cue ", [9])
            .Chunk("data", RiffBuilder.Pcm16(16384, -16384, 0))
            .ListInfo("trailing")
            .Build();
        var w = WavFile.Read(file, "odd.wav");
        Assert.Equal([0.5f, -0.5f, 0f], w.Channels[0]);
    }

    [Fact]
    public void OddDataChunkWithoutTrailingPadIsRead()
    {
        var file = new RiffBuilder().Fmt(1, 1, 8000, 24).Chunk("data", RiffBuilder.Pcm24(1, 2, 3), pad: false).Build();
        Assert.Equal(3, WavFile.Read(file, "nopad.wav").Frames);
    }

    [Fact]
    public void Pcm8AndFloat64AreRead()
    {
        var p8 = new RiffBuilder().Fmt(1, 1, 8000, 8).Chunk("data", [0, 128, 255]).Build();
        Assert.Equal([-1f, 0f, 127f / 128], WavFile.Read(p8, "p8.wav").Channels[0]);
        var f64 = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(f64, 0.25);
        BinaryPrimitives.WriteDoubleLittleEndian(f64.AsSpan(8), -2.0);
        var d = new RiffBuilder().Fmt(3, 2, 8000, 64).Chunk("data", f64).Build();
        var w = WavFile.Read(d, "f64.wav");
        Assert.Equal([0.25f], w.Channels[0]);
        Assert.Equal([-2f], w.Channels[1]);
    }

    [Fact]
    public void StreamedFileWithUnknownLengthsReadsToTheEnd()
    {
        var file = new RiffBuilder().Fmt(1, 1, 8000, 16).Chunk("data", RiffBuilder.Pcm16(1, 2, 3, 4), claimedSize: uint.MaxValue).Build(riffSize: uint.MaxValue);
        Assert.Equal(4, WavFile.Read(file, "stream.wav").Frames);
        var zeros = new RiffBuilder().Fmt(1, 1, 8000, 16).Chunk("data", RiffBuilder.Pcm16(1, 2, 3), claimedSize: 0).Build(riffSize: 0);
        Assert.Equal(3, WavFile.Read(zeros, "zeros.wav").Frames);
    }

    [Fact]
    public void PartialLastFrameIsDroppedButRealTruncationThrows()
    {
        // Stereo 16-bit: 3 whole frames + 2 bytes of a fourth.
        var partial = new RiffBuilder().Fmt(1, 2, 8000, 16).Chunk("data", RiffBuilder.Pcm16(1, 2, 3, 4, 5, 6, 7), pad: false, claimedSize: 16).Build();
        Assert.Equal(3, WavFile.Read(partial, "partial.wav").Frames);
        var truncated = new RiffBuilder().Fmt(1, 2, 8000, 16).Chunk("data", RiffBuilder.Pcm16(1, 2, 3, 4), claimedSize: 1000).Build();
        var e = Assert.Throws<InvalidFileException>(() => WavFile.Read(truncated, "trunc.wav"));
        Assert.Equal("trunc.wav", e.Path);
        Assert.Equal(12 + 24 + 4, e.Offset);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("trunc.wav", e.Message);
        Assert.Contains("at byte 40", e.Message);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("notriff")]
    [InlineData("notwave")]
    [InlineData("rifx")]
    [InlineData("nofmt")]
    [InlineData("databeforefmt")]
    [InlineData("adpcm")]
    [InlineData("blockalign")]
    [InlineData("zerochannels")]
    [InlineData("bits12")]
    [InlineData("rate0")]
    [InlineData("nodata")]
    [InlineData("chunkpastend")]
    [InlineData("fmtshort")]
    public void MalformedFilesThrowInvalidFileException(string kind)
    {
        var good = new RiffBuilder().Fmt(1, 1, 8000, 16).Chunk("data", RiffBuilder.Pcm16(1, 2)).Build();
        byte[] file = kind switch
        {
            "short" => good[..10],
            "notriff" => [.. "RIFX"u8.ToArray().Select(b => (byte)(b ^ 1)), .. good[4..]],
            "notwave" => [.. good[..8], .. "AVI "u8.ToArray(), .. good[12..]],
            "rifx" => [.. "RIFX"u8.ToArray(), .. good[4..]],
            "nofmt" => new RiffBuilder().Chunk("data", RiffBuilder.Pcm16(1)).Build(),
            "databeforefmt" => new RiffBuilder().Chunk("data", RiffBuilder.Pcm16(1)).Fmt(1, 1, 8000, 16).Build(),
            "adpcm" => new RiffBuilder().Fmt(2, 1, 8000, 16).Chunk("data", RiffBuilder.Pcm16(1)).Build(),
            "blockalign" => Patch(good, 32, 3),
            "zerochannels" => Patch(good, 22, 0),
            "bits12" => new RiffBuilder().Fmt(1, 1, 8000, 12).Chunk("data", RiffBuilder.Pcm16(1)).Build(),
            "rate0" => new RiffBuilder().Fmt(1, 1, 0, 16).Chunk("data", RiffBuilder.Pcm16(1)).Build(),
            "nodata" => new RiffBuilder().Fmt(1, 1, 8000, 16).ListInfo("x").Build(),
            "chunkpastend" => new RiffBuilder().Chunk("junk", [1, 2], claimedSize: 5000).Build(),
            "fmtshort" => new RiffBuilder().Chunk("fmt ", new byte[14]).Build(),
            _ => throw new ArgumentException(kind),
        };
        var e = Assert.Throws<InvalidFileException>(() => WavFile.Read(file, kind + ".wav"));
        Assert.StartsWith(kind + ".wav: ", e.Message);
        Assert.InRange(e.Offset, 0, file.Length);
    }

    static byte[] Patch(byte[] f, int at, ushort v)
    {
        var c = (byte[])f.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(c.AsSpan(at), v);
        return c;
    }

    [Fact]
    public void MissingFileIsAnInvalidFileException()
    {
        var e = Assert.Throws<InvalidFileException>(() => WavFile.Read("/nonexistent/x.wav"));
        Assert.Contains("/nonexistent/x.wav", e.Message);
    }

    [Fact]
    public void WriterRejectsBadArguments()
    {
        var ms = new MemoryStream();
        Assert.Throws<ArgumentException>(() => WavFile.Write(ms, [], 16000));
        Assert.Throws<ArgumentException>(() => WavFile.Write(ms, [new float[3], new float[4]], 16000));
        Assert.Throws<ArgumentOutOfRangeException>(() => WavFile.Write(ms, [new float[3]], 0));
    }
}
