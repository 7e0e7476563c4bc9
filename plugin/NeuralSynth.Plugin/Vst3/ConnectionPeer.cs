namespace NeuralSynth.Plugin.Vst3;

/// The shared bookkeeping of a held host reference: IConnectionPoint peers (processor and controller
/// connect the same way) and any other borrowed pointer we addRef'd and must release exactly once.
public static class ConnectionPeer
{
    /// IConnectionPoint::connect: keep one peer, addRef'd.
    public static int Connect(ref nint peer, nint other)
    {
        if (other == 0) return Tresult.InvalidArgument;
        if (peer != 0) return Tresult.False;
        new Unknown(other).AddRef();
        peer = other;
        return Tresult.Ok;
    }

    /// IConnectionPoint::disconnect: only the connected peer, released once.
    public static int Disconnect(ref nint peer, nint other)
    {
        if (other == 0 || other != peer) return Tresult.InvalidArgument;
        ReleaseRef(ref peer);
        return Tresult.Ok;
    }

    /// Releases a held reference once, even if two threads race to drop it.
    public static void ReleaseRef(ref nint p)
    {
        nint old = Interlocked.Exchange(ref p, 0);
        if (old != 0) new Unknown(old).Release();
    }
}
