using System.Runtime.InteropServices;

namespace NeuralSynth.Plugin.Vst3;

/// <summary>IPluginBase (slots 3-4), the base of IComponent and IEditController.</summary>
public interface IPluginBaseImpl
{
    int Initialize(nint context);
    int Terminate();
}

/// <summary>IComponent, slots 5-13 after IPluginBase.</summary>
public unsafe interface IComponentImpl : IPluginBaseImpl
{
    int GetControllerClassId(byte* classId);
    int SetIoMode(int mode);
    int GetBusCount(int mediaType, int direction);
    int GetBusInfo(int mediaType, int direction, int index, BusInfo* info);
    int GetRoutingInfo(RoutingInfo* inInfo, RoutingInfo* outInfo);
    int ActivateBus(int mediaType, int direction, int index, bool state);
    int SetActive(bool state);
    int SetState(nint stream);
    int GetState(nint stream);
}

/// <summary>IAudioProcessor, slots 3-10.</summary>
public unsafe interface IAudioProcessorImpl
{
    int SetBusArrangements(ulong* inputs, int numIns, ulong* outputs, int numOuts);
    int GetBusArrangement(int direction, int index, ulong* arrangement);
    int CanProcessSampleSize(int symbolicSampleSize);
    uint GetLatencySamples();
    int SetupProcessing(ProcessSetup* setup);
    int SetProcessing(bool state);
    int Process(ProcessData* data);
    uint GetTailSamples();
}

/// <summary>IProcessContextRequirements, slot 3.</summary>
public interface IProcessContextRequirementsImpl
{
    uint GetProcessContextRequirements();
}

public static unsafe class ComponentInterface
{
    public static readonly ComInterface Interface = new(Vtable.Create(
            (nint)(delegate* unmanaged<nint, nint, int>)&Initialize,
            (nint)(delegate* unmanaged<nint, int>)&Terminate,
            (nint)(delegate* unmanaged<nint, byte*, int>)&GetControllerClassId,
            (nint)(delegate* unmanaged<nint, int, int>)&SetIoMode,
            (nint)(delegate* unmanaged<nint, int, int, int>)&GetBusCount,
            (nint)(delegate* unmanaged<nint, int, int, int, BusInfo*, int>)&GetBusInfo,
            (nint)(delegate* unmanaged<nint, RoutingInfo*, RoutingInfo*, int>)&GetRoutingInfo,
            (nint)(delegate* unmanaged<nint, int, int, int, byte, int>)&ActivateBus,
            (nint)(delegate* unmanaged<nint, byte, int>)&SetActive,
            (nint)(delegate* unmanaged<nint, nint, int>)&SetState,
            (nint)(delegate* unmanaged<nint, nint, int>)&GetState),
        Iids.IComponent.ToArray(), Iids.IPluginBase.ToArray());

    static IComponentImpl C(nint self) => ComObject.From<IComponentImpl>(self);

    [UnmanagedCallersOnly] static int Initialize(nint self, nint context) { try { return C(self).Initialize(context); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int Terminate(nint self) { try { return C(self).Terminate(); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int GetControllerClassId(nint self, byte* classId) { try { return C(self).GetControllerClassId(classId); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int SetIoMode(nint self, int mode) { try { return C(self).SetIoMode(mode); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int GetBusCount(nint self, int type, int dir) { try { return C(self).GetBusCount(type, dir); } catch (Exception e) { Guard.Fail(e); return 0; } }
    [UnmanagedCallersOnly] static int GetBusInfo(nint self, int type, int dir, int index, BusInfo* info) { try { return C(self).GetBusInfo(type, dir, index, info); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int GetRoutingInfo(nint self, RoutingInfo* i, RoutingInfo* o) { try { return C(self).GetRoutingInfo(i, o); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int ActivateBus(nint self, int type, int dir, int index, byte state) { try { return C(self).ActivateBus(type, dir, index, state != 0); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int SetActive(nint self, byte state) { try { return C(self).SetActive(state != 0); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int SetState(nint self, nint stream) { try { return C(self).SetState(stream); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int GetState(nint self, nint stream) { try { return C(self).GetState(stream); } catch (Exception e) { return Guard.Fail(e); } }
}

public static unsafe class AudioProcessorInterface
{
    public static readonly ComInterface Interface = new(Vtable.Create(
            (nint)(delegate* unmanaged<nint, ulong*, int, ulong*, int, int>)&SetBusArrangements,
            (nint)(delegate* unmanaged<nint, int, int, ulong*, int>)&GetBusArrangement,
            (nint)(delegate* unmanaged<nint, int, int>)&CanProcessSampleSize,
            (nint)(delegate* unmanaged<nint, uint>)&GetLatencySamples,
            (nint)(delegate* unmanaged<nint, ProcessSetup*, int>)&SetupProcessing,
            (nint)(delegate* unmanaged<nint, byte, int>)&SetProcessing,
            (nint)(delegate* unmanaged<nint, ProcessData*, int>)&Process,
            (nint)(delegate* unmanaged<nint, uint>)&GetTailSamples),
        Iids.IAudioProcessor.ToArray());

    static IAudioProcessorImpl P(nint self) => ComObject.From<IAudioProcessorImpl>(self);

    [UnmanagedCallersOnly] static int SetBusArrangements(nint self, ulong* ins, int nIns, ulong* outs, int nOuts) { try { return P(self).SetBusArrangements(ins, nIns, outs, nOuts); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int GetBusArrangement(nint self, int dir, int index, ulong* arr) { try { return P(self).GetBusArrangement(dir, index, arr); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int CanProcessSampleSize(nint self, int size) { try { return P(self).CanProcessSampleSize(size); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static uint GetLatencySamples(nint self) { try { return P(self).GetLatencySamples(); } catch (Exception e) { Guard.Fail(e); return 0; } }
    [UnmanagedCallersOnly] static int SetupProcessing(nint self, ProcessSetup* setup) { try { return P(self).SetupProcessing(setup); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int SetProcessing(nint self, byte state) { try { return P(self).SetProcessing(state != 0); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int Process(nint self, ProcessData* data) { try { return P(self).Process(data); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static uint GetTailSamples(nint self) { try { return P(self).GetTailSamples(); } catch (Exception e) { Guard.Fail(e); return 0; } }
}

public static unsafe class ProcessContextRequirementsInterface
{
    public static readonly ComInterface Interface = new(Vtable.Create(
            (nint)(delegate* unmanaged<nint, uint>)&GetProcessContextRequirements),
        Iids.IProcessContextRequirements.ToArray());

    [UnmanagedCallersOnly]
    static uint GetProcessContextRequirements(nint self)
    {
        try { return ComObject.From<IProcessContextRequirementsImpl>(self).GetProcessContextRequirements(); }
        catch (Exception e) { Guard.Fail(e); return 0; }
    }
}
