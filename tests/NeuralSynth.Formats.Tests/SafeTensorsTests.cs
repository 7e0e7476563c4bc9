using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace NeuralSynth.Formats.Tests;

public class SafeTensorsTests
{
    static byte[] File(string json, int dataBytes, int pad = 0)
    {
        var h = Encoding.UTF8.GetBytes(json + new string(' ', pad));
        var f = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(f, (ulong)h.Length);
        h.CopyTo(f, 8);
        for (int i = 0; i < dataBytes; i++) f[8 + h.Length + i] = (byte)(i * 7 + 1);
        return f;
    }

    static byte[] ToBytes(IEnumerable<TensorData> t, IReadOnlyDictionary<string, string>? meta = null)
    {
        var ms = new MemoryStream();
        SafeTensors.Write(ms, t, meta);
        return ms.ToArray();
    }

    [Fact]
    public void ReadsTheReferenceImplementationsTestFile()
    {
        // The byte string of test_deserialization in huggingface/safetensors (Rust): a 2x2 I32 of zeros.
        var f = File("{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 16);
        Array.Clear(f, 68, 16);
        Assert.Equal(0x3C, f[0]);
        var t = SafeTensors.Read(f, "ref.safetensors")["test"];
        Assert.Equal("I32", t.DType);
        Assert.Equal([2L, 2], t.Shape);
        Assert.Equal([0L, 0, 0, 0], t.ToInt64s());
    }

    [Fact]
    public void RoundTripsEveryKindWithMetadata()
    {
        var rng = new Random(3);
        var w = Enumerable.Range(0, 24).Select(_ => (float)rng.NextDouble() * 4 - 2).ToArray();
        var tensors = new List<TensorData>
        {
            TensorData.FromFloats("gen.conv1.weight", w, [2, 3, 4]),
            TensorData.FromFloats("gen.conv1.bias", [0.5f, -1.25f, 65504f], [3], "F16"),
            TensorData.FromFloats("gen.norm.scale", [1f, -3.5f, 1e30f], [3], "BF16"),
            TensorData.FromInt64s("bn.num_batches_tracked", [12345678901L], []),
            new TensorData("mask", "U8", [5], [1, 0, 1, 1, 0]),
            TensorData.FromFloats("empty", [], [0, 7]),
            new TensorData("double", "F64", [1], BitConverter.GetBytes(0.1)),
        };
        var meta = new Dictionary<string, string> { ["config"] = "{\"rate\":16000}", ["ünïcode"] = "♪ \"quoted\" +<>" };
        var bytes = ToBytes(tensors, meta);
        var back = SafeTensors.Read(bytes, "rt.safetensors", out var meta2);
        Assert.Equal(meta, meta2);
        Assert.Equal(tensors.Count, back.Count);
        foreach (var t in tensors)
        {
            var b = back[t.Name];
            Assert.Equal(t.DType, b.DType);
            Assert.Equal(t.Shape, b.Shape);
            Assert.Equal(t.Data, b.Data);
        }
        Assert.Equal(w, back["gen.conv1.weight"].ToFloats());
        Assert.Equal([0.5f, -1.25f, 65504f], back["gen.conv1.bias"].ToFloats());
        var bf = back["gen.norm.scale"].ToFloats();
        Assert.Equal([1f, -3.5f], bf[..2]);
        Assert.True(Math.Abs(bf[2] / 1e30f - 1) < 1.0 / 256, $"bf16 of 1e30 read back as {bf[2]}");
        Assert.Equal([12345678901L], back["bn.num_batches_tracked"].ToInt64s());
        Assert.Equal(0.1f, back["double"].ToFloats()[0]);
        Assert.Empty(back["empty"].ToFloats());
    }

    [Fact]
    public void LayoutIsPaddedAlignedAndReadableAsPlainJson()
    {
        var bytes = ToBytes([new TensorData("a", "U8", [3], [1, 2, 3]), TensorData.FromFloats("b", [1f, 2f], [2]), TensorData.FromInt64s("c", [7], [1])],
                            new Dictionary<string, string> { ["k"] = "v" });
        long n = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        Assert.Equal("v", doc.RootElement.GetProperty("__metadata__").GetProperty("k").GetString());
        long Begin(string name) => doc.RootElement.GetProperty(name).GetProperty("data_offsets")[0].GetInt64();
        // Widest dtype first: every tensor starts at a multiple of its element size.
        Assert.Equal(0, Begin("c"));
        Assert.Equal(8, Begin("b"));
        Assert.Equal(16, Begin("a"));
        Assert.Equal(8 + n + 19, bytes.Length);
    }

    [Fact]
    public void BFloat16RoundsHalfToEvenAndF16Saturates()
    {
        // 1 + 2^-8 is halfway between bf16 1 and 1 + 2^-7: ties go to even (1). 1 + 3*2^-8 goes up to 1 + 2^-6.
        var t = TensorData.FromFloats("x", [1f + 1f / 256, 1f + 3f / 256, float.NaN, float.NegativeInfinity], [4], "BF16");
        var v = t.ToFloats();
        Assert.Equal(1f, v[0]);
        Assert.Equal(1f + 1f / 64, v[1]);
        Assert.True(float.IsNaN(v[2]));
        Assert.Equal(float.NegativeInfinity, v[3]);
        Assert.Equal(float.PositiveInfinity, TensorData.FromFloats("h", [1e6f], [1], "F16").ToFloats()[0]);
    }

    [Fact]
    public void WritesFilesAtomicallyAndReadsThemAndTheirMetadata()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ns-st-{Guid.NewGuid():N}.safetensors");
        try
        {
            var dict = new Dictionary<string, TensorData> { ["w"] = TensorData.FromFloats("w", [1, 2, 3, 4], [2, 2]) };
            SafeTensors.Write(path, dict, new Dictionary<string, string> { ["format"] = "pt" });
            Assert.Equal(new Dictionary<string, string> { ["format"] = "pt" }, SafeTensors.ReadMetadata(path));
            var back = SafeTensors.Read(path);
            Assert.Equal([1f, 2f, 3f, 4f], back["w"].ToFloats());
            Assert.False(System.IO.File.Exists(path + ".tmp" + Environment.ProcessId));
            var e = Assert.Throws<InvalidFileException>(() => SafeTensors.Read(path + ".missing"));
            Assert.Contains(".missing", e.Message);
        }
        finally { System.IO.File.Delete(path); }
    }

