namespace NeuralSynth.Plugin.Tests;

public class StateTests
{
    static PluginState Sample()
    {
        var values = Parameters.Defaults();
        values[Parameters.IndexOf(ParamIds.Gain)] = 0.25;
        values[Parameters.IndexOf(ParamIds.MorphY)] = 0.75;
        return new PluginState { ModelId = "gansynth-fluidr3-v1", Values = values };
    }

    [Fact]
    public void State_RoundTripsModelIdAndValues()
    {
        var bytes = Sample().Serialize();
        Assert.Equal("NSYN"u8.ToArray(), bytes[..4]);
        var back = PluginState.TryParse(bytes, out string error);
        Assert.NotNull(back);
        Assert.Equal("", error);
        Assert.Equal("gansynth-fluidr3-v1", back!.ModelId);
        Assert.Equal(Sample().Values, back.Values);
    }

    [Fact]
    public void State_AnySingleByteCorruption_IsRejected()
    {
        var bytes = Sample().Serialize();
        for (int i = 0; i < bytes.Length; i++)
        {
            var bad = (byte[])bytes.Clone();
            bad[i] ^= 0x40;
            Assert.Null(PluginState.TryParse(bad, out string error));
            Assert.NotEqual("", error);
        }
    }

    [Fact]
    public void State_ForeignTruncatedAndFutureVersions_AreRejected()
    {
        var bytes = Sample().Serialize();
        Assert.Null(PluginState.TryParse("VstW\0\0\0\x08\0\0\0\x01"u8, out _));
        Assert.Null(PluginState.TryParse([], out _));
        for (int n = 0; n < bytes.Length; n++) Assert.Null(PluginState.TryParse(bytes.AsSpan(0, n), out _));
        var future = (byte[])bytes.Clone();
        future[4] = 2;
        Assert.Null(PluginState.TryParse(future, out string error));
        Assert.Contains("version", error);
    }

    [Fact]
    public void State_ValuesOutOfRange_AreRejected_EvenWithAValidChecksum()
    {
        var s = Sample();
        s.Values[0] = 1.5;
        Assert.Null(PluginState.TryParse(s.Serialize(), out string error));
        Assert.Contains("range", error);
    }
}
