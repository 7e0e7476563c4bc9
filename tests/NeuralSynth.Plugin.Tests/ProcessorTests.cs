using System.Runtime.InteropServices;
using NeuralSynth.Plugin.Vst3;

namespace NeuralSynth.Plugin.Tests;

/// <summary>The processor's buses, formats and process() edge cases, called in-process.</summary>
[Collection("Neural engine")]
public unsafe class ProcessorTests
{
    [Fact]
    public void SetupProcessing_AcceptsTheSpecifiedRates_AndRefusesAbsurdOnes()
    {
        var proc = new NeuralSynthProcessor();
        foreach (double rate in new[] { 22050.0, 32000, 44100, 48000, 88200, 96000, 176400, 192000 })
        {
            var setup = new ProcessSetup { SampleRate = rate, MaxSamplesPerBlock = 8192 };
            Assert.Equal(Tresult.Ok, proc.SetupProcessing(&setup));
        }
        foreach (double rate in new[] { 1234.5678, 0, -48000, double.NaN, double.PositiveInfinity, 1234567.8 })
        {
            var setup = new ProcessSetup { SampleRate = rate, MaxSamplesPerBlock = 512 };
            Assert.Equal(Tresult.False, proc.SetupProcessing(&setup));
        }
        Assert.Equal(0u, proc.Release());
    }

    [Fact]
    public void Buses_AreOneEventInputAndOneStereoOutput_MonoOnRequest()
    {
        var proc = new NeuralSynthProcessor();
        Assert.Equal(1, proc.GetBusCount(0, 1));   // audio out
        Assert.Equal(0, proc.GetBusCount(0, 0));   // no audio in
        Assert.Equal(1, proc.GetBusCount(1, 0));   // event in
        Assert.Equal(0, proc.GetBusCount(1, 1));
        BusInfo info;
        Assert.Equal(Tresult.Ok, proc.GetBusInfo(0, 1, 0, &info));
        Assert.Equal(2, info.ChannelCount);
        Assert.Equal(Tresult.InvalidArgument, proc.GetBusInfo(0, 1, 1, &info));
        ulong mono = NeuralSynthProcessor.SpeakerMono, surround51 = 0x3F, arrangement;
        Assert.Equal(Tresult.False, proc.SetBusArrangements(null, 0, &surround51, 1));
        Assert.Equal(Tresult.Ok, proc.GetBusArrangement(1, 0, &arrangement));
        Assert.Equal(NeuralSynthProcessor.SpeakerStereo, arrangement);
        Assert.Equal(Tresult.Ok, proc.SetBusArrangements(null, 0, &mono, 1));
        Assert.Equal(Tresult.Ok, proc.GetBusInfo(0, 1, 0, &info));
        Assert.Equal(1, info.ChannelCount);
        Assert.Equal(0u, proc.Release());
    }

    sealed class Rig : IDisposable
    {
        public readonly NeuralSynthProcessor Proc = new();
        public readonly HostEventList Events = new();
        public readonly HostChanges Changes = new();
        public readonly HostChanges Output = new();   // what the processor tells the host

        public Rig(int maxBlock = 512)
        {
            var setup = new ProcessSetup { ProcessMode = 2, SampleRate = 48000, MaxSamplesPerBlock = maxBlock };   // offline: notes wait for their renders
            Assert.Equal(Tresult.Ok, Proc.SetupProcessing(&setup));
            Assert.Equal(Tresult.Ok, Proc.SetActive(true));
        }

        public void Note(int offset, int pitch)
        {
            Events.Events[Events.Count++] = new Event
            {
                SampleOffset = offset, Type = Event.NoteOnType,
                NoteOn = new NoteOnEvent { Pitch = (short)pitch, Velocity = 1, NoteId = -1 },
            };
        }

        public void Set(uint id, int offset, double value)
        {
            int i = Array.FindIndex(Changes.Queues, 0, Changes.Count, q => q.Id == id);
            if (i < 0) { i = Changes.Count++; Changes.Queues[i].Id = id; Changes.Queues[i].Count = 0; }
            var queue = Changes.Queues[i];
            queue.Points[queue.Count++] = (offset, value);
        }

