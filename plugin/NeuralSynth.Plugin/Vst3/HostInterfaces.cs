namespace NeuralSynth.Plugin.Vst3;

// Calls into objects the host owns (IBStream, IEventList, IParameterChanges, IParamValueQueue,
// IHostApplication): value types around the pointer, calling through the vtable slot. No allocation, so the
// event and parameter readers are safe on the audio thread. Arguments we get are borrowed: AddRef to keep one.

public readonly unsafe struct Unknown(nint pointer)
{
    public nint Pointer => pointer;
    public bool IsNull => pointer == 0;
    internal nint Slot(int index) => (*(nint**)pointer)[index];

    public int QueryInterface(ReadOnlySpan<byte> iid, out nint obj)
    {
        nint result = 0;
        int r;
        fixed (byte* id = iid) r = ((delegate* unmanaged<nint, byte*, nint*, int>)Slot(0))(pointer, id, &result);
        obj = r == Tresult.Ok ? result : 0;
        return r;
    }

    public uint AddRef() => ((delegate* unmanaged<nint, uint>)Slot(1))(pointer);
    public uint Release() => ((delegate* unmanaged<nint, uint>)Slot(2))(pointer);
}

/// <summary>IBStream (slots 3-6).</summary>
public readonly unsafe struct BStream(nint pointer)
{
    nint Slot(int i) => (*(nint**)pointer)[i];
    public int Read(void* buffer, int count, int* read) => ((delegate* unmanaged<nint, void*, int, int*, int>)Slot(3))(pointer, buffer, count, read);
    public int Write(void* buffer, int count, int* written) => ((delegate* unmanaged<nint, void*, int, int*, int>)Slot(4))(pointer, buffer, count, written);
    public int Seek(long position, int mode, long* result) => ((delegate* unmanaged<nint, long, int, long*, int>)Slot(5))(pointer, position, mode, result);
    public int Tell(long* position) => ((delegate* unmanaged<nint, long*, int>)Slot(6))(pointer, position);

    /// <summary>Reads until the stream gives 0 bytes (the SDK's section streams answer Ok with 0 bytes past
    /// the end), at most <paramref name="limit"/> bytes; null if more than that or on a read error.</summary>
    public byte[]? ReadToEnd(int limit)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        while (true)
        {
            int n = 0;
            int r;
            fixed (byte* p = chunk) r = Read(p, chunk.Length, &n);
            if (r != Tresult.Ok || n <= 0) break;
            buffer.Write(chunk, 0, Math.Min(n, chunk.Length));
            if (buffer.Length > limit) return null;
        }
        return buffer.ToArray();
    }

    public bool WriteAll(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                int n = 0;
                if (Write(p + done, data.Length - done, &n) != Tresult.Ok || n <= 0) return false;
                done += n;
            }
        }
        return true;
    }
}

/// <summary>IEventList (slots 3-5).</summary>
public readonly unsafe struct EventList(nint pointer)
{
    nint Slot(int i) => (*(nint**)pointer)[i];
    public int Count => ((delegate* unmanaged<nint, int>)Slot(3))(pointer);
    public int GetEvent(int index, Event* e) => ((delegate* unmanaged<nint, int, Event*, int>)Slot(4))(pointer, index, e);
    public int AddEvent(Event* e) => ((delegate* unmanaged<nint, Event*, int>)Slot(5))(pointer, e);
}

/// <summary>IParameterChanges (slots 3-5). Queues are borrowed, not reference counted.</summary>
public readonly unsafe struct ParameterChanges(nint pointer)
{
    nint Slot(int i) => (*(nint**)pointer)[i];
    public int Count => ((delegate* unmanaged<nint, int>)Slot(3))(pointer);
    public bool IsNull => pointer == 0;
    public ParamValueQueue GetQueue(int index) => new(((delegate* unmanaged<nint, int, nint>)Slot(4))(pointer, index));
    /// The queue of parameter `id` (a new one, or the one this block already has); null if the host refuses.
    public ParamValueQueue AddQueue(uint id)
    {
        int index;
        return new(((delegate* unmanaged<nint, uint*, int*, nint>)Slot(5))(pointer, &id, &index));
    }
}

/// <summary>IParamValueQueue (slots 3-6).</summary>
public readonly unsafe struct ParamValueQueue(nint pointer)
{
    nint Slot(int i) => (*(nint**)pointer)[i];
    public bool IsNull => pointer == 0;
    public uint ParameterId => ((delegate* unmanaged<nint, uint>)Slot(3))(pointer);
    public int PointCount => ((delegate* unmanaged<nint, int>)Slot(4))(pointer);
    public int GetPoint(int index, int* sampleOffset, double* value) =>
        ((delegate* unmanaged<nint, int, int*, double*, int>)Slot(5))(pointer, index, sampleOffset, value);
    public int AddPoint(int sampleOffset, double value)
    {
        int index;
        return ((delegate* unmanaged<nint, int, double, int*, int>)Slot(6))(pointer, sampleOffset, value, &index);
    }
}

/// <summary>IHostApplication (slots 3-4), found by QueryInterface on the initialize() context.</summary>
public readonly unsafe struct HostApplication(nint pointer)
{
    nint Slot(int i) => (*(nint**)pointer)[i];

    public string? GetName()
    {
        char* name = stackalloc char[128];
        new Span<char>(name, 128).Clear();
        return ((delegate* unmanaged<nint, char*, int>)Slot(3))(pointer, name) == Tresult.Ok ? FixedString.ReadUtf16(name) : null;
    }
}

/// <summary>IComponentHandler (slots 3-6): the host's side of the edit controller. Called on the UI thread.</summary>
public readonly unsafe struct ComponentHandler(nint pointer)
{
    public const int ParamValuesChanged = 4;   // restartComponent flag: re-read every parameter's value
    nint Slot(int i) => (*(nint**)pointer)[i];
    public int RestartComponent(int flags) => ((delegate* unmanaged<nint, int, int>)Slot(6))(pointer, flags);
}
