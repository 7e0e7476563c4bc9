namespace NeuralSynth.Realtime;

/// A fixed-capacity multi-producer multi-consumer queue (Vyukov's bounded queue): enqueue and
/// dequeue are a few Interlocked/Volatile operations on a preallocated ring, never a lock and never
/// an allocation, so the audio thread can post requests to the render workers. A full queue
/// rejects the item (the caller drops it; the request is repeated on the next miss).
internal sealed class BoundedQueue<T>
{
    struct Cell { public long Sequence; public T Item; }

    readonly Cell[] cells;
    readonly long mask;
    long head, tail;

    public BoundedQueue(int capacityPowerOfTwo)
    {
        if (capacityPowerOfTwo < 2 || (capacityPowerOfTwo & (capacityPowerOfTwo - 1)) != 0) throw new ArgumentException("capacity must be a power of two");
        cells = new Cell[capacityPowerOfTwo];
        for (int i = 0; i < cells.Length; i++) cells[i].Sequence = i;
        mask = capacityPowerOfTwo - 1;
    }

    public bool TryEnqueue(in T item)
    {
        while (true)
        {
            long pos = Volatile.Read(ref tail);
            ref Cell cell = ref cells[pos & mask];
            long diff = Volatile.Read(ref cell.Sequence) - pos;
            if (diff == 0)
            {
                if (Interlocked.CompareExchange(ref tail, pos + 1, pos) == pos)
                {
                    cell.Item = item;
                    Volatile.Write(ref cell.Sequence, pos + 1);
                    return true;
                }
            }
            else if (diff < 0) return false; // full
        }
    }

    public bool TryDequeue(out T item)
    {
        while (true)
        {
            long pos = Volatile.Read(ref head);
            ref Cell cell = ref cells[pos & mask];
            long diff = Volatile.Read(ref cell.Sequence) - (pos + 1);
            if (diff == 0)
            {
                if (Interlocked.CompareExchange(ref head, pos + 1, pos) == pos)
                {
                    item = cell.Item;
                    cell.Item = default!;
                    Volatile.Write(ref cell.Sequence, pos + mask + 1);
                    return true;
                }
            }
            else if (diff < 0) { item = default!; return false; } // empty
        }
    }
}
