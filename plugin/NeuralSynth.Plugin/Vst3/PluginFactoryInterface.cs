using System.Runtime.InteropServices;

namespace NeuralSynth.Plugin.Vst3;

/// <summary>IPluginFactory, IPluginFactory2 and IPluginFactory3 share one vtable (slots 3-9).</summary>
public unsafe interface IPluginFactoryImpl
{
    int GetFactoryInfo(PFactoryInfo* info);
    int CountClasses();
    int GetClassInfo(int index, PClassInfo* info);
    int CreateInstance(byte* cid, byte* iid, nint* obj);
    int GetClassInfo2(int index, PClassInfo2* info);
    int GetClassInfoUnicode(int index, PClassInfoW* info);
    int SetHostContext(nint context);
}

public static unsafe class PluginFactoryInterface
{
    public static readonly ComInterface Interface = new(Vtable.Create(
            (nint)(delegate* unmanaged<nint, PFactoryInfo*, int>)&GetFactoryInfo,
            (nint)(delegate* unmanaged<nint, int>)&CountClasses,
            (nint)(delegate* unmanaged<nint, int, PClassInfo*, int>)&GetClassInfo,
            (nint)(delegate* unmanaged<nint, byte*, byte*, nint*, int>)&CreateInstance,
            (nint)(delegate* unmanaged<nint, int, PClassInfo2*, int>)&GetClassInfo2,
            (nint)(delegate* unmanaged<nint, int, PClassInfoW*, int>)&GetClassInfoUnicode,
            (nint)(delegate* unmanaged<nint, nint, int>)&SetHostContext),
        Iids.IPluginFactory3.ToArray(), Iids.IPluginFactory2.ToArray(), Iids.IPluginFactory.ToArray());

    static IPluginFactoryImpl F(nint self) => ComObject.From<IPluginFactoryImpl>(self);

    [UnmanagedCallersOnly] static int GetFactoryInfo(nint self, PFactoryInfo* info) { try { return F(self).GetFactoryInfo(info); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int CountClasses(nint self) { try { return F(self).CountClasses(); } catch (Exception e) { Guard.Fail(e); return 0; } }
    [UnmanagedCallersOnly] static int GetClassInfo(nint self, int index, PClassInfo* info) { try { return F(self).GetClassInfo(index, info); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly]
    static int CreateInstance(nint self, byte* cid, byte* iid, nint* obj)
    {
        try { return F(self).CreateInstance(cid, iid, obj); }
        catch (Exception e) { if (obj != null) *obj = 0; return Guard.Fail(e); }
    }
    [UnmanagedCallersOnly] static int GetClassInfo2(nint self, int index, PClassInfo2* info) { try { return F(self).GetClassInfo2(index, info); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int GetClassInfoUnicode(nint self, int index, PClassInfoW* info) { try { return F(self).GetClassInfoUnicode(index, info); } catch (Exception e) { return Guard.Fail(e); } }
    [UnmanagedCallersOnly] static int SetHostContext(nint self, nint context) { try { return F(self).SetHostContext(context); } catch (Exception e) { return Guard.Fail(e); } }
}
