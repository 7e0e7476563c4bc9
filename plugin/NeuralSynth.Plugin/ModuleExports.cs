using System.Runtime.InteropServices;
using NeuralSynth.Plugin.Vst3;

namespace NeuralSynth.Plugin;

/// <summary>
/// The two functions native/ (NeuralSynth.so) gets through hostfxr's load_assembly_and_get_function_pointer.
/// GetPluginFactory follows the SDK: one factory while it lives; each call hands the caller a reference.
/// </summary>
public static unsafe class ModuleExports
{
    static readonly Lock s_lock = new();
    static PluginFactory? s_factory;

    [UnmanagedCallersOnly]
    public static nint GetPluginFactory()
    {
        try { return AcquireFactory(); }
        catch (Exception e) { Guard.Fail(e); return 0; }
    }

    /// <summary>The native ModuleExit: statics survive in the runtime, so forget the factory explicitly.</summary>
    [UnmanagedCallersOnly]
    public static int ModuleExit()
    {
        try
        {
            lock (s_lock) s_factory = null;
            ModelHost.Shutdown();   // no render thread may outlive the module (see Shutdown)
            return 1;
        }
        catch (Exception e) { Guard.Fail(e); return 0; }
    }

    /// <summary>A reference to the factory (the caller releases it); the managed form of GetPluginFactory.</summary>
    public static nint AcquireFactory()
    {
        lock (s_lock)
        {
            if (s_factory != null && s_factory.RefCount > 0) { s_factory.AddRef(); return s_factory.Pointer; }
            s_factory = new PluginFactory();
            return s_factory.Pointer;
        }
    }

    internal static void FactoryReleased(PluginFactory factory)
    {
        lock (s_lock) if (s_factory == factory) s_factory = null;
    }
}
