using System.Runtime.InteropServices;

namespace NeuralSynth.Plugin.Vst3;

/// <summary>One interface a <see cref="ComObject"/> exposes: its native vtable and the ids it answers to
/// (the interface and its bases except FUnknown, e.g. IComponent and IPluginBase share one vtable).</summary>
public sealed unsafe class ComInterface(nint vtable, params byte[][] iids)
{
    public nint Vtable { get; } = vtable;
    readonly byte[][] _iids = iids;

    public bool Matches(byte* iid)
    {
        foreach (var id in _iids) if (Iids.Equals(iid, id)) return true;
        return false;
    }
}

/// <summary>
/// A managed object the host sees as a C++ object. Native block, allocated once and never moved:
/// for each exposed interface k, 16 bytes at +16k: [vtable pointer][GCHandle of this object]. The pointer
/// handed out for interface k is block + 16k, so every entry point finds its object at this+8 without knowing k
/// (C++ would use thunks subtracting k*8; we have none). The GCHandle keeps the object alive until the
/// reference count (atomic, starting at 1 for the creator) falls to 0.
/// </summary>
public abstract unsafe class ComObject
{
    const int SlotSize = 16;
    readonly ComInterface[] _interfaces;
    readonly nint _block;
    GCHandle _handle;
    int _refCount = 1;

    protected ComObject(params ComInterface[] interfaces)
    {
        _interfaces = interfaces;
        _block = (nint)NativeMemory.AllocZeroed((nuint)(interfaces.Length * SlotSize));
        _handle = GCHandle.Alloc(this);
        for (int k = 0; k < interfaces.Length; k++)
        {
            var slot = (nint*)(_block + k * SlotSize);
            slot[0] = interfaces[k].Vtable;
            slot[1] = GCHandle.ToIntPtr(_handle);
        }
    }

    /// <summary>The pointer of the first interface (also the FUnknown identity).</summary>
    public nint Pointer => _block;

    public nint InterfacePointer(int index) => _block + index * SlotSize;

    public int RefCount => Volatile.Read(ref _refCount);

    public int QueryInterface(byte* iid, nint* obj)
    {
        if (obj == null) return Tresult.InvalidArgument;
        if (Iids.Equals(iid, Iids.FUnknown)) { AddRef(); *obj = _block; return Tresult.Ok; }
        for (int k = 0; k < _interfaces.Length; k++)
        {
            if (_interfaces[k].Matches(iid)) { AddRef(); *obj = InterfacePointer(k); return Tresult.Ok; }
        }
        *obj = 0;
        return Tresult.NoInterface;
    }

    public uint AddRef() => (uint)Interlocked.Increment(ref _refCount);

    public uint Release()
    {
        int n = Interlocked.Decrement(ref _refCount);
        if (n == 0) Destroy();
        return (uint)Math.Max(n, 0);
    }

    /// <summary>Called once when the last reference goes: release what the object holds.</summary>
    protected virtual void OnFinalRelease() { }

    void Destroy()
    {
        try { OnFinalRelease(); }
        finally
        {
            for (int k = 0; k < _interfaces.Length; k++) ((nint*)(_block + k * SlotSize))[1] = 0;
            _handle.Free();
            NativeMemory.Free((void*)_block);
        }
    }

    /// <summary>The managed object behind an interface pointer we handed out.</summary>
    public static T From<T>(nint self) where T : class
    {
        nint handle = ((nint*)self)[1];
        if (handle == 0) throw new ObjectDisposedException(typeof(T).Name, "call on a released object");
        return (T)GCHandle.FromIntPtr(handle).Target!;
    }
}

/// <summary>Builds native vtables: FUnknown's three slots, then the interface's methods.</summary>
public static unsafe class Vtable
{
    public static nint Create(params nint[] methods)
    {
        var v = (nint*)NativeMemory.Alloc((nuint)((3 + methods.Length) * sizeof(nint)));  // lives as long as the runtime
        v[0] = (nint)(delegate* unmanaged<nint, byte*, nint*, int>)&QueryInterface;
        v[1] = (nint)(delegate* unmanaged<nint, uint>)&AddRef;
        v[2] = (nint)(delegate* unmanaged<nint, uint>)&Release;
        for (int i = 0; i < methods.Length; i++) v[3 + i] = methods[i];
        return (nint)v;
    }

    [UnmanagedCallersOnly]
    static int QueryInterface(nint self, byte* iid, nint* obj)
    {
        try { return ComObject.From<ComObject>(self).QueryInterface(iid, obj); }
        catch (Exception e) { if (obj != null) *obj = 0; return Guard.Fail(e); }
    }

    [UnmanagedCallersOnly]
    static uint AddRef(nint self)
    {
        try { return ComObject.From<ComObject>(self).AddRef(); }
        catch (Exception e) { Guard.Fail(e); return 0; }
    }

    [UnmanagedCallersOnly]
    static uint Release(nint self)
    {
        try { return ComObject.From<ComObject>(self).Release(); }
        catch (Exception e) { Guard.Fail(e); return 0; }
    }
}

/// <summary>No exception may leave an entry point (it would kill the host): entries catch, report here, and
/// return kInternalError. Reports go to stderr, at most a few dozen per process so a bug can't flood it.</summary>
public static class Guard
{
    static int s_reports;

    public static int Fail(Exception e, [System.Runtime.CompilerServices.CallerMemberName] string where = "")
    {
        if (Interlocked.Increment(ref s_reports) <= 32)
        {
            try { Console.Error.WriteLine($"NeuralSynth: {where}: {e.GetType().Name}: {e.Message}"); } catch { }
        }
        return Tresult.InternalError;
    }
}
