using System.Runtime.InteropServices;
using NeuralSynth.Plugin.Vst3;

namespace NeuralSynth.Plugin.Tests;

/// <summary>
/// process() on the audio thread must not allocate: a GC triggered there would stop every managed thread.
/// The host side (IEventList, IParameterChanges, IParamValueQueue) is built here with the same binding
/// machinery, so the processor reads events and automation through real native vtables.
/// </summary>
[Collection("Neural engine")]
public unsafe class ProcessAllocationTests
{
    [Theory]
    [InlineData(0)]   // 32-bit
    [InlineData(1)]   // 64-bit
    public void Process_WithNotesAndAutomation_AllocatesNothing(int sampleSize)
    {
        var proc = new NeuralSynthProcessor();
        var events = new HostEventList();
        var changes = new HostChanges();
        try
        {
            nint audio = proc.InterfacePointer(1);   // IAudioProcessor
            var setupProcessing = (delegate* unmanaged<nint, ProcessSetup*, int>)(*(nint**)audio)[7];
            var process = (delegate* unmanaged<nint, ProcessData*, int>)(*(nint**)audio)[9];
            var setup = new ProcessSetup { ProcessMode = 0, SymbolicSampleSize = sampleSize, MaxSamplesPerBlock = 256, SampleRate = 48000 };
            Assert.Equal(Tresult.Ok, setupProcessing(audio, &setup));
            Assert.Equal(Tresult.Ok, proc.SetActive(true));

            const int n = 256;
            int bytesPerSample = sampleSize == 1 ? 8 : 4;
            void* left = NativeMemory.AllocZeroed(n * (nuint)bytesPerSample), right = NativeMemory.AllocZeroed(n * (nuint)bytesPerSample);
            void** channels = stackalloc void*[2] { left, right };
            var bus = (AudioBusBuffers*)NativeMemory.AllocZeroed((nuint)sizeof(AudioBusBuffers));
            *bus = new AudioBusBuffers { NumChannels = 2, ChannelBuffers = channels };
            var data = (ProcessData*)NativeMemory.AllocZeroed((nuint)sizeof(ProcessData));
            *data = new ProcessData
            {
                SymbolicSampleSize = sampleSize, NumSamples = n, NumOutputs = 1, Outputs = bus,
                InputEvents = events.Pointer, InputParameterChanges = changes.Pointer,
            };
            changes.Queue.Id = ParamIds.Gain;

            int failures = 0;
            void Block(int b)
            {
                events.Count = 0;
                if (b % 4 == 0) { events.Events[0] = NoteOn(b % 3 * 10, 48 + b % 24); events.Count = 1; }
                if (b % 4 == 2) { events.Events[0] = NoteOff(100, 48 + (b - 2) % 24); events.Count = 1; }
                changes.Count = 1;
                changes.Queue.Count = 2;
                changes.Queue.Points[0] = (0, 0.8);
                changes.Queue.Points[1] = (200, 0.7 + 0.001 * (b % 10));
                failures += process(audio, data) == Tresult.Ok ? 0 : 1;   // (xunit's Assert allocates: not in the measured loop)
            }

            // The notes played below come from the shared voice cache: render them first through an offline
            // instance (realtime never waits for torch), then wait until this instance has its engine.
            var offline = new InstrumentEngine();
            offline.Setup(48000, 256, 2);
            float* scratch = stackalloc float[256];
            for (int p = 48; p < 72; p++) { offline.NoteOn(0, p, 0.9f); offline.Process(scratch, scratch, 256); }
            for (int i = 0; i < 3000 && !proc.Engine.IsReady; i++) { process(audio, data); Thread.Sleep(10); }
            Assert.True(proc.Engine.IsReady);

            for (int b = 0; b < 300; b++) Block(b);              // warm up: JIT, tiering
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int b = 0; b < 500; b++) Block(b);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, allocated);
            Assert.Equal(0, failures);
            Assert.Equal(0ul, bus->SilenceFlags);   // sanity: it played
            NativeMemory.Free(data);
            NativeMemory.Free(bus);
            NativeMemory.Free(left);
            NativeMemory.Free(right);
        }
        finally
        {
            Assert.Equal(0u, proc.Release());
            events.Release();
            changes.ReleaseAll();
        }
    }

    static Event NoteOn(int offset, int pitch) => new()
    {
        SampleOffset = offset, Type = Event.NoteOnType,
        NoteOn = new NoteOnEvent { Pitch = (short)pitch, Velocity = 0.9f, NoteId = -1 },
    };

    static Event NoteOff(int offset, int pitch) => new()
    {
        SampleOffset = offset, Type = Event.NoteOffType,
        NoteOff = new NoteOffEvent { Pitch = (short)pitch, NoteId = -1 },
    };
}
