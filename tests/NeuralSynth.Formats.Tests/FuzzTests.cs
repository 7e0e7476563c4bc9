using System.Buffers.Binary;
using System.Text;

namespace NeuralSynth.Formats.Tests;

/// Seeded fuzzing of every parser: 1,000 random and 1,000 mutated inputs each. Every outcome must be a
/// successful parse or an InvalidFileException, and no parse may allocate more than the input justifies
/// (64 x its size + 64 KB), which is what stops a header claiming gigabytes from allocating them.
public class FuzzTests
{
    const int Cases = 1000;

    /// Returns whether the input parsed (true) or was rejected with InvalidFileException (false).
    static bool Parse(string format, int index, byte[] input, Action<byte[]> parse)
    {
        bool ok = false;
        long before = GC.GetAllocatedBytesForCurrentThread();
        try { parse(input); ok = true; }
        catch (InvalidFileException e)
        {
            if (e.Offset < 0 || e.Offset > input.Length)
                Assert.Fail($"{format} case {index}: offset {e.Offset} outside the {input.Length}-byte input: {e.Message}");
        }
        catch (Exception e)
        {
            Assert.Fail($"{format} case {index} ({input.Length} bytes, starts {Convert.ToHexString(input.AsSpan(0, Math.Min(48, input.Length)))}): {e.GetType().Name}: {e.Message}");
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long bound = 64L * input.Length + 64 * 1024;
        Assert.True(allocated <= bound, $"{format} case {index}: parsing {input.Length} bytes allocated {allocated} (bound {bound})");
        return ok;
    }

    /// A fuzzer whose inputs all fail at the first byte tests little: both outcomes must be common.
    static void AssertMix(string format, int parsed)
    {
        Assert.True(parsed >= Cases / 25 && parsed <= Cases * 9 / 10, $"{format}: {parsed} of {Cases} inputs parsed; the generator no longer reaches deep into the format");
    }

    // ---------------------------------------------------------------- mutations shared by all formats

    /// Bit flips, byte overwrites with boundary values, truncation, insertion, deletion, or a 32/64-bit
    /// field overwritten with a hostile size (sizeFields lists where the format keeps its lengths).
    static byte[] Mutate(Random rng, byte[] seed, IReadOnlyList<(int Offset, int Width, bool BigEndian)> sizeFields)
    {
        var b = (byte[])seed.Clone();
        int kind = rng.Next(6);
        switch (kind)
        {
            case 0: // bit flips
                for (int i = rng.Next(1, 9); i > 0 && b.Length > 0; i--) b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                return b;
            case 1: // boundary bytes
                byte[] vals = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE];
                for (int i = rng.Next(1, 5); i > 0 && b.Length > 0; i--) b[rng.Next(b.Length)] = vals[rng.Next(vals.Length)];
                return b;
            case 2: // truncation
                return b[..rng.Next(b.Length + 1)];
            case 3: // insert random bytes
            {
                int at = rng.Next(b.Length + 1);
                var ins = new byte[rng.Next(1, 17)];
                rng.NextBytes(ins);
                return [.. b[..at], .. ins, .. b[at..]];
            }
            case 4: // delete a run
            {
                if (b.Length == 0) return b;
                int at = rng.Next(b.Length), n = Math.Min(b.Length - at, rng.Next(1, 17));
                return [.. b[..at], .. b[(at + n)..]];
            }
            default: // size-field corruption
            {
                if (sizeFields.Count == 0) return b;
                var (off, width, be) = sizeFields[rng.Next(sizeFields.Count)];
                if (off + width > b.Length) return b;
                ulong old = width == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(off))
                          : be ? BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(off)) : BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(off));
                ulong[] hostile = [0, 1, old + 1, old - 1, old * 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 4_000_000_000, (ulong)b.Length, (ulong)rng.NextInt64()];
                ulong v = hostile[rng.Next(hostile.Length)];
                if (width == 8) { if (rng.Next(2) == 0) v = ulong.MaxValue - (ulong)rng.Next(16); BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(off), v); }
                else if (be) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(off), (uint)v);
                else BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(off), (uint)v);
                return b;
            }
        }
    }

    static byte[] RandomBytes(Random rng, int maxLength)
    {
        var b = new byte[rng.Next(maxLength + 1)];
        rng.NextBytes(b);
        return b;
    }

    // ---------------------------------------------------------------- WAV

    static byte[][] WavSeeds()
    {
        var seeds = new List<byte[]>();
        var rng = new Random(11);
        foreach (var enc in Enum.GetValues<WavEncoding>())
            foreach (int ch in new[] { 1, 2 })
            {
                var audio = Enumerable.Range(0, ch).Select(_ => Enumerable.Range(0, 37).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray()).ToArray();
                var ms = new MemoryStream();
                WavFile.Write(ms, audio, 16000 + ch, enc);
                seeds.Add(ms.ToArray());
            }
        seeds.Add(new RiffBuilder().FmtExtensible(1, 2, 48000, 24, 20, 3).ListInfo("fuzz").Chunk("data", RiffBuilder.Pcm24(1, 2, 3, 4, 5)).Build());
        seeds.Add(new RiffBuilder().Chunk("junk", [1, 2, 3]).FmtExtensible(3, 1, 44100, 32, 32, 4).Chunk("data", RiffBuilder.Float32(0.5f, -0.5f)).ListInfo("end").Build());
        return [.. seeds];
    }

    static List<(int, int, bool)> RiffSizeFields(byte[] f)
    {
        var list = new List<(int, int, bool)> { (4, 4, false) };
        int pos = 12;
        while (pos + 8 <= f.Length)
        {
            list.Add((pos + 4, 4, false));
            if (f.AsSpan(pos, 4).SequenceEqual("fmt "u8))
            {
                list.Add((pos + 8, 4, false));  // format tag + channels
                list.Add((pos + 12, 4, false)); // sample rate
                list.Add((pos + 20, 4, false)); // block align + bits
            }
            pos += 8 + (int)BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(pos + 4)) + (f[pos + 4] & 1);
        }
        return list;
    }

    static byte[] RandomWav(Random rng)
    {
        switch (rng.Next(3))
        {
            case 0: return RandomBytes(rng, 400);
            case 1: return [.. "RIFF"u8.ToArray(), (byte)rng.Next(256), (byte)rng.Next(256), 0, 0, .. "WAVE"u8.ToArray(), .. RandomBytes(rng, 400)];
            default:
            {
                // Random chunk sequences: usually a sane fmt (plain or extensible) and a data chunk of whole
                // frames, among other chunks, with now and then a hostile size, field or missing pad byte.
                var rb = new RiffBuilder();
                int channels = rng.Next(8) == 0 ? rng.Next(65536) : rng.Next(1, 3);
                ushort tag = rng.Next(10) == 0 ? (ushort)rng.Next(65536) : (ushort)(rng.Next(2) == 0 ? 1 : 3);
                int[] pcmBits = [8, 16, 24, 32], floatBits = [32, 64];
                int bits = rng.Next(10) == 0 ? rng.Next(65536) : tag == 3 ? floatBits[rng.Next(2)] : pcmBits[rng.Next(4)];
                int rate = rng.Next(10) == 0 ? rng.Next(int.MinValue, int.MaxValue) : rng.Next(1, 200000);
                string[] extra = ["LIST", "junk", "fact", "cue ", "\0\0\0\0"];
                for (int i = rng.Next(3); i > 0; i--) rb.Chunk(extra[rng.Next(extra.Length)], RandomBytes(rng, 40), pad: rng.Next(10) != 0);
                if (rng.Next(10) != 0)
                {
                    if (rng.Next(3) == 0) rb.FmtExtensible(tag, channels, rate, bits, rng.Next(6) == 0 ? rng.Next(65536) : bits, (uint)rng.Next());
                    else rb.Fmt(tag, channels, rate, bits);
                }
                for (int i = rng.Next(2); i > 0; i--) rb.Chunk(extra[rng.Next(extra.Length)], RandomBytes(rng, 40));
                long frameBytes = Math.Max(1L, (long)channels * Math.Max(1, bits / 8));
                var data = new byte[rng.Next(8) == 0 ? rng.Next(300) : (int)Math.Min(frameBytes * rng.Next(40), 4096)];
                rng.NextBytes(data);
                uint? claimed = rng.Next(8) == 0 ? (uint)rng.NextInt64(0, 1L << 32) : null;
                if (rng.Next(10) != 0) rb.Chunk("data", data, pad: rng.Next(4) != 0, claimedSize: claimed);
                if (rng.Next(4) == 0) rb.ListInfo("after");
                return rb.Build(rng.Next(6) == 0 ? (uint)rng.NextInt64(0, 1L << 32) : null);
            }
        }
    }

    static void ParseWav(byte[] b) => WavFile.Read(b, "fuzz.wav");

    [Fact]
    public void WavRandomInputs()
    {
        var rng = new Random(1001);
        Parse("wav", -1, WavSeeds()[0], ParseWav); // warm up JIT and statics outside the measured cases
        Parse("wav", -1, [1, 2, 3], ParseWav);
        int parsed = 0;
        for (int i = 0; i < Cases; i++) if (Parse("wav-random", i, RandomWav(rng), ParseWav)) parsed++;
        AssertMix("wav-random", parsed);
    }

    [Fact]
    public void WavMutatedInputs()
    {
        var rng = new Random(1002);
        var seeds = WavSeeds();
        var fields = seeds.Select(RiffSizeFields).ToArray();
        Parse("wav", -1, seeds[0], ParseWav);
        Parse("wav", -1, [1, 2, 3], ParseWav);
        int parsed = 0;
        for (int i = 0; i < Cases; i++)
        {
            int s = rng.Next(seeds.Length);
            if (Parse("wav-mutated", i, Mutate(rng, seeds[s], fields[s]), ParseWav)) parsed++;
        }
        AssertMix("wav-mutated", parsed);
    }

    [Fact]
    public void WavHeaderClaimingGigabytesInATinyFileThrowsWithoutAllocating()
    {
        var file = new RiffBuilder().Fmt(1, 2, 44100, 16).Chunk("data", new byte[40], claimedSize: 4_000_000_000).Build();
        Parse("wav", -1, WavSeeds()[0], ParseWav);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidFileException>(() => WavFile.Read(file, "big.wav"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024);
    }

    // ---------------------------------------------------------------- MIDI

    static byte[][] MidiSeeds()
    {
        var seeds = new List<byte[]>();
        foreach (bool zeroVel in new[] { false, true })
        {
            var w = new MidiWriter(96) { NoteOffAsZeroVelocity = zeroVel };
            w.AddTrack("Keys").Tempo(0, 104).TimeSignature(0, 4, 4).ProgramChange(0, 0, 0)
                .Note(0, 96, 0, 60, 80).Note(0, 96, 0, 64, 70).ControlChange(48, 0, 64, 127).ControlChange(190, 0, 64, 0).Tempo(192, 90);
            w.AddTrack("Lead").ProgramChange(0, 2, 73).PitchBend(0, 2, -4096).PitchBend(24, 2, 0).Note(0, 200, 2, 72, 100).ControlChange(10, 2, 1, 64);
            seeds.Add(w.ToArray());
        }
        // Format 0 with sysex, escape, text and an unknown chunk.
        byte[] track = [0x00, 0xF0, 0x03, 0x7E, 0x7F, 0xF7, 0x00, 0x90, 0x3C, 0x64, 0x00, 0x40, 0x50, 0x60, 0x3C, 0x00, 0x00, 0xF7, 0x01, 0xF8,
                        0x00, 0xFF, 0x01, 0x02, 0x41, 0x42, 0x00, 0x40, 0x00, 0x00, 0xFF, 0x2F, 0x00];
        var f0 = new MemoryStream();
        f0.Write("MThd"u8); f0.Write([0, 0, 0, 6, 0, 0, 0, 1, 0xE7, 0x28]);
        f0.Write("XFIH"u8); f0.Write([0, 0, 0, 2, 9, 9]);
        f0.Write("MTrk"u8); f0.Write([0, 0, 0, (byte)track.Length]); f0.Write(track);
        seeds.Add(f0.ToArray());
        return [.. seeds];
    }

    static List<(int, int, bool)> MidiSizeFields(byte[] f)
    {
        var list = new List<(int, int, bool)> { (4, 4, true), (8, 4, true), (10, 4, true) };
        int pos = 14;
        while (pos + 8 <= f.Length)
        {
            list.Add((pos + 4, 4, true));
            pos += 8 + (int)BinaryPrimitives.ReadUInt32BigEndian(f.AsSpan(pos + 4));
        }
        return list;
    }

    static byte[] RandomMidi(Random rng)
    {
        switch (rng.Next(3))
        {
            case 0: return RandomBytes(rng, 400);
            case 1: return [.. "MThd"u8.ToArray(), 0, 0, 0, 6, .. RandomBytes(rng, 400)];
            default:
            {
                // A mostly sane header and tracks of random events drawn from the message vocabulary, with
                // now and then a wrong length, a stray byte, an overlong number or a bad status.
                var ms = new MemoryStream();
                int tracks = rng.Next(1, 4);
                int format = rng.Next(20) == 0 ? rng.Next(4) : tracks == 1 ? rng.Next(2) : 1;
                int division = rng.Next(10) switch { 0 => 0xE728, 1 => rng.Next(65536), _ => rng.Next(1, 1000) };
                ms.Write("MThd"u8);
                ms.Write([0, 0, 0, 6, 0, (byte)format, 0, (byte)tracks, (byte)(division >> 8), (byte)division]);
                for (int t = 0; t < tracks; t++)
                {
                    var body = new MemoryStream();
                    bool haveStatus = false;
                    for (int e = rng.Next(60); e > 0; e--)
                    {
                        int delta = rng.Next(4) == 0 ? rng.Next(1 << 21) : rng.Next(128);
                        if (delta >= 1 << 14) body.WriteByte((byte)(0x80 | delta >> 14));
                        if (delta >= 1 << 7) body.WriteByte((byte)(0x80 | (delta >> 7 & 0x7F)));
                        body.WriteByte((byte)(delta & 0x7F));
                        if (rng.Next(100) == 0) body.Write([0x81, 0x81, 0x81, 0x81]);
                        int kind = rng.Next(20);
                        if (kind < 12)
                        {
                            // Channel message, sometimes under running status.
                            int type = 0x80 + 0x10 * rng.Next(7);
                            if (!haveStatus || rng.Next(3) != 0) { body.WriteByte((byte)(type | rng.Next(16))); haveStatus = true; }
                            int n = type is 0xC0 or 0xD0 ? 1 : 2;
                            for (int k = 0; k < n; k++) body.WriteByte((byte)(rng.Next(500) == 0 ? rng.Next(256) : rng.Next(128)));
                        }
                        else if (kind < 17)
                        {
                            byte[] metas = [0x03, 0x51, 0x51, 0x58, 0x01, 0x2F, (byte)rng.Next(256)];
                            byte meta = metas[rng.Next(metas.Length)];
                            int len = meta == 0x51 ? 3 : rng.Next(8);
                            if (rng.Next(20) == 0) len = rng.Next(256);
                            body.Write([0xFF, meta]);
                            body.WriteByte((byte)(len & 0x7F));
                            for (int k = 0; k < Math.Min(len & 0x7F, 8); k++) body.WriteByte((byte)rng.Next(256));
                        }
                        else if (kind < 19)
                        {
                            int len = rng.Next(6);
                            body.Write([(byte)(rng.Next(2) == 0 ? 0xF0 : 0xF7), (byte)len]);
                            for (int k = 0; k < len; k++) body.WriteByte((byte)rng.Next(128));
                        }
                        else body.WriteByte((byte)rng.Next(256)); // anything at all
                    }
                    if (rng.Next(3) != 0) body.Write([0x00, 0xFF, 0x2F, 0x00]);
                    var bytes = body.ToArray();
                    int chunkLen = rng.Next(10) == 0 ? rng.Next() : bytes.Length;
                    ms.Write("MTrk"u8);
                    ms.Write([(byte)(chunkLen >> 24), (byte)(chunkLen >> 16), (byte)(chunkLen >> 8), (byte)chunkLen]);
                    ms.Write(bytes);
                }
                return ms.ToArray();
            }
        }
    }

    static void ParseMidi(byte[] b)
    {
        var f = MidiFile.Read(b, "fuzz.mid");
        if (f.Format > 1) throw new InvalidOperationException("format 2 must be rejected");
    }

    static void UseMidi(byte[] b)
    {
        // Outside the allocation measurement: the note pairing must also cope with whatever parsed.
        MidiFile f;
        try { f = MidiFile.Read(b, "fuzz.mid"); } catch (InvalidFileException) { return; }
        for (int t = 0; t < f.Tracks.Count; t++)
        {
            foreach (var n in f.Notes(t, applySustain: t % 2 == 0))
                Assert.True(n.Duration >= 0 && n.EndTick >= n.StartTick && double.IsFinite(n.Start));
            for (int i = 1; i < f.Tracks[t].Events.Count; i++)
                Assert.True(f.Tracks[t].Events[i].Seconds >= f.Tracks[t].Events[i - 1].Seconds);
        }
    }

    [Fact]
    public void MidiRandomInputs()
    {
        var rng = new Random(2001);
        Parse("mid", -1, MidiSeeds()[0], ParseMidi);
        Parse("mid", -1, [1, 2, 3], ParseMidi);
        UseMidi(MidiSeeds()[0]);
        int parsed = 0;
        for (int i = 0; i < Cases; i++)
        {
            var input = RandomMidi(rng);
            if (Parse("mid-random", i, input, ParseMidi)) parsed++;
            UseMidi(input);
        }
        AssertMix("mid-random", parsed);
    }

    [Fact]
    public void MidiMutatedInputs()
    {
        var rng = new Random(2002);
        var seeds = MidiSeeds();
        var fields = seeds.Select(MidiSizeFields).ToArray();
        Parse("mid", -1, seeds[0], ParseMidi);
        Parse("mid", -1, [1, 2, 3], ParseMidi);
        int parsed = 0;
        for (int i = 0; i < Cases; i++)
        {
            int s = rng.Next(seeds.Length);
            var input = Mutate(rng, seeds[s], fields[s]);
            if (Parse("mid-mutated", i, input, ParseMidi)) parsed++;
            UseMidi(input);
        }
        AssertMix("mid-mutated", parsed);
    }

    [Fact]
    public void MidiTrackClaimingGigabytesInATinyFileThrowsWithoutAllocating()
    {
        var f = MidiSeeds()[0];
        Parse("mid", -1, f, ParseMidi);
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(18), 0xFFFFFFF0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidFileException>(() => MidiFile.Read(f, "big.mid"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024);
        Assert.Equal(18, e.Offset);
    }

    // ---------------------------------------------------------------- safetensors

    static byte[][] SafeTensorsSeeds()
    {
        var rng = new Random(31);
        var seeds = new List<byte[]>();
        var ms = new MemoryStream();
        SafeTensors.Write(ms,
        [
            TensorData.FromFloats("layer.0.weight", Enumerable.Range(0, 12).Select(_ => (float)rng.NextDouble()).ToArray(), [3, 4]),
            TensorData.FromFloats("layer.0.bias", [1, 2, 3], [3], "F16"),
            TensorData.FromFloats("layer.1.scale", [4, 5], [2], "BF16"),
            TensorData.FromInt64s("steps", [42], []),
            new TensorData("flags", "BOOL", [3], [1, 0, 1]),
        ], new Dictionary<string, string> { ["format"] = "pt", ["config"] = "{\"channels\":64}" });
        seeds.Add(ms.ToArray());
        ms = new MemoryStream();
        SafeTensors.Write(ms, [TensorData.FromFloats("w", [1, 2, 3, 4, 5, 6], [2, 3])]);
        seeds.Add(ms.ToArray());
        return [.. seeds];
    }

    // Mutations that keep the JSON well formed but change numbers, names and dtypes inside it.
    static byte[] MutateHeaderText(Random rng, byte[] seed)
    {
        long n = BinaryPrimitives.ReadInt64LittleEndian(seed);
        string json = Encoding.UTF8.GetString(seed, 8, (int)n);
        var digits = Enumerable.Range(0, json.Length).Where(i => char.IsDigit(json[i])).ToList();
        string[] replacements = ["0", "9", "99999999999", "18446744073709551615", "-1", "1.5", "1e3", "\"x\"", "null", "[]", "[0,0]"];
        string mutated = rng.Next(3) switch
        {
            0 when digits.Count > 0 => json.Remove(digits[rng.Next(digits.Count)], 1).Insert(digits[rng.Next(digits.Count)] % json.Length, replacements[rng.Next(replacements.Length)]),
            1 => json.Replace(new[] { "\"F32\"", "\"F16\"", "\"BF16\"", "\"I64\"", "\"BOOL\"" }[rng.Next(5)], new[] { "\"U8\"", "\"F64\"", "\"F12\"", "3", "\"\"" }[rng.Next(5)]),
            _ => json.Replace(new[] { "\"shape\"", "\"dtype\"", "\"data_offsets\"", "\"__metadata__\"", "\"steps\"" }[rng.Next(5)], new[] { "\"shape_\"", "\"w\"", "\"layer.0.bias\"", "\"dtype\"", "\"__metadata__\"" }[rng.Next(5)]),
        };
        var h = Encoding.UTF8.GetBytes(mutated);
        var data = seed.AsSpan(8 + (int)n);
        var f = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(f, (ulong)h.Length);
        h.CopyTo(f, 8);
        data.CopyTo(f.AsSpan(8 + h.Length));
        return f;
    }

    static byte[] RandomSafeTensors(Random rng)
    {
        switch (rng.Next(3))
        {
            case 0: return RandomBytes(rng, 400);
            case 1:
            {
                var body = RandomBytes(rng, 400);
                if (body.Length > 0 && rng.Next(2) == 0) body[0] = (byte)'{';
                var f = new byte[8 + body.Length];
                BinaryPrimitives.WriteUInt64LittleEndian(f, rng.Next(2) == 0 ? (ulong)rng.Next(body.Length + 1) : (ulong)rng.NextInt64());
                body.CopyTo(f, 8);
                return f;
            }
            default:
            {
                // Random headers from the format's vocabulary, with random data sizes.
                var sb = new StringBuilder("{");
                string[] dtypes = ["F32", "F16", "BF16", "I64", "U8", "BOOL", "X", "F64"];
                long offset = 0;
                int count = rng.Next(5);
                for (int i = 0; i < count; i++)
                {
                    if (i > 0) sb.Append(',');
                    if (rng.Next(5) == 0) { sb.Append("\"__metadata__\":{\"a\":\"b\"}"); continue; }
                    var dims = Enumerable.Range(0, rng.Next(4)).Select(_ => (long)rng.Next(5)).ToArray();
                    string dtype = dtypes[rng.Next(dtypes.Length)];
                    long bytes = (TensorData.CountElements(dims) ?? 0) * Math.Max(1, TensorData.DTypeSize(dtype));
                    long begin = rng.Next(6) == 0 ? rng.Next(64) : offset, end = rng.Next(6) == 0 ? rng.NextInt64() : begin + bytes;
                    sb.Append($"\"t{(rng.Next(8) == 0 ? 0 : i)}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(',', dims)}],\"data_offsets\":[{begin},{end}]}}");
                    offset = end;
                }
                sb.Append('}');
                if (rng.Next(10) == 0) sb.Append(new string('[', rng.Next(100)));
                var h = Encoding.UTF8.GetBytes(sb.ToString());
                var data = new byte[Math.Clamp(offset + rng.Next(-2, 3), 0, 4096)];
                var f = new byte[8 + h.Length + data.Length];
                BinaryPrimitives.WriteUInt64LittleEndian(f, (ulong)h.Length);
                h.CopyTo(f, 8);
                return f;
            }
        }
    }

    static void ParseSafeTensors(byte[] b)
    {
        foreach (var t in SafeTensors.Read(b, "fuzz.safetensors").Values)
            if (t.DType is "F32" or "F16" or "BF16" or "F64") t.ToFloats();
    }

    static string Outcome(Func<IReadOnlyDictionary<string, TensorData>> read)
    {
        try
        {
            var d = read();
            return string.Join(";", d.Values.Select(t => $"{t.Name}:{t.DType}:{string.Join(',', t.Shape)}:{Convert.ToHexString(t.Data)}"));
        }
        catch (InvalidFileException e) { return "error at " + e.Offset; }
    }

    [Fact]
    public void SafeTensorsRandomInputs()
    {
        var rng = new Random(3001);
        Parse("st", -1, SafeTensorsSeeds()[0], ParseSafeTensors);
        Parse("st", -1, [1, 2, 3], ParseSafeTensors);
        int parsed = 0;
        for (int i = 0; i < Cases; i++) if (Parse("st-random", i, RandomSafeTensors(rng), ParseSafeTensors)) parsed++;
        AssertMix("st-random", parsed);
    }

    [Fact]
    public void SafeTensorsMutatedInputs()
    {
        var rng = new Random(3002);
        var seeds = SafeTensorsSeeds();
        Parse("st", -1, seeds[0], ParseSafeTensors);
        Parse("st", -1, [1, 2, 3], ParseSafeTensors);
        var path = Path.Combine(Path.GetTempPath(), $"ns-fuzz-{Guid.NewGuid():N}.safetensors");
        int parsed = 0;
        try
        {
            for (int i = 0; i < Cases; i++)
            {
                var seed = seeds[rng.Next(seeds.Length)];
                var input = rng.Next(3) == 0 ? MutateHeaderText(rng, seed) : Mutate(rng, seed, [(0, 8, false)]);
                if (Parse("st-mutated", i, input, ParseSafeTensors)) parsed++;
                if (i % 10 == 0)
                {
                    // The file-based reader (a FileStream, no whole-file buffer) must agree with the in-memory one.
                    File.WriteAllBytes(path, input);
                    Assert.Equal(Outcome(() => SafeTensors.Read(input, path)), Outcome(() => SafeTensors.Read(path)));
                }
            }
        }
        finally { File.Delete(path); }
        AssertMix("st-mutated", parsed);
    }
}
