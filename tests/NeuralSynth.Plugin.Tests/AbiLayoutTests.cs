using System.Runtime.InteropServices;
using NeuralSynth.Plugin.Vst3;

namespace NeuralSynth.Plugin.Tests;

/// <summary>IIDs and struct layouts against the numbers measured on this OS (/work/shared/VST3-ABI.md §3, §5).</summary>
public class AbiLayoutTests
{
    public static TheoryData<string, string> IidTable => new()
    {
        { "FUnknown", "0000000000000000C000000000000046" }, { "IPluginBase", "22888DDB156E45AE8358B34808190625" },
        { "IPluginFactory", "7A4D811C52114A1FAED9D2EE0B43BF9F" }, { "IPluginFactory2", "0007B650F24B4C0BA464EDB9F00B2ABB" },
        { "IPluginFactory3", "4555A2ABC1234E579B12291036878931" }, { "IComponent", "E831FF31F2D54301928EBBEE25697802" },
        { "IAudioProcessor", "42043F99B7DA453CA569E79D9AAEC33D" }, { "IProcessContextRequirements", "2A654303EF764E3D95B5FE83730EF6D0" },
        { "IEventList", "3A2C4214346349FEB2C4F397B9695A44" }, { "IParameterChanges", "A47796630BB64A56B44384A8466FEB9D" },
        { "IParamValueQueue", "01263A18ED074F6F98C9D3564686F9BA" }, { "IEditController", "DCD7BBE37742448DA874AACC979C759E" },
        { "IEditController2", "7F4EFE59F3204967AC27A3AEAFB63038" }, { "IComponentHandler", "93A0BEA30BD045DB8E890B0CC1E46AC6" },
        { "IPlugView", "5BC32507D06049EAA6151B522B755B29" }, { "IConnectionPoint", "70A4156F6E6E4026989148BFAA60D8D1" },
        { "IMessage", "936F033BC6C047DBBB0882F813C1E613" }, { "IAttributeList", "1E5F0AEBCC7F4533A254401138AD5EE4" },
        { "IBStream", "C3BF6EA2309947529B6BF9901EE33E9B" }, { "IMidiMapping", "DF0FF9F749B74669B63AB7327ADBF5E5" },
        { "IUnitInfo", "3D4BD6B5913A4FD2A886E768A5EB92C1" }, { "IHostApplication", "58E595CCDB2D49698B6AAF8C36A664E5" },
        { "IPlugInterfaceSupport", "4FB58B9E9EAA4E0FAB361C1CCCB56FEA" }, { "IRunLoop", "18C3536697764F1A9C5B83857A871389" },
    };

    [Theory]
    [MemberData(nameof(IidTable))]
    public void Iid_BytesAreTheLinuxInMemoryOrder(string name, string hex)
    {
        var property = typeof(Iids).GetProperty(name) ?? throw new Xunit.Sdk.XunitException($"Iids.{name} missing");
        // ReadOnlySpan<byte> properties can't be boxed through reflection: read them with a typed delegate.
        var getter = property.GetGetMethod()!.CreateDelegate<SpanGetter>();
        Assert.Equal(hex, Convert.ToHexString(getter()));
    }

    delegate ReadOnlySpan<byte> SpanGetter();

    [Fact]
    public void Iid_DiffersFromWindowsGuidOrder()
    {
        // The Windows layout (Guid.ToByteArray) swaps bytes 0-3, 4-5, 6-7; Linux keeps them big-endian.
        var guid = Guid.Parse("E831FF31-F2D5-4301-928E-BBEE25697802");
        Assert.Equal(Convert.ToHexString(Iids.IComponent), Convert.ToHexString(guid.ToByteArray(bigEndian: true)));
        Assert.NotEqual(Convert.ToHexString(Iids.IComponent), Convert.ToHexString(guid.ToByteArray()));
    }

    static int Off<T>(string field) => (int)Marshal.OffsetOf<T>(field);

    [Fact]
    public unsafe void StructSizes_MatchTheFactSheet()
    {
        Assert.Equal(452, sizeof(PFactoryInfo));
        Assert.Equal(116, sizeof(PClassInfo));
        Assert.Equal(440, sizeof(PClassInfo2));
        Assert.Equal(696, sizeof(PClassInfoW));
        Assert.Equal(276, sizeof(BusInfo));
        Assert.Equal(12, sizeof(RoutingInfo));
        Assert.Equal(24, sizeof(ProcessSetup));
        Assert.Equal(24, sizeof(AudioBusBuffers));
        Assert.Equal(80, sizeof(ProcessData));
        Assert.Equal(112, sizeof(ProcessContext));
        Assert.Equal(792, sizeof(ParameterInfo));
        Assert.Equal(48, sizeof(Event));
        Assert.Equal(20, sizeof(NoteOnEvent));
        Assert.Equal(16, sizeof(NoteOffEvent));
    }

    [Fact]
    public void FactoryAndClassInfo_Offsets()
    {
        Assert.Equal(64, Off<PFactoryInfo>("Url"));
        Assert.Equal(320, Off<PFactoryInfo>("Email"));
        Assert.Equal(448, Off<PFactoryInfo>(nameof(PFactoryInfo.Flags)));
        Assert.Equal(16, Off<PClassInfo>(nameof(PClassInfo.Cardinality)));
        Assert.Equal(20, Off<PClassInfo>("Category"));
        Assert.Equal(52, Off<PClassInfo>("Name"));
        Assert.Equal(116, Off<PClassInfo2>(nameof(PClassInfo2.ClassFlags)));
        Assert.Equal(120, Off<PClassInfo2>("SubCategories"));
        Assert.Equal(248, Off<PClassInfo2>("Vendor"));
        Assert.Equal(312, Off<PClassInfo2>("Version"));
        Assert.Equal(376, Off<PClassInfo2>("SdkVersion"));
        Assert.Equal(52, Off<PClassInfoW>("Name"));
        Assert.Equal(180, Off<PClassInfoW>(nameof(PClassInfoW.ClassFlags)));
        Assert.Equal(184, Off<PClassInfoW>("SubCategories"));
        Assert.Equal(312, Off<PClassInfoW>("Vendor"));
        Assert.Equal(440, Off<PClassInfoW>("Version"));
        Assert.Equal(568, Off<PClassInfoW>("SdkVersion"));
    }

