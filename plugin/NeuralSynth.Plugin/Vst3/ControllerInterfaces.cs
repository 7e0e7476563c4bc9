using System.Runtime.InteropServices;

namespace NeuralSynth.Plugin.Vst3;

/// <summary>IEditController, slots 5-17 after IPluginBase.</summary>
public unsafe interface IEditControllerImpl : IPluginBaseImpl
{
    int SetComponentState(nint stream);
    int SetState(nint stream);
    int GetState(nint stream);
    int GetParameterCount();
    int GetParameterInfo(int index, ParameterInfo* info);
    int GetParamStringByValue(uint id, double normalized, char* text128);
    int GetParamValueByString(uint id, char* text, double* normalized);
    double NormalizedParamToPlain(uint id, double normalized);
    double PlainParamToNormalized(uint id, double plain);
    double GetParamNormalized(uint id);
    int SetParamNormalized(uint id, double value);
    int SetComponentHandler(nint handler);
    nint CreateView(byte* name);
}

/// <summary>IEditController2, slots 3-5.</summary>
public interface IEditController2Impl
{
    int SetKnobMode(int mode);
    int OpenHelp(bool onlyCheck);
    int OpenAboutBox(bool onlyCheck);
}

/// <summary>IMidiMapping, slot 3.</summary>
public unsafe interface IMidiMappingImpl
{
    int GetMidiControllerAssignment(int busIndex, short channel, short controller, uint* id);
}

/// <summary>IConnectionPoint, slots 3-5 (processor and controller both).</summary>
public interface IConnectionPointImpl
{
    int Connect(nint other);
    int Disconnect(nint other);
    int Notify(nint message);
}

public static unsafe class EditControllerInterface
{
    public static readonly ComInterface Interface = new(Vtable.Create(
            (nint)(delegate* unmanaged<nint, nint, int>)&Initialize,
            (nint)(delegate* unmanaged<nint, int>)&Terminate,
            (nint)(delegate* unmanaged<nint, nint, int>)&SetComponentState,
            (nint)(delegate* unmanaged<nint, nint, int>)&SetState,
            (nint)(delegate* unmanaged<nint, nint, int>)&GetState,
            (nint)(delegate* unmanaged<nint, int>)&GetParameterCount,
            (nint)(delegate* unmanaged<nint, int, ParameterInfo*, int>)&GetParameterInfo,
            (nint)(delegate* unmanaged<nint, uint, double, char*, int>)&GetParamStringByValue,
            (nint)(delegate* unmanaged<nint, uint, char*, double*, int>)&GetParamValueByString,
            (nint)(delegate* unmanaged<nint, uint, double, double>)&NormalizedParamToPlain,
            (nint)(delegate* unmanaged<nint, uint, double, double>)&PlainParamToNormalized,
            (nint)(delegate* unmanaged<nint, uint, double>)&GetParamNormalized,
            (nint)(delegate* unmanaged<nint, uint, double, int>)&SetParamNormalized,
            (nint)(delegate* unmanaged<nint, nint, int>)&SetComponentHandler,
            (nint)(delegate* unmanaged<nint, byte*, nint>)&CreateView),
        Iids.IEditController.ToArray(), Iids.IPluginBase.ToArray());

    static IEditControllerImpl E(nint self) => ComObject.From<IEditControllerImpl>(self);

    [UnmanagedCallersOnly] static int Initialize(nint self, nint context) { try { return E(self).Initialize(context); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int Terminate(nint self) { try { return E(self).Terminate(); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int SetComponentState(nint self, nint stream) { try { return E(self).SetComponentState(stream); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int SetState(nint self, nint stream) { try { return E(self).SetState(stream); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int GetState(nint self, nint stream) { try { return E(self).GetState(stream); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int GetParameterCount(nint self) { try { return E(self).GetParameterCount(); } catch (Exception e) { Guard.Fail(e); return 0; } }
    [UnmanagedCallersOnly] static int GetParameterInfo(nint self, int index, ParameterInfo* info) { try { return E(self).GetParameterInfo(index, info); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int GetParamStringByValue(nint self, uint id, double v, char* text) { try { return E(self).GetParamStringByValue(id, v, text); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int GetParamValueByString(nint self, uint id, char* text, double* v) { try { return E(self).GetParamValueByString(id, text, v); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static double NormalizedParamToPlain(nint self, uint id, double v) { try { return E(self).NormalizedParamToPlain(id, v); } catch (Exception e) { Guard.Fail(e); return 0; } }
    [UnmanagedCallersOnly] static double PlainParamToNormalized(nint self, uint id, double v) { try { return E(self).PlainParamToNormalized(id, v); } catch (Exception e) { Guard.Fail(e); return 0; } }
    [UnmanagedCallersOnly] static double GetParamNormalized(nint self, uint id) { try { return E(self).GetParamNormalized(id); } catch (Exception e) { Guard.Fail(e); return 0; } }
    [UnmanagedCallersOnly] static int SetParamNormalized(nint self, uint id, double v) { try { return E(self).SetParamNormalized(id, v); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int SetComponentHandler(nint self, nint handler) { try { return E(self).SetComponentHandler(handler); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static nint CreateView(nint self, byte* name) { try { return E(self).CreateView(name); } catch (Exception e) { Guard.Fail(e); return 0; } }
}

public static unsafe class EditController2Interface
{
    public static readonly ComInterface Interface = new(Vtable.Create(
            (nint)(delegate* unmanaged<nint, int, int>)&SetKnobMode,
            (nint)(delegate* unmanaged<nint, byte, int>)&OpenHelp,
            (nint)(delegate* unmanaged<nint, byte, int>)&OpenAboutBox),
        Iids.IEditController2.ToArray());

    static IEditController2Impl E(nint self) => ComObject.From<IEditController2Impl>(self);

    [UnmanagedCallersOnly] static int SetKnobMode(nint self, int mode) { try { return E(self).SetKnobMode(mode); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int OpenHelp(nint self, byte onlyCheck) { try { return E(self).OpenHelp(onlyCheck != 0); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int OpenAboutBox(nint self, byte onlyCheck) { try { return E(self).OpenAboutBox(onlyCheck != 0); } catch (Exception e) { return Guard.Fail(e); } }
}

public static unsafe class MidiMappingInterface
{
    public static readonly ComInterface Interface = new(Vtable.Create(
            (nint)(delegate* unmanaged<nint, int, short, short, uint*, int>)&GetMidiControllerAssignment),
        Iids.IMidiMapping.ToArray());

    [UnmanagedCallersOnly]
    static int GetMidiControllerAssignment(nint self, int bus, short channel, short cc, uint* id)
    {
        try { return ComObject.From<IMidiMappingImpl>(self).GetMidiControllerAssignment(bus, channel, cc, id); }
        catch (Exception e) { return Guard.Fail(e); }
    }
}

public static unsafe class ConnectionPointInterface
{
    public static readonly ComInterface Interface = new(Vtable.Create(
            (nint)(delegate* unmanaged<nint, nint, int>)&Connect,
            (nint)(delegate* unmanaged<nint, nint, int>)&Disconnect,
            (nint)(delegate* unmanaged<nint, nint, int>)&Notify),
        Iids.IConnectionPoint.ToArray());

    static IConnectionPointImpl C(nint self) => ComObject.From<IConnectionPointImpl>(self);

    [UnmanagedCallersOnly] static int Connect(nint self, nint other) { try { return C(self).Connect(other); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int Disconnect(nint self, nint other) { try { return C(self).Disconnect(other); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int Notify(nint self, nint message) { try { return C(self).Notify(message); } catch (Exception e) { return Guard.Fail(e); } }
}
