using System.Buffers.Binary;
using NeuralSynth.Realtime.Timbre;

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
        future[4] = PluginState.Version + 1;
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

    static PluginState WithCorners() => new()
    {
        ModelId = "m", Values = Parameters.Defaults(),
        Corners = [CornerSpec.FromSeed(7), CornerSpec.FromValues([0.5f, -1.25f, 3f]), CornerSpec.FromSeed(-3), CornerSpec.FromSeed(long.MaxValue)],
    };

    [Fact]
    public void State_CarriesCustomCorners_SeedsAndLatents()
    {
        var back = PluginState.TryParse(WithCorners().Serialize(), out string error);
        Assert.True(back != null, error);
        Assert.Equal(WithCorners().Corners!, back!.Corners!);
        Assert.Null(PluginState.TryParse(Sample().Serialize(), out _)!.Corners);
    }

    [Fact]
    public void State_Version1_WithoutCorners_StillLoads()
    {
        // A version 1 state is a version 2 one without the corner byte.
        var v2 = Sample().Serialize();
        var v1 = new byte[v2.Length - 1];
        v2.AsSpan(0, v2.Length - 5).CopyTo(v1);
        BinaryPrimitives.WriteUInt16LittleEndian(v1.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(v1.AsSpan(v1.Length - 4), Crc32.Compute(v1.AsSpan(0, v1.Length - 4)));
        var back = PluginState.TryParse(v1, out string error);
        Assert.True(back != null, error);
        Assert.Equal(Sample().Values, back!.Values);
        Assert.Null(back.Corners);
    }

    /// A state as a build before the given parameters existed saved it: their entries left out.
    static byte[] Without(PluginState state, params uint[] ids)
    {
        var bytes = state.Serialize();
        int o = 7 + bytes[6];
        int count = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(o));
        var kept = new List<byte>(bytes[..(o + 2)]);
        for (int i = 0; i < count; i++)
        {
            int at = o + 2 + 12 * i;
            if (!ids.Contains(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)))) kept.AddRange(bytes[at..(at + 12)]);
        }
        kept.AddRange(bytes[(o + 2 + 12 * count)..^4]);
        var result = new byte[kept.Count + 4];
        kept.CopyTo(result);
        BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(o), (ushort)(count - ids.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(kept.Count), Crc32.Compute(result.AsSpan(0, kept.Count)));
        return result;
    }

    [Fact]
    public void State_SavedBeforeTheVibrato_PlaysAsItsSoundWould_NotAsTheDefaultSound()
    {
        double Plain(PluginState st, uint id) => Parameters.Get(id)!.ToPlain(st.Values[Parameters.IndexOf(id)]);
        var values = Parameters.Defaults();
        int keys = Array.IndexOf(SoundBank.Names, "Keys I"), reed = Array.IndexOf(SoundBank.Names, "Reed I");
        values[Parameters.IndexOf(ParamIds.Sound)] = Parameters.Get(ParamIds.Sound)!.ToNormalized(keys);
        var old = new PluginState { ModelId = "m", Values = values };
        var back = PluginState.TryParse(Without(old, ParamIds.Vibrato, ParamIds.VibratoRate), out string error);
        Assert.True(back != null, error);
        Assert.Equal(0, Plain(back!, ParamIds.Vibrato));   // the default sound (Strings II) would swing 5.7 cents
        values[Parameters.IndexOf(ParamIds.Sound)] = Parameters.Get(ParamIds.Sound)!.ToNormalized(reed);
        back = PluginState.TryParse(Without(old, ParamIds.Vibrato, ParamIds.VibratoRate), out _)!;
        Assert.Equal(SoundBank.PresetOf(reed)!.VibratoCents, Plain(back, ParamIds.Vibrato), 6);
        Assert.Equal(SoundBank.PresetOf(reed)!.VibratoHz, Plain(back, ParamIds.VibratoRate), 6);
        // Custom corners played no vibrato of their own; a parameter the state does carry is kept as saved.
        var custom = new PluginState { ModelId = "m", Values = values, Corners = WithCorners().Corners };
        back = PluginState.TryParse(Without(custom, ParamIds.Vibrato), out _)!;
        Assert.Equal(0, Plain(back, ParamIds.Vibrato));
        Assert.Equal(custom.Values, PluginState.TryParse(custom.Serialize(), out _)!.Values);
    }

    [Theory]
    [InlineData(3, "corners")]      // corner count must be 0 or 4
    [InlineData(9, "kind")]         // unknown corner kind
    public void State_MalformedCorners_AreRejected_EvenWithAValidChecksum(byte value, string expected)
    {
        var bytes = WithCorners().Serialize();
        int cornerCountAt = 4 + 2 + 1 + 1 + 2 + Parameters.All.Length * 12;
        bytes[cornerCountAt + (expected == "kind" ? 1 : 0)] = value;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));
        Assert.Null(PluginState.TryParse(bytes, out string error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void FromPreset_MapsEveryFieldToItsParameter_AndABankPresetSelectsItsSound()
    {
        var keys = SoundBank.PresetOf(SoundBank.DefaultIndex)!;
        var preset = keys with { X = 0.25, Y = 1, Macros = [0.5, 0, 0, 0, 0, 0, 0, -1], Seed = 42, GainDb = -6, VelocitySensitivity = 0.5, ReleaseS = 1.5, PitchBendRange = 12 };
        var state = PluginState.FromPreset(preset, "m");
        double Plain(uint id) => Parameters.Get(id)!.ToPlain(state.Values[Parameters.IndexOf(id)]);
        Assert.Equal(25, Plain(ParamIds.MorphX), 6);
        Assert.Equal(100, Plain(ParamIds.MorphY), 6);
        Assert.Equal(50, Plain(ParamIds.Macro1), 6);
        Assert.Equal(-100, Plain(ParamIds.Macro1 + 7), 6);
        Assert.Equal(42, Plain(ParamIds.Seed));
        Assert.Equal(-6, Plain(ParamIds.Gain), 6);
        Assert.Equal(50, Plain(ParamIds.VelocitySensitivity), 6);
        Assert.Equal(1.5, Plain(ParamIds.Release), 6);
        Assert.Equal(12, Plain(ParamIds.PitchBendRange));
        Assert.Equal(SoundBank.DefaultIndex, Plain(ParamIds.Sound));
        Assert.Equal(keys.Corners, state.Corners!);
        var captured = preset with { Name = "My capture", Corners = [CornerSpec.FromSeed(1), CornerSpec.FromSeed(2), CornerSpec.FromSeed(3), CornerSpec.FromSeed(4)] };
        Assert.Equal(captured.Corners, PluginState.FromPreset(captured, "m").Corners!);
    }

    /// ToPreset undoes FromPreset through the serialized state, for every sound of the bank and for a preset with latent
    /// corners and moved controls (what `preset import` gives back from a DAW's .vstpreset).
    [Fact]
    public void ToPreset_GivesBackThePresetAStateWasMadeFrom()
    {
        var presets = Enumerable.Range(0, SoundBank.Names.Length).Select(i => SoundBank.PresetOf(i)!).ToList();
        presets.Add(presets[0] with
        {
            Name = "captured", Family = null, Model = "gansynth", X = 0.25, Y = 0.75, Seed = 17, GainDb = -3.5, ReleaseS = 1.2, PitchBendRange = 7,
            Macros = [0.1, -0.2, 0, 0, 0.5, 0, 0, -1], Corners = [CornerSpec.FromSeed(3), CornerSpec.FromValues([0.5f, -1f, 2f]), CornerSpec.FromSeed(9), CornerSpec.FromSeed(1)],
        });
        foreach (var preset in presets)
        {
            var state = PluginState.TryParse(PluginState.FromPreset(preset, "m").Serialize(), out string error) ?? throw new Xunit.Sdk.XunitException(error);
            Assert.Equal((preset with { Notes = null }).ToJson(), state.ToPreset(preset.Name).ToJson());
        }
    }

    [Fact]
    public void VstPreset_OfAPreset_CarriesThePluginState_ForTheProcessorClass()
    {
        var preset = SoundBank.PresetOf(0)!;
        var state = PluginState.FromPreset(preset, "m");
        string path = Path.Combine(Path.GetTempPath(), $"ns-state-{Environment.ProcessId}.vstpreset");
        new VstPresetFile(VstPresetFile.ClassIdFromTuid(PluginInfo.ProcessorCid), state.Serialize()).Write(path);
        var file = VstPresetFile.Read(path);
        File.Delete(path);
        Assert.Equal(PluginInfo.ProcessorCid.ToArray(), VstPresetFile.TuidFromClassId(file.ClassId));
        var back = PluginState.TryParse(file.ComponentState, out string error);
        Assert.True(back != null, error);
        Assert.Equal(state.Values, back!.Values);
        Assert.Equal(preset.Corners, back.Corners!);
    }
}
