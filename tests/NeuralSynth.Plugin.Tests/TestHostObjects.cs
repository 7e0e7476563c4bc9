using System.Runtime.InteropServices;
using NeuralSynth.Plugin.Vst3;

namespace NeuralSynth.Plugin.Tests;

// Host-side objects (IEventList, IParamValueQueue, IParameterChanges) built with our own binding machinery,
// so in-process tests feed the processor through real native vtables. Fixed capacity: no allocation per block.

internal sealed unsafe class HostEventList : ComObject
{
    static readonly ComInterface Iface = new(Vtable.Create(
        (nint)(delegate* unmanaged<nint, int>)&GetCount,
        (nint)(delegate* unmanaged<nint, int, Event*, int>)&GetEvent,
        (nint)(delegate* unmanaged<nint, Event*, int>)&AddEvent), Iids.IEventList.ToArray());

    public readonly Event[] Events = new Event[16];
    public int Count;
    public HostEventList() : base(Iface) { }

    [UnmanagedCallersOnly] static int GetCount(nint self) => From<HostEventList>(self).Count;
    [UnmanagedCallersOnly]
    static int GetEvent(nint self, int i, Event* e)
    {
        var l = From<HostEventList>(self);
        if (i < 0 || i >= l.Count) return Tresult.InvalidArgument;
        *e = l.Events[i];
        return Tresult.Ok;
    }
    [UnmanagedCallersOnly] static int AddEvent(nint self, Event* e) => Tresult.NotImplemented;
}

internal sealed unsafe class HostQueue : ComObject
{
    static readonly ComInterface Iface = new(Vtable.Create(
        (nint)(delegate* unmanaged<nint, uint>)&GetId,
        (nint)(delegate* unmanaged<nint, int>)&GetCount,
        (nint)(delegate* unmanaged<nint, int, int*, double*, int>)&GetPoint,
        (nint)(delegate* unmanaged<nint, int, double, int*, int>)&AddPoint), Iids.IParamValueQueue.ToArray());

    public uint Id;
    public readonly (int Offset, double Value)[] Points = new (int, double)[16];
    public int Count;
    public HostQueue() : base(Iface) { }

    [UnmanagedCallersOnly] static uint GetId(nint self) => From<HostQueue>(self).Id;
    [UnmanagedCallersOnly] static int GetCount(nint self) => From<HostQueue>(self).Count;
    [UnmanagedCallersOnly]
    static int GetPoint(nint self, int i, int* offset, double* value)
    {
        var q = From<HostQueue>(self);
        if (i < 0 || i >= q.Count) return Tresult.InvalidArgument;
        *offset = q.Points[i].Offset;
        *value = q.Points[i].Value;
        return Tresult.Ok;
    }
    [UnmanagedCallersOnly]
    static int AddPoint(nint self, int offset, double value, int* index)
    {
        var q = From<HostQueue>(self);
        if (q.Count == q.Points.Length) return Tresult.False;
        q.Points[q.Count] = (offset, value);
        *index = q.Count++;
        return Tresult.Ok;
    }
}

internal sealed unsafe class HostChanges : ComObject
{
    static readonly ComInterface Iface = new(Vtable.Create(
        (nint)(delegate* unmanaged<nint, int>)&GetCount,
        (nint)(delegate* unmanaged<nint, int, nint>)&GetData,
        (nint)(delegate* unmanaged<nint, uint*, int*, nint>)&AddData), Iids.IParameterChanges.ToArray());

    public readonly HostQueue[] Queues = Enumerable.Range(0, 32).Select(_ => new HostQueue()).ToArray();
    public HostQueue Queue => Queues[0];
    public int Count;
    public HostChanges() : base(Iface) { }

    /// The points the plug-in added for parameter `id` this block (as an output list).
    public (int Offset, double Value)[] PointsOf(uint id) =>
        Queues.Take(Count).Where(q => q.Id == id).SelectMany(q => q.Points.Take(q.Count)).ToArray();

    public void Clear()
    {
        Count = 0;
        foreach (var q in Queues) q.Count = 0;
    }

    public void ReleaseAll()
    {
        Release();
        foreach (var q in Queues) q.Release();
    }

    [UnmanagedCallersOnly] static int GetCount(nint self) => From<HostChanges>(self).Count;
    [UnmanagedCallersOnly]
    static nint GetData(nint self, int i)
    {
        var c = From<HostChanges>(self);
        return i >= 0 && i < c.Count ? c.Queues[i].Pointer : 0;
    }
    [UnmanagedCallersOnly]
    static nint AddData(nint self, uint* id, int* index)
    {
        var c = From<HostChanges>(self);
        for (int i = 0; i < c.Count; i++)
        {
            if (c.Queues[i].Id == *id) { *index = i; return c.Queues[i].Pointer; }
        }
        if (c.Count == c.Queues.Length) return 0;
        var q = c.Queues[c.Count];
        q.Id = *id;
        q.Count = 0;
        *index = c.Count++;
        return q.Pointer;
    }
}

/// IComponentHandler: counts the controller's restartComponent calls by flag.
internal sealed unsafe class HostComponentHandler : ComObject
{
    static readonly ComInterface Iface = new(Vtable.Create(
        (nint)(delegate* unmanaged<nint, uint, int>)&BeginEdit,
        (nint)(delegate* unmanaged<nint, uint, double, int>)&PerformEdit,
        (nint)(delegate* unmanaged<nint, uint, int>)&EndEdit,
        (nint)(delegate* unmanaged<nint, int, int>)&Restart), Iids.IComponentHandler.ToArray());

    public readonly List<int> Restarts = [];
    public HostComponentHandler() : base(Iface) { }

    [UnmanagedCallersOnly] static int BeginEdit(nint self, uint id) => Tresult.Ok;
    [UnmanagedCallersOnly] static int PerformEdit(nint self, uint id, double value) => Tresult.Ok;
    [UnmanagedCallersOnly] static int EndEdit(nint self, uint id) => Tresult.Ok;
    [UnmanagedCallersOnly] static int Restart(nint self, int flags) { From<HostComponentHandler>(self).Restarts.Add(flags); return Tresult.Ok; }
}
