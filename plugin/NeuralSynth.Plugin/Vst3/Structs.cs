using System.Runtime.InteropServices;
using System.Text;

namespace NeuralSynth.Plugin.Vst3;

// VST3 structs in their natural C layout on Linux x86-64 (sizes and offsets checked by
// tests/NeuralSynth.Plugin.Tests/AbiLayoutTests.cs against the fact sheet /work/shared/VST3-ABI.md §5).
// 8-bit strings are char8 (UTF-8), 16-bit strings are char16 (UTF-16, C# char).

[StructLayout(LayoutKind.Sequential)]
public unsafe struct PFactoryInfo
{
    public fixed byte Vendor[64];
    public fixed byte Url[256];
    public fixed byte Email[128];
    public int Flags;
    public const int FlagClassesDiscardable = 1, FlagUnicode = 0x10;
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct PClassInfo
{
    public fixed byte Cid[16];
    public int Cardinality;
    public fixed byte Category[32];
    public fixed byte Name[64];
    public const int ManyInstances = 0x7FFFFFFF;
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct PClassInfo2
{
    public fixed byte Cid[16];
    public int Cardinality;
    public fixed byte Category[32];
    public fixed byte Name[64];
    public uint ClassFlags;
    public fixed byte SubCategories[128];
    public fixed byte Vendor[64];
    public fixed byte Version[64];
    public fixed byte SdkVersion[64];
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct PClassInfoW
{
    public fixed byte Cid[16];
    public int Cardinality;
    public fixed byte Category[32];
    public fixed char Name[64];
    public uint ClassFlags;
    public fixed byte SubCategories[128];
    public fixed char Vendor[64];
    public fixed char Version[64];
    public fixed char SdkVersion[64];
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct BusInfo
{
    public int MediaType;      // MediaTypes: Audio 0, Event 1
    public int Direction;      // BusDirections: Input 0, Output 1
    public int ChannelCount;
    public fixed char Name[128];
    public int BusType;        // Main 0, Aux 1
    public uint Flags;         // DefaultActive 1
}

[StructLayout(LayoutKind.Sequential)]
public struct RoutingInfo
{
    public int MediaType;
    public int BusIndex;
    public int Channel;
}

[StructLayout(LayoutKind.Sequential)]
public struct ProcessSetup
{
    public int ProcessMode;          // Realtime 0, Prefetch 1, Offline 2
    public int SymbolicSampleSize;   // Sample32 0, Sample64 1
    public int MaxSamplesPerBlock;
    public double SampleRate;
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct AudioBusBuffers
{
    public int NumChannels;
    public ulong SilenceFlags;
    public void** ChannelBuffers;    // float** or double** by ProcessData.SymbolicSampleSize
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct ProcessData
{
    public int ProcessMode;
    public int SymbolicSampleSize;
    public int NumSamples;
    public int NumInputs;
    public int NumOutputs;
    public AudioBusBuffers* Inputs;
    public AudioBusBuffers* Outputs;
    public nint InputParameterChanges;   // IParameterChanges*
    public nint OutputParameterChanges;
    public nint InputEvents;             // IEventList*
    public nint OutputEvents;
    public ProcessContext* Context;
}

[StructLayout(LayoutKind.Sequential)]
public struct ProcessContext
{
    public uint State;
    public double SampleRate;
    public long ProjectTimeSamples;
    public long SystemTime;
    public long ContinousTimeSamples;
    public double ProjectTimeMusic;
    public double BarPositionMusic;
    public double CycleStartMusic;
    public double CycleEndMusic;
    public double Tempo;
    public int TimeSigNumerator;
    public int TimeSigDenominator;
    public byte ChordKeyNote;
    public byte ChordRootNote;
    public short ChordMask;
    public int SmpteOffsetSubframes;
    public uint FramesPerSecond;
    public uint FrameRateFlags;
    public int SamplesToNextClock;
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct ParameterInfo
{
    public uint Id;
    public fixed char Title[128];
    public fixed char ShortTitle[128];
    public fixed char Units[128];
    public int StepCount;
    public double DefaultNormalizedValue;
    public int UnitId;
    public int Flags;
    public const int CanAutomate = 1, IsReadOnly = 2, IsWrapAround = 4, IsList = 8, IsHidden = 0x10,
        IsProgramChange = 0x8000, IsBypass = 0x10000;
}

[StructLayout(LayoutKind.Sequential)]
public struct NoteOnEvent
{
    public short Channel;
    public short Pitch;       // MIDI key, 69 = A4 = 440 Hz
    public float Tuning;      // cents
    public float Velocity;    // 0..1
    public int Length;
    public int NoteId;        // -1 = none
}

[StructLayout(LayoutKind.Sequential)]
public struct NoteOffEvent
{
    public short Channel;
    public short Pitch;
    public float Velocity;
    public int NoteId;
    public float Tuning;
}

/// <summary>Event: a 24-byte header and a 24-byte union (only the members we read are declared).</summary>
[StructLayout(LayoutKind.Explicit, Size = 48)]
public struct Event
{
    [FieldOffset(0)] public int BusIndex;
    [FieldOffset(4)] public int SampleOffset;
    [FieldOffset(8)] public double PpqPosition;
    [FieldOffset(16)] public ushort Flags;
    [FieldOffset(18)] public ushort Type;
    [FieldOffset(24)] public NoteOnEvent NoteOn;
    [FieldOffset(24)] public NoteOffEvent NoteOff;
    public const ushort NoteOnType = 0, NoteOffType = 1, DataType = 2, PolyPressureType = 3;
}

/// <summary>Helpers to fill the fixed-size string fields: always NUL-terminated, tails zeroed.</summary>
public static unsafe class FixedString
{
    public static void WriteUtf8(byte* dest, int capacity, string text)
    {
        new Span<byte>(dest, capacity).Clear();
        int n = Encoding.UTF8.GetBytes(text.AsSpan(), new Span<byte>(dest, capacity - 1));
        dest[n] = 0;
    }

    public static void WriteUtf16(char* dest, int capacity, string text)
    {
        new Span<char>(dest, capacity).Clear();
        int n = Math.Min(text.Length, capacity - 1);
        text.AsSpan(0, n).CopyTo(new Span<char>(dest, capacity));
    }

    /// <summary>Reads a NUL-terminated UTF-16 string of at most <paramref name="capacity"/> chars.</summary>
    public static string ReadUtf16(char* src, int capacity = 128)
    {
        if (src == null) return "";
        int n = 0;
        while (n < capacity && src[n] != 0) n++;
        return new string(src, 0, n);
    }
}
