using System.Buffers.Binary;
using System.Text;
using NeuralSynth.Formats;
using NeuralSynth.Realtime.Timbre;

namespace NeuralSynth.Realtime.Tests.Timbre;

public class VstPresetFileTests
{
    static readonly string ClassId = VstPresetFile.ClassIdFromTuid("NSynthProcessor1"u8);

    [Fact]
    public void ClassIdIsTheHexOfTheTuid()
    {
        Assert.Equal("4E53796E746850726F636573736F7231", ClassId);
        Assert.Equal("NSynthProcessor1"u8.ToArray(), VstPresetFile.TuidFromClassId(ClassId));
    }

    [Fact]
    public void LayoutMatchesTheSpecByteForByte()
    {
        var bytes = new VstPresetFile(ClassId, [1, 2, 3]).ToBytes();
        // header 48 + data 3 + 'List' 4 + count 4 + one entry 20
        Assert.Equal(48 + 3 + 8 + 20, bytes.Length);
        Assert.Equal("VST3", Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(ClassId, Encoding.ASCII.GetString(bytes, 8, 32));
        Assert.Equal(51, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(40)));
        Assert.Equal(new byte[] { 1, 2, 3 }, bytes[48..51]);
        Assert.Equal("List", Encoding.ASCII.GetString(bytes, 51, 4));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(55)));
        Assert.Equal("Comp", Encoding.ASCII.GetString(bytes, 59, 4));
        Assert.Equal(48, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(63)));
        Assert.Equal(3, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(71)));
    }

    [Fact]
    public void RoundTripWithControllerStateAndMetaInfo()
    {
        var comp = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var meta = VstPresetFile.BuildMetaInfo("Warm <Brass> & co", "NeuralSynth", instrument: "Brass");
        var f = new VstPresetFile(ClassId, comp, [9, 8], meta);
        string path = Path.Combine(Path.GetTempPath(), $"ns-{Guid.NewGuid():N}.vstpreset");
        try
        {
            f.Write(path);
            var back = VstPresetFile.Read(path);
            Assert.Equal(ClassId, back.ClassId);
            Assert.Equal(comp, back.ComponentState);
            Assert.Equal(new byte[] { 9, 8 }, back.ControllerState);
            Assert.Equal(meta, back.MetaInfoXml);
            Assert.Contains("Warm &lt;Brass&gt; &amp; co", back.MetaInfoXml);
            Assert.Equal(["Comp", "Cont", "Info"], back.ChunkIds);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ChunksInAnyOrderAndUnknownChunksAreRead()
    {
        // Hand-built file: 'Prog' (unknown to us) then 'Cont' then 'Comp', list at the end.
        var data = new List<byte>();
        data.AddRange("VST3"u8.ToArray());
        data.AddRange(BitConverter.GetBytes(1));
        data.AddRange(Encoding.ASCII.GetBytes(ClassId));
        data.AddRange(BitConverter.GetBytes(0L)); // patched below
        var chunks = new (string Id, byte[] Data)[] { ("Prog", [7, 7]), ("Cont", [5]), ("Comp", [1, 2, 3, 4]) };
        var offsets = new long[3];
        for (int i = 0; i < 3; i++) { offsets[i] = data.Count; data.AddRange(chunks[i].Data); }
        long list = data.Count;
        data.AddRange("List"u8.ToArray());
        data.AddRange(BitConverter.GetBytes(3));
        for (int i = 0; i < 3; i++)
        {
            data.AddRange(Encoding.ASCII.GetBytes(chunks[i].Id));
            data.AddRange(BitConverter.GetBytes(offsets[i]));
            data.AddRange(BitConverter.GetBytes((long)chunks[i].Data.Length));
        }
        var bytes = data.ToArray();
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(40), list);
        var f = VstPresetFile.Parse(bytes, "x.vstpreset");
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, f.ComponentState);
        Assert.Equal(new byte[] { 5 }, f.ControllerState);
        Assert.Null(f.MetaInfoXml);
        Assert.Equal(["Prog", "Cont", "Comp"], f.ChunkIds);
    }

    [Fact]
    public void MalformedFilesGiveOneClearError()
    {
        var good = new VstPresetFile(ClassId, [1, 2, 3]).ToBytes();
        string Err(byte[] b) => Assert.Throws<InvalidFileException>(() => VstPresetFile.Parse(b, "bad.vstpreset")).Message;

        Assert.Contains("too short", Err(good[..20]));
        var b1 = (byte[])good.Clone(); b1[0] = (byte)'X';
        Assert.Contains("no 'VST3' header id", Err(b1));
        var b2 = (byte[])good.Clone(); BinaryPrimitives.WriteInt64LittleEndian(b2.AsSpan(40), 10_000);
        Assert.Contains("chunk list offset 10000 lies outside", Err(b2));
        var b3 = (byte[])good.Clone(); BinaryPrimitives.WriteInt64LittleEndian(b3.AsSpan(71), 500);
        Assert.Contains("chunk 'Comp' (offset 48, size 500) lies outside", Err(b3));
        var b4 = (byte[])good.Clone(); b4[59] = (byte)'X';
        Assert.Contains("no 'Comp'", Err(b4));
        Assert.Contains("runs past the end", Err(good[..^4]));
        var b5 = (byte[])good.Clone(); BinaryPrimitives.WriteInt32LittleEndian(b5.AsSpan(55), -1);
        Assert.Contains("count -1 is invalid", Err(b5));
        var b6 = (byte[])good.Clone(); b6[10] = 0;
        Assert.Contains("class id", Err(b6));
        Assert.StartsWith("bad.vstpreset: ", Err(b6));
    }

    [Fact]
    public void BadClassIdIsRejectedOnWrite()
    {
        Assert.Throws<ArgumentException>(() => new VstPresetFile("short", [1]));
        Assert.Throws<ArgumentException>(() => VstPresetFile.TuidFromClassId("ZZ53796E746850726F636573736F7231"));
    }
}