        /// Runs one block; returns (left, right as doubles, silence flags).
        public (double[] L, double[]? R, ulong Flags) Run(int n, int channels = 2, bool is64 = false)
        {
            int size = is64 ? 8 : 4;
            var buffers = new nint[channels];
            for (int c = 0; c < channels; c++) buffers[c] = (nint)NativeMemory.AllocZeroed((nuint)(n * size));
            try
            {
                fixed (nint* ch = buffers)
                {
                    var bus = new AudioBusBuffers { NumChannels = channels, ChannelBuffers = (void**)ch };
                    var data = new ProcessData
                    {
                        SymbolicSampleSize = is64 ? 1 : 0, NumSamples = n, NumOutputs = 1, Outputs = &bus,
                        InputEvents = Events.Pointer, InputParameterChanges = Changes.Pointer, OutputParameterChanges = Output.Pointer,
                    };
                    Output.Clear();
                    Assert.Equal(Tresult.Ok, Proc.Process(&data));
                    Events.Count = 0;
                    Changes.Clear();
                    double[] Read(int c) => Enumerable.Range(0, n).Select(i => is64 ? ((double*)buffers[c])[i] : ((float*)buffers[c])[i]).ToArray();
                    return (Read(0), channels > 1 ? Read(1) : null, bus.SilenceFlags);
                }
            }
            finally { foreach (var b in buffers) NativeMemory.Free((void*)b); }
        }

        public void Dispose()
        {
            Assert.Equal(0u, Proc.Release());
            Events.Release();
            Changes.ReleaseAll();
            Output.ReleaseAll();
        }
    }

    [Fact]
    public void Bypass_SilencesOutput_AndSetsSilenceFlags()
    {
        using var rig = new Rig();
        rig.Note(0, 69);
        var (l, _, flags) = rig.Run(512);
        Assert.Contains(l, v => v != 0);
        Assert.Equal(0ul, flags);
        rig.Set(ParamIds.Bypass, 0, 1.0);
        (l, var r, flags) = rig.Run(512);
        Assert.All(l, v => Assert.Equal(0.0, v));
        Assert.All(r!, v => Assert.Equal(0.0, v));
        Assert.Equal(3ul, flags);
        Assert.Equal(1.0, rig.Proc.GetValue(ParamIds.Bypass));
    }

    [Fact]
    public void MonoOutput_And64BitBlocksLargerThanTheScratch_Render()
    {
        using var rig = new Rig(maxBlock: 20000);
        rig.Note(5, 60);
        var (l, r, _) = rig.Run(20000, channels: 2, is64: true);   // > 8192: rendered in chunks
        Assert.Equal(l, r!);
        Assert.Contains(l.Skip(19000), v => v != 0);
        Assert.All(l.Take(5), v => Assert.Equal(0.0, v));
        rig.Note(0, 64);
        var (mono, _, _) = rig.Run(512, channels: 1);
        Assert.Contains(mono, v => v != 0);
    }

    [Fact]
    public void ZeroSamplesAndNullBuffers_FlushParametersWithoutFailing()
    {
        using var rig = new Rig();
        rig.Set(ParamIds.Gain, 0, 0.25);
        var data = new ProcessData { NumSamples = 0, InputParameterChanges = rig.Changes.Pointer };
        Assert.Equal(Tresult.Ok, rig.Proc.Process(&data));
        Assert.Equal(0.25, rig.Proc.GetValue(ParamIds.Gain));
        var empty = new ProcessData { NumSamples = 64, NumOutputs = 0 };
        Assert.Equal(Tresult.Ok, rig.Proc.Process(&empty));
        Assert.Equal(Tresult.InvalidArgument, rig.Proc.Process(null));
    }

    static double Norm(uint id, double plain) => Parameters.Get(id)!.ToNormalized(plain);
    static double SoundNorm(string name) => Norm(ParamIds.Sound, Array.IndexOf(SoundBank.Names, name));