    [Fact]
    public void BusAndProcessing_Offsets()
    {
        Assert.Equal(8, Off<BusInfo>(nameof(BusInfo.ChannelCount)));
        Assert.Equal(12, Off<BusInfo>("Name"));
        Assert.Equal(268, Off<BusInfo>(nameof(BusInfo.BusType)));
        Assert.Equal(272, Off<BusInfo>(nameof(BusInfo.Flags)));
        Assert.Equal(8, Off<ProcessSetup>(nameof(ProcessSetup.MaxSamplesPerBlock)));
        Assert.Equal(16, Off<ProcessSetup>(nameof(ProcessSetup.SampleRate)));
        Assert.Equal(8, Off<AudioBusBuffers>(nameof(AudioBusBuffers.SilenceFlags)));
        Assert.Equal(16, Off<AudioBusBuffers>(nameof(AudioBusBuffers.ChannelBuffers)));
        Assert.Equal(8, Off<ProcessData>(nameof(ProcessData.NumSamples)));
        Assert.Equal(16, Off<ProcessData>(nameof(ProcessData.NumOutputs)));
        Assert.Equal(24, Off<ProcessData>(nameof(ProcessData.Inputs)));
        Assert.Equal(32, Off<ProcessData>(nameof(ProcessData.Outputs)));
        Assert.Equal(40, Off<ProcessData>(nameof(ProcessData.InputParameterChanges)));
        Assert.Equal(48, Off<ProcessData>(nameof(ProcessData.OutputParameterChanges)));
        Assert.Equal(56, Off<ProcessData>(nameof(ProcessData.InputEvents)));
        Assert.Equal(64, Off<ProcessData>(nameof(ProcessData.OutputEvents)));
        Assert.Equal(72, Off<ProcessData>(nameof(ProcessData.Context)));
    }

    [Fact]
    public void ProcessContext_Offsets()
    {
        Assert.Equal(8, Off<ProcessContext>(nameof(ProcessContext.SampleRate)));
        Assert.Equal(16, Off<ProcessContext>(nameof(ProcessContext.ProjectTimeSamples)));
        Assert.Equal(32, Off<ProcessContext>(nameof(ProcessContext.ContinousTimeSamples)));
        Assert.Equal(72, Off<ProcessContext>(nameof(ProcessContext.Tempo)));
        Assert.Equal(80, Off<ProcessContext>(nameof(ProcessContext.TimeSigNumerator)));
        Assert.Equal(88, Off<ProcessContext>(nameof(ProcessContext.ChordKeyNote)));
        Assert.Equal(90, Off<ProcessContext>(nameof(ProcessContext.ChordMask)));
        Assert.Equal(92, Off<ProcessContext>(nameof(ProcessContext.SmpteOffsetSubframes)));
        Assert.Equal(96, Off<ProcessContext>(nameof(ProcessContext.FramesPerSecond)));
        Assert.Equal(104, Off<ProcessContext>(nameof(ProcessContext.SamplesToNextClock)));
    }

    [Fact]
    public void ParameterInfoAndEvent_Offsets()
    {
        Assert.Equal(4, Off<ParameterInfo>("Title"));
        Assert.Equal(260, Off<ParameterInfo>("ShortTitle"));
        Assert.Equal(516, Off<ParameterInfo>("Units"));
        Assert.Equal(772, Off<ParameterInfo>(nameof(ParameterInfo.StepCount)));
        Assert.Equal(776, Off<ParameterInfo>(nameof(ParameterInfo.DefaultNormalizedValue)));
        Assert.Equal(784, Off<ParameterInfo>(nameof(ParameterInfo.UnitId)));
        Assert.Equal(788, Off<ParameterInfo>(nameof(ParameterInfo.Flags)));
        Assert.Equal(4, Off<Event>(nameof(Event.SampleOffset)));
        Assert.Equal(8, Off<Event>(nameof(Event.PpqPosition)));
        Assert.Equal(16, Off<Event>(nameof(Event.Flags)));
        Assert.Equal(18, Off<Event>(nameof(Event.Type)));
        Assert.Equal(24, Off<Event>(nameof(Event.NoteOn)));
        Assert.Equal(2, Off<NoteOnEvent>(nameof(NoteOnEvent.Pitch)));
        Assert.Equal(4, Off<NoteOnEvent>(nameof(NoteOnEvent.Tuning)));
        Assert.Equal(8, Off<NoteOnEvent>(nameof(NoteOnEvent.Velocity)));
        Assert.Equal(16, Off<NoteOnEvent>(nameof(NoteOnEvent.NoteId)));
        Assert.Equal(4, Off<NoteOffEvent>(nameof(NoteOffEvent.Velocity)));
        Assert.Equal(8, Off<NoteOffEvent>(nameof(NoteOffEvent.NoteId)));
        Assert.Equal(12, Off<NoteOffEvent>(nameof(NoteOffEvent.Tuning)));
    }
}
