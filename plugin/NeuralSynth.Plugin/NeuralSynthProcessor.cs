using System.Numerics;
using System.Runtime.InteropServices;
using NeuralSynth.Plugin.Vst3;

namespace NeuralSynth.Plugin;

/// <summary>
/// The audio processor (IComponent + IAudioProcessor + IProcessContextRequirements + IConnectionPoint):
/// one event input bus, one stereo (or mono) output bus. Notes and parameter changes are forwarded with their
/// sample offsets to <see cref="InstrumentEngine"/>, which makes all the sound. process() does not allocate,
/// lock or do I/O; setState (UI thread) hands the parsed state to process() through one atomic exchange.
/// </summary>
public sealed unsafe class NeuralSynthProcessor : ComObject,
    IComponentImpl, IAudioProcessorImpl, IProcessContextRequirementsImpl, IConnectionPointImpl
{
    public const ulong SpeakerStereo = 3, SpeakerMono = 0x80000;
    const int MediaAudio = 0, MediaEvent = 1, DirInput = 0, DirOutput = 1;
    const int MaxScratch = 8192;   // larger host blocks are rendered in chunks of this size
    static readonly int s_bypassIndex = Parameters.IndexOf(ParamIds.Bypass);

    readonly InstrumentEngine _engine = new();
    readonly double[] _values = Parameters.Defaults();   // normalized, by index; written on the audio thread
    PluginState? _pendingState;                          // from setState, taken by process()/setActive
    string _modelId;
    nint _hostContext, _peer;
    ulong _outputArrangement = SpeakerStereo;
    bool _audioOutActive = true, _eventInActive = true, _active;
    ProcessSetup _setup = new() { SampleRate = 44100, MaxSamplesPerBlock = 1024 };
    readonly float* _scratchL, _scratchR;

    public NeuralSynthProcessor()
        : base(ComponentInterface.Interface, AudioProcessorInterface.Interface,
               ProcessContextRequirementsInterface.Interface, ConnectionPointInterface.Interface)
    {
        _modelId = _engine.ModelId;
        _scratchL = (float*)NativeMemory.AllocZeroed(MaxScratch * sizeof(float));
        _scratchR = (float*)NativeMemory.AllocZeroed(MaxScratch * sizeof(float));
    }

    public InstrumentEngine Engine => _engine;

    protected override void OnFinalRelease()
    {
        _engine.Dispose();
        ReleaseRef(ref _peer);
        ReleaseRef(ref _hostContext);
        NativeMemory.Free(_scratchL);
        NativeMemory.Free(_scratchR);
    }

    static void ReleaseRef(ref nint p) => ConnectionPeer.ReleaseRef(ref p);

    // ---- IPluginBase ----

    public int Initialize(nint context)
    {
        if (_hostContext != 0) return Tresult.False;    // already initialized
        if (context != 0) { new Unknown(context).AddRef(); _hostContext = context; }
        return Tresult.Ok;
    }

    public int Terminate()
    {
        _engine.Stop();
        ReleaseRef(ref _peer);
        ReleaseRef(ref _hostContext);
        return Tresult.Ok;
    }

    // ---- IComponent ----

    public int GetControllerClassId(byte* classId)
    {
        if (classId == null) return Tresult.InvalidArgument;
        PluginInfo.ControllerCid.CopyTo(new Span<byte>(classId, 16));
        return Tresult.Ok;
    }

    public int SetIoMode(int mode) => Tresult.NotImplemented;

    public int GetBusCount(int mediaType, int direction) =>
        (mediaType == MediaAudio && direction == DirOutput) || (mediaType == MediaEvent && direction == DirInput) ? 1 : 0;

    public int GetBusInfo(int mediaType, int direction, int index, BusInfo* info)
    {
        if (info == null || index != 0) return Tresult.InvalidArgument;
        *info = default;
        info->MediaType = mediaType;
        info->Direction = direction;
        info->BusType = 0;        // main
        info->Flags = 1;          // default active
        if (mediaType == MediaAudio && direction == DirOutput)
        {
            info->ChannelCount = BitOperations.PopCount(_outputArrangement);
            FixedString.WriteUtf16(info->Name, 128, "Output");
        }
        else if (mediaType == MediaEvent && direction == DirInput)
        {
            info->ChannelCount = 16;  // MIDI channels
            FixedString.WriteUtf16(info->Name, 128, "MIDI Input");
        }
        else return Tresult.InvalidArgument;
        return Tresult.Ok;
    }

    public int GetRoutingInfo(RoutingInfo* inInfo, RoutingInfo* outInfo) => Tresult.NotImplemented;

    public int ActivateBus(int mediaType, int direction, int index, bool state)
    {
        if (index != 0) return Tresult.InvalidArgument;
        if (mediaType == MediaAudio && direction == DirOutput) _audioOutActive = state;
        else if (mediaType == MediaEvent && direction == DirInput) _eventInActive = state;
        else return Tresult.InvalidArgument;
        return Tresult.Ok;
    }

    public int SetActive(bool state)
    {
        if (state && !_active)
        {
            _engine.Setup(_setup.SampleRate, _setup.MaxSamplesPerBlock, _setup.ProcessMode);
            _engine.Process(_scratchL, _scratchR, 16);   // JIT the render path now, not in the first process()
            _engine.Reset();
            PushAllParametersToEngine();
        }
        else if (!state) _engine.Reset();
        _active = state;
        return Tresult.Ok;
    }

    public int SetState(nint stream)
    {
        if (stream == 0) return Tresult.InvalidArgument;
        var bytes = new BStream(stream).ReadToEnd(PluginState.MaxBytes);
        if (bytes == null) { Console.Error.WriteLine("NeuralSynth: state rejected: unreadable or too large"); return Tresult.False; }
        string error = "";
        PluginState? state = bytes.Length == 0
            ? PluginState.Default(_modelId)                     // an empty stream means defaults
            : PluginState.TryParse(bytes, out error);
        if (state == null)
        {
            Console.Error.WriteLine($"NeuralSynth: state rejected, keeping the current one: {error}");
            return Tresult.False;
        }
        Volatile.Write(ref _pendingState, state);
        return Tresult.Ok;
    }

    public int GetState(nint stream)
    {
        if (stream == 0) return Tresult.InvalidArgument;
        var pending = Volatile.Read(ref _pendingState);
        var state = pending ?? new PluginState { ModelId = _modelId, Values = (double[])_values.Clone(), Corners = _engine.Corners };
        return new BStream(stream).WriteAll(state.Serialize()) ? Tresult.Ok : Tresult.False;
    }

    /// <summary>The current normalized value of a parameter as the processor sees it (tests, getState).</summary>
    public double GetValue(uint id)
    {
        var pending = Volatile.Read(ref _pendingState);
        int i = Parameters.IndexOf(id);
        return i < 0 ? double.NaN : (pending?.Values ?? _values)[i];
    }

    void ApplyState(PluginState state)
    {
        _modelId = state.ModelId;
        for (int i = 0; i < _values.Length; i++)
        {
            _values[i] = state.Values[i];
            var p = Parameters.All[i];
            _engine.SetParameter(p.Id, p.ToPlain(_values[i]), 0);
        }
        _engine.SetCorners(state.Corners);
    }

    void PushAllParametersToEngine()
    {
        var pending = Interlocked.Exchange(ref _pendingState, null);
        if (pending != null) { ApplyState(pending); return; }
        for (int i = 0; i < _values.Length; i++) _engine.SetParameter(Parameters.All[i].Id, Parameters.All[i].ToPlain(_values[i]), 0);
    }

    // ---- IAudioProcessor ----

    public int SetBusArrangements(ulong* inputs, int numIns, ulong* outputs, int numOuts)
    {
        if (numIns != 0 || numOuts != 1 || outputs == null) return Tresult.False;
        if (outputs[0] != SpeakerStereo && outputs[0] != SpeakerMono) return Tresult.False;
        _outputArrangement = outputs[0];
        return Tresult.Ok;
    }

    public int GetBusArrangement(int direction, int index, ulong* arrangement)
    {
        if (arrangement == null || direction != DirOutput || index != 0) return Tresult.InvalidArgument;
        *arrangement = _outputArrangement;
        return Tresult.Ok;
    }

    public int CanProcessSampleSize(int symbolicSampleSize) => symbolicSampleSize is 0 or 1 ? Tresult.Ok : Tresult.False;

    public uint GetLatencySamples() => 0;

    public int SetupProcessing(ProcessSetup* setup)
    {
        if (setup == null) return Tresult.InvalidArgument;
        if (!InstrumentEngine.SupportsSampleRate(setup->SampleRate) || setup->MaxSamplesPerBlock <= 0) return Tresult.False;
        if (setup->SymbolicSampleSize is not (0 or 1)) return Tresult.False;
        _setup = *setup;
        _engine.Setup(_setup.SampleRate, _setup.MaxSamplesPerBlock, _setup.ProcessMode);
        return Tresult.Ok;
    }

    public int SetProcessing(bool state) => Tresult.Ok;

    public uint GetTailSamples() => _engine.TailSamples;

    public int Process(ProcessData* data)
    {
        if (data == null) return Tresult.InvalidArgument;
        var pending = Interlocked.Exchange(ref _pendingState, null);
        if (pending != null) ApplyState(pending);

        int n = data->NumSamples;
        int lastOffset = Math.Max(0, n - 1);
        if (data->InputParameterChanges != 0) ReadParameterChanges(new ParameterChanges(data->InputParameterChanges), new ParameterChanges(data->OutputParameterChanges), lastOffset);
        if (data->InputEvents != 0 && _eventInActive) ReadEvents(new EventList(data->InputEvents), lastOffset);

        if (n <= 0 || data->NumOutputs <= 0 || data->Outputs == null || !_audioOutActive)
        {
            _engine.Process(null, null, 0);   // a parameter flush: apply changes without time passing
            return Tresult.Ok;
        }
        ref AudioBusBuffers bus = ref data->Outputs[0];
        int channels = bus.NumChannels;
        if (channels <= 0 || bus.ChannelBuffers == null)
        {
            _engine.Process(null, null, 0);
            return Tresult.Ok;
        }
        bool is64 = data->SymbolicSampleSize == 1;
        bool bypass = _values[s_bypassIndex] >= 0.5;
        bool silent = true;
        for (int done = 0; done < n;)
        {
            int m = Math.Min(n - done, MaxScratch);
            float* l = _scratchL, r = _scratchR;
            if (!is64)
            {
                l = (float*)bus.ChannelBuffers[0] + done;
                if (channels >= 2) r = (float*)bus.ChannelBuffers[1] + done;
            }
            _engine.Process(l, r, m);
            if (bypass)
            {
                new Span<float>(l, m).Clear();
                new Span<float>(r, m).Clear();
            }
            else if (channels == 1)
            {
                for (int i = 0; i < m; i++) l[i] = 0.5f * (l[i] + r[i]);
            }
            if (silent && !bypass) silent = new Span<float>(l, m).IndexOfAnyExcept(0f) < 0 && new Span<float>(r, m).IndexOfAnyExcept(0f) < 0;
            if (is64)
            {
                double* dl = (double*)bus.ChannelBuffers[0] + done;
                for (int i = 0; i < m; i++) dl[i] = l[i];
                if (channels >= 2)
                {
                    double* dr = (double*)bus.ChannelBuffers[1] + done;
                    for (int i = 0; i < m; i++) dr[i] = r[i];
                }
            }
            done += m;
        }
        for (int c = 2; c < channels; c++)   // channels we don't drive are silent
        {
            if (is64) new Span<double>(bus.ChannelBuffers[c], n).Clear();
            else new Span<float>(bus.ChannelBuffers[c], n).Clear();
        }
        bus.SilenceFlags = silent ? (channels >= 64 ? ulong.MaxValue : (1UL << channels) - 1) : 0;
        return Tresult.Ok;
    }

    void ReadParameterChanges(ParameterChanges changes, ParameterChanges output, int lastOffset)
    {
        int count = changes.Count;
        // The Sound queue first: picking a sound sets its preset's parameters, and their own changes in the same block win.
        for (int q = 0; q < count; q++)
        {
            var queue = changes.GetQueue(q);
            if (!queue.IsNull && queue.ParameterId == ParamIds.Sound) ReadQueue(queue, output, lastOffset);
        }
        for (int q = 0; q < count; q++)
        {
            var queue = changes.GetQueue(q);
            if (!queue.IsNull && queue.ParameterId != ParamIds.Sound) ReadQueue(queue, output, lastOffset);
        }
    }

    void ReadQueue(ParamValueQueue queue, ParameterChanges output, int lastOffset)
    {
        uint id = queue.ParameterId;
        int index = Parameters.IndexOf(id);
        if (index < 0) return;
        var def = Parameters.All[index];
        int points = queue.PointCount;
        for (int p = 0; p < points; p++)
        {
            int offset;
            double value;
            if (queue.GetPoint(p, &offset, &value) != Tresult.Ok || !double.IsFinite(value)) continue;
            value = Math.Clamp(value, 0, 1);
            offset = Math.Clamp(offset, 0, lastOffset);
            if (id == ParamIds.Sound && value != _values[index])
            {
                _engine.SetCorners(null);   // picking a bank sound leaves a loaded preset's own corners behind
                if (def.ToPlain(value) != def.ToPlain(_values[index])) PickSoundValues((int)def.ToPlain(value), output, offset);
            }
            _values[index] = value;
            if (id != ParamIds.Bypass) _engine.SetParameter(id, def.ToPlain(value), offset);
        }
    }

    /// A newly picked sound brings its preset's pad position, macros, seed, release, velocity response and vibrato
    /// (Parameters.SoundIds); the host hears of them as output parameter changes, so its controller and automation
    /// lanes follow.
    void PickSoundValues(int sound, ParameterChanges output, int offset)
    {
        var values = Parameters.SoundValues(sound);
        if (values == null) return;
        for (int k = 0; k < values.Length; k++)
        {
            uint id = Parameters.SoundIds[k];
            int index = Parameters.IndexOf(id);
            _values[index] = values[k];
            _engine.SetParameter(id, Parameters.All[index].ToPlain(values[k]), offset);
            if (output.IsNull) continue;
            var queue = output.AddQueue(id);
            if (!queue.IsNull) queue.AddPoint(offset, values[k]);
        }
    }

    void ReadEvents(EventList events, int lastOffset)
    {
        int count = events.Count;
        Event e;
        for (int i = 0; i < count; i++)
        {
            if (events.GetEvent(i, &e) != Tresult.Ok || e.BusIndex != 0) continue;
            int offset = Math.Clamp(e.SampleOffset, 0, lastOffset);
            if (e.Type == Event.NoteOnType)
            {
                if (e.NoteOn.Pitch is >= 0 and <= 127) _engine.NoteOn(offset, e.NoteOn.Pitch, e.NoteOn.Velocity, e.NoteOn.Tuning);
            }
            else if (e.Type == Event.NoteOffType)
            {
                if (e.NoteOff.Pitch is >= 0 and <= 127) _engine.NoteOff(offset, e.NoteOff.Pitch);
            }
        }
    }

    // ---- IProcessContextRequirements: we need no transport information. ----

    public uint GetProcessContextRequirements() => 0;

    // ---- IConnectionPoint: nothing to exchange yet (parameters travel through the host). ----

    public int Connect(nint other) => ConnectionPeer.Connect(ref _peer, other);

    public int Disconnect(nint other) => ConnectionPeer.Disconnect(ref _peer, other);

    public int Notify(nint message) => message == 0 ? Tresult.InvalidArgument : Tresult.False;
}
