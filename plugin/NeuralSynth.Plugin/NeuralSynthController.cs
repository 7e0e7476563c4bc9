using NeuralSynth.Plugin.Vst3;

namespace NeuralSynth.Plugin;

/// <summary>
/// The edit controller (IEditController + IEditController2 + IMidiMapping + IConnectionPoint): describes the
/// parameters, prints and parses their values with units, mirrors the processor's state, and maps MIDI pitch
/// bend, sustain (CC64) and mod wheel (CC1) to hidden parameters. No editor view yet (createView gives null).
/// </summary>
public sealed unsafe class NeuralSynthController : ComObject,
    IEditControllerImpl, IEditController2Impl, IMidiMappingImpl, IConnectionPointImpl
{
    const short CcModWheel = 1, CcSustain = 64, CcPitchBend = 129;

    readonly double[] _values = Parameters.Defaults();
    string _modelId = "";
    nint _hostContext, _handler, _peer;

    public NeuralSynthController()
        : base(EditControllerInterface.Interface, EditController2Interface.Interface,
               MidiMappingInterface.Interface, ConnectionPointInterface.Interface) { }

    public string ModelId => _modelId;

    protected override void OnFinalRelease()
    {
        ReleaseRef(ref _handler);
        ReleaseRef(ref _peer);
        ReleaseRef(ref _hostContext);
    }

    static void ReleaseRef(ref nint p) => ConnectionPeer.ReleaseRef(ref p);

    // ---- IPluginBase ----

    public int Initialize(nint context)
    {
        if (_hostContext != 0) return Tresult.False;
        if (context != 0) { new Unknown(context).AddRef(); _hostContext = context; }
        return Tresult.Ok;
    }

    public int Terminate()
    {
        ReleaseRef(ref _handler);
        ReleaseRef(ref _peer);
        ReleaseRef(ref _hostContext);
        return Tresult.Ok;
    }

    // ---- IEditController ----

    public int SetComponentState(nint stream)
    {
        if (stream == 0) return Tresult.InvalidArgument;
        var bytes = new BStream(stream).ReadToEnd(PluginState.MaxBytes);
        if (bytes == null) return Tresult.False;
        string error = "";
        var state = bytes.Length == 0 ? PluginState.Default(_modelId) : PluginState.TryParse(bytes, out error);
        if (state == null)
        {
            Console.Error.WriteLine($"NeuralSynth: component state rejected by the controller: {error}");
            return Tresult.False;
        }
        _modelId = state.ModelId;
        state.Values.CopyTo(_values, 0);
        return Tresult.Ok;
    }

    // The controller has no state of its own yet: it writes nothing and accepts anything.
    public int SetState(nint stream) => Tresult.Ok;
    public int GetState(nint stream) => Tresult.Ok;

    public int GetParameterCount() => Parameters.Count;

    public int GetParameterInfo(int index, ParameterInfo* info)
    {
        if (info == null || index < 0 || index >= Parameters.Count) return Tresult.InvalidArgument;
        var p = Parameters.All[index];
        *info = default;
        info->Id = p.Id;
        FixedString.WriteUtf16(info->Title, 128, p.Title);
        FixedString.WriteUtf16(info->ShortTitle, 128, p.ShortTitle);
        FixedString.WriteUtf16(info->Units, 128, p.Units);
        info->StepCount = p.StepCount;
        info->DefaultNormalizedValue = p.DefaultNormalized;
        info->UnitId = 0;   // root unit (no IUnitInfo)
        info->Flags = p.Flags;
        return Tresult.Ok;
    }

    public int GetParamStringByValue(uint id, double normalized, char* text128)
    {
        var p = Parameters.Get(id);
        if (p == null || text128 == null) return Tresult.InvalidArgument;
        FixedString.WriteUtf16(text128, 128, p.Format(normalized));
        return Tresult.Ok;
    }

    public int GetParamValueByString(uint id, char* text, double* normalized)
    {
        var p = Parameters.Get(id);
        if (p == null || text == null || normalized == null) return Tresult.InvalidArgument;
        if (!p.TryParse(FixedString.ReadUtf16(text), out double v)) return Tresult.False;
        *normalized = v;
        return Tresult.Ok;
    }

    public double NormalizedParamToPlain(uint id, double normalized) => Parameters.Get(id)?.ToPlain(normalized) ?? normalized;

    public double PlainParamToNormalized(uint id, double plain) => Parameters.Get(id)?.ToNormalized(plain) ?? plain;

    public double GetParamNormalized(uint id)
    {
        int i = Parameters.IndexOf(id);
        return i < 0 ? 0 : _values[i];
    }

    public int SetParamNormalized(uint id, double value)
    {
        int i = Parameters.IndexOf(id);
        if (i < 0 || !double.IsFinite(value)) return Tresult.InvalidArgument;
        value = Math.Clamp(value, 0, 1);
        var p = Parameters.All[i];
        bool newSound = id == ParamIds.Sound && p.ToPlain(value) != p.ToPlain(_values[i]);
        _values[i] = value;
        // A newly picked sound brings its preset's parameters, as the processor applies them (Parameters.SoundIds); the
        // host re-reads them at once rather than when the processor's output changes come back.
        if (newSound && Parameters.SoundValues((int)p.ToPlain(value)) is { } sound)
        {
            for (int k = 0; k < sound.Length; k++) _values[Parameters.IndexOf(Parameters.SoundIds[k])] = sound[k];
            nint handler = Volatile.Read(ref _handler);
            if (handler != 0) new ComponentHandler(handler).RestartComponent(ComponentHandler.ParamValuesChanged);
        }
        return Tresult.Ok;
    }

    public int SetComponentHandler(nint handler)
    {
        if (handler == _handler) return Tresult.Ok;
        if (handler != 0) new Unknown(handler).AddRef();
        nint old = Interlocked.Exchange(ref _handler, handler);
        if (old != 0) new Unknown(old).Release();
        return Tresult.Ok;
    }

    public nint CreateView(byte* name) => 0;

    // ---- IEditController2 ----

    public int SetKnobMode(int mode) => mode is >= 0 and <= 2 ? Tresult.Ok : Tresult.False;
    public int OpenHelp(bool onlyCheck) => Tresult.False;
    public int OpenAboutBox(bool onlyCheck) => Tresult.False;

    // ---- IMidiMapping: CC and pitch bend arrive as changes of these hidden parameters. ----

    public int GetMidiControllerAssignment(int busIndex, short channel, short controller, uint* id)
    {
        if (id == null) return Tresult.InvalidArgument;
        if (busIndex != 0) return Tresult.False;
        switch (controller)
        {
            case CcPitchBend: *id = ParamIds.PitchBend; return Tresult.Ok;
            case CcSustain: *id = ParamIds.Sustain; return Tresult.Ok;
            case CcModWheel: *id = ParamIds.ModWheel; return Tresult.Ok;
            default: return Tresult.False;
        }
    }

    // ---- IConnectionPoint ----

    public int Connect(nint other) => ConnectionPeer.Connect(ref _peer, other);

    public int Disconnect(nint other) => ConnectionPeer.Disconnect(ref _peer, other);

    public int Notify(nint message) => message == 0 ? Tresult.InvalidArgument : Tresult.False;
}