    [Fact]
    public void PickingASound_BringsItsPresetsPadPlaceReleaseVelocityAndVibrato_AndTellsTheHost()
    {
        var keys = SoundBank.PresetOf(Array.IndexOf(SoundBank.Names, "Keys I"))!;
        using var rig = new Rig();
        double defaultVibrato = SoundBank.PresetOf(SoundBank.DefaultIndex)!.VibratoCents;
        Assert.True(defaultVibrato > 0);
        Assert.Equal(defaultVibrato, Parameters.Get(ParamIds.Vibrato)!.ToPlain(rig.Proc.GetValue(ParamIds.Vibrato)), 6);   // Strings II's, from the start
        rig.Set(ParamIds.MorphX, 0, Norm(ParamIds.MorphX, 70));   // the player moved across the pad
        rig.Run(256);
        rig.Set(ParamIds.Sound, 64, SoundNorm("Keys I"));
        rig.Run(256);
        Assert.Equal(keys.X * 100, Parameters.Get(ParamIds.MorphX)!.ToPlain(rig.Proc.GetValue(ParamIds.MorphX)), 6);   // back to the preset's corner
        Assert.Equal(keys.ReleaseS, Parameters.Get(ParamIds.Release)!.ToPlain(rig.Proc.GetValue(ParamIds.Release)), 6);
        Assert.Equal(keys.VelocitySensitivity * 100, Parameters.Get(ParamIds.VelocitySensitivity)!.ToPlain(rig.Proc.GetValue(ParamIds.VelocitySensitivity)), 6);
        Assert.Equal(0.0, rig.Proc.GetValue(ParamIds.Vibrato));
        Assert.Equal(Parameters.SoundIds.Length, rig.Output.Count);
        foreach (uint id in Parameters.SoundIds)
        {
            var points = rig.Output.PointsOf(id);
            Assert.Single(points);
            Assert.Equal(64, points[0].Offset);
            Assert.Equal(rig.Proc.GetValue(id), points[0].Value);
        }
        Assert.Empty(rig.Output.PointsOf(ParamIds.Sound));   // the host's own change is not echoed

        // The same sound again changes nothing; a style parameter changed in the same block as the sound wins.
        rig.Set(ParamIds.Vibrato, 0, Norm(ParamIds.Vibrato, 20));
        rig.Set(ParamIds.Sound, 0, SoundNorm("Keys I"));
        rig.Run(256);
        Assert.Equal(0, rig.Output.Count);
        Assert.Equal(20, Parameters.Get(ParamIds.Vibrato)!.ToPlain(rig.Proc.GetValue(ParamIds.Vibrato)), 6);
        rig.Set(ParamIds.Vibrato, 0, Norm(ParamIds.Vibrato, 30));
        rig.Set(ParamIds.Sound, 0, SoundNorm("Strings I"));
        rig.Run(256);
        Assert.Equal(30, Parameters.Get(ParamIds.Vibrato)!.ToPlain(rig.Proc.GetValue(ParamIds.Vibrato)), 6);
        var strings = SoundBank.PresetOf(Array.IndexOf(SoundBank.Names, "Strings I"))!;
        Assert.Equal(strings.ReleaseS, Parameters.Get(ParamIds.Release)!.ToPlain(rig.Proc.GetValue(ParamIds.Release)), 6);
    }

    [Fact]
    public void Controller_PickingASound_SetsItsStyle_AndAsksTheHostToReread()
    {
        var ctrl = new NeuralSynthController();
        var handler = new HostComponentHandler();
        try
        {
            Assert.Equal(Tresult.Ok, ctrl.SetComponentHandler(handler.Pointer));
            var reed = SoundBank.PresetOf(Array.IndexOf(SoundBank.Names, "Reed I"))!;
            Assert.Equal(Tresult.Ok, ctrl.SetParamNormalized(ParamIds.Sound, SoundNorm("Reed I")));
            Assert.Equal(reed.VibratoCents, ctrl.NormalizedParamToPlain(ParamIds.Vibrato, ctrl.GetParamNormalized(ParamIds.Vibrato)), 6);
            Assert.Equal(reed.VibratoHz, ctrl.NormalizedParamToPlain(ParamIds.VibratoRate, ctrl.GetParamNormalized(ParamIds.VibratoRate)), 6);
            Assert.Equal(reed.ReleaseS, ctrl.NormalizedParamToPlain(ParamIds.Release, ctrl.GetParamNormalized(ParamIds.Release)), 6);
            Assert.Equal([ComponentHandler.ParamValuesChanged], handler.Restarts);
            // Setting a style parameter or the same sound again is the user's own edit: nothing else moves.
            Assert.Equal(Tresult.Ok, ctrl.SetParamNormalized(ParamIds.Release, Norm(ParamIds.Release, 2)));
            Assert.Equal(Tresult.Ok, ctrl.SetParamNormalized(ParamIds.Sound, SoundNorm("Reed I")));
            Assert.Equal(2, ctrl.NormalizedParamToPlain(ParamIds.Release, ctrl.GetParamNormalized(ParamIds.Release)), 6);
            Assert.Single(handler.Restarts);
        }
        finally
        {
            ctrl.Terminate();
            Assert.Equal(0u, ctrl.Release());
            Assert.Equal(0u, handler.Release());
        }
    }
}