    [Fact]
    public void WriterRejectsDuplicatesAndReservedNames()
    {
        var a = TensorData.FromFloats("a", [1], [1]);
        Assert.Throws<ArgumentException>(() => ToBytes([a, a]));
        Assert.Throws<ArgumentException>(() => ToBytes([TensorData.FromFloats("__metadata__", [1], [1])]));
        Assert.Throws<ArgumentException>(() => new TensorData("bad", "F32", [3], new byte[8]));
        Assert.Throws<ArgumentException>(() => new TensorData("bad", "Q4", [1], new byte[1]));
        Assert.Throws<InvalidOperationException>(() => new TensorData("m", "U8", [1], [1]).ToFloats());
    }

    public static TheoryData<string, string, int, string> Malformed => new()
    {
        // name, header JSON, data bytes, expected fragment of the message
        { "notjson", "{\"a\":{\"dtype\":\"F32\",", 0, "malformed JSON" },
        { "notobject", "[1,2]", 0, "does not start with '{'" },
        { "trailing", "{} {}", 0, "malformed JSON" },
        { "unknowndtype", "{\"w\":{\"dtype\":\"F12\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "unknown dtype \"F12\"" },
        { "sizemismatch", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20, "\"w\": shape [2, 3] of F32 is 24 bytes" },
        { "pastend", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, "truncated" },
        { "gap", "{\"w\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", 4, "\"w\" starts at buffer byte 2" },
        { "overlap", "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", 4, "overlaps" },
        { "garbage", "{\"w\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 5, "trailing garbage" },
        { "reversed", "{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[3,1]}}", 3, "end before they begin" },
        { "negative", "{\"w\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0, "non-negative" },
        { "float", "{\"w\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,0]}}", 0, "non-negative integers" },
        { "overflow", "{\"w\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0, "overflows" },
        { "duplicate", "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2, "duplicate tensor \"w\"" },
        { "missing", "{\"w\":{\"dtype\":\"U8\",\"shape\":[1]}}", 1, "lacks data_offsets" },
        { "threeoffsets", "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", 1, "more than 2" },
        { "metanumber", "{\"__metadata__\":{\"k\":1}}", 0, "must be a string" },
        { "tensornotobject", "{\"w\":[1]}", 0, "must be an object" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedHeadersThrowNamingFileOffsetAndTensor(string name, string json, int dataBytes, string fragment)
    {
        var f = File(json, dataBytes);
        var e = Assert.Throws<InvalidFileException>(() => SafeTensors.Read(f, name + ".safetensors"));
        Assert.StartsWith(name + ".safetensors: ", e.Message);
        Assert.Contains(fragment, e.Message);
        Assert.InRange(e.Offset, 0, f.Length);
    }

    [Fact]
    public void HeaderLengthIsCheckedBeforeAnythingIsAllocated()
    {
        var f = File("{}", 0);
        BinaryPrimitives.WriteUInt64LittleEndian(f, 4_000_000_000UL);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidFileException>(() => SafeTensors.Read(f, "huge.safetensors"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024);
        Assert.Contains("header length 4000000000", e.Message);
        Assert.Throws<InvalidFileException>(() => SafeTensors.Read(new byte[5], "short.safetensors"));
        Assert.Throws<InvalidFileException>(() => SafeTensors.Read(File("{}", 0)[..9], "cut.safetensors"));
        // An empty object is a valid file with no tensors.
        Assert.Empty(SafeTensors.Read(File("{}", 0, pad: 6), "empty.safetensors"));
    }
}
