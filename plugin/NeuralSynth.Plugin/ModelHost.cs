using NeuralSynth.Models.Rendering;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;

namespace NeuralSynth.Plugin;

/// The process-wide model side of the plugin: the default generator (and vocoder) from the bundle's
/// Resources/presets/models, one voice cache and one render scheduler per inversion path, shared by
/// every instance. Loaded once, on a background thread, so instantiating the plugin never waits for
/// the model; instances start sounding as soon as their notes are cached. No torch: the notes come from the C#
/// generator and vocoder graphs (NeuralSynth.Inference).
public sealed class ModelHost
{
    static readonly object s_gate = new();
    static Task<ModelHost>? s_loading;

    public string PresetsDir { get; }
    public VoiceCache Cache { get; }
    public TimbreDirections? Directions { get; }
    public int LatentSize { get; }
    /// How seeds become timbres for this generator (its timbre codes, or the spherical Gaussian).
    public LatentPrior Prior { get; }
    /// Wall time of loading the generator (reported by the test host, not asserted).
    public TimeSpan LoadTime { get; }
    public string ModelDir { get; }
    /// The generator's weights hash: what the plug-in state records as its model (the inversion path is a parameter).
    public string GeneratorId { get; }
    readonly RenderScheduler?[] schedulers = new RenderScheduler?[Enum.GetValues<InversionPath>().Length];
    readonly Latent[][] bankCorners;

    ModelHost(string presetsDir)
    {
        var start = DateTime.UtcNow;
        PresetsDir = presetsDir;
        ModelDir = Path.Combine(presetsDir, "models", "gansynth");
        // Rendering shares the machine with the host's audio thread: one render worker. Renders allocate note-sized
        // arrays; a blocking full GC would stop the audio thread with every other managed thread, so the runtime
        // (ours alone: the native module started it) avoids blocking gen-2 collections.
        System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.SustainedLowLatency;
        // The path instances play by default (NoteRenderer.DefaultPath: Additive for the harmonic-head model the bundle
        // ships) is loaded first; another one when an instance switches to it.
        var first = NoteRenderer.Load(ModelDir, NoteRenderer.DefaultPath(ModelDir));
        harmonic = first.Config.IsHarmonic;
        LatentSize = first.LatentSize;
        Prior = first.Config.Prior;
        GeneratorId = first.GeneratorId;
        Directions = TimbreDirections.TryLoad(ModelDir);
        Cache = new VoiceCache(VoiceCache.DefaultBudgetBytes, VoiceCache.DefaultPersistDirectory(), DiskCapBytes);
        Cache.Warning += w => Console.Error.WriteLine($"NeuralSynth: voice cache: {w}");
        Cache.LoadPersisted(first.ModelId);
        bankCorners = new Latent[SoundBank.Names.Length][];
        for (int i = 0; i < bankCorners.Length; i++) bankCorners[i] = SoundBank.Corners(i, Prior);
        schedulers[(int)first.Path] = NewScheduler(first);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Shutdown();
        LoadTime = DateTime.UtcNow - start;
    }

    /// Disk space the rendered notes may keep between sessions (all models), so a reopened project plays at once.
    public const long DiskCapBytes = VoiceCache.DefaultPersistCapBytes;

    /// The four morph corners of sound `index` of the bank (see <see cref="SoundBank"/>).
    public Latent[] Corners(int index) => bankCorners[Math.Clamp(index, 0, bankCorners.Length - 1)];

    /// Starts (once) and returns the load. Failures surface through the task, never as a crash.
    public static Task<ModelHost> LoadAsync()
    {
        lock (s_gate)
            return s_loading ??= Task.Run(() => new ModelHost(SoundBank.PresetsDir ?? throw new FileNotFoundException(
                $"no presets/models/gansynth next to {SoundBank.AssemblyDir}: the bundle lacks its default model")));
    }

    /// Stops the render workers and forgets the model: ModuleExit of the last module, or the managed process ending.
    /// No worker may outlive the module: a render still running while the host unloads us would run code that is gone.
    /// Blocks until in-flight batches stop (under a second).
    public static void Shutdown()
    {
        Task<ModelHost>? loading;
        lock (s_gate) { loading = s_loading; s_loading = null; }
        if (loading == null) return;
        try { loading.Wait(); } catch (Exception) { return; }   // a failed load started no workers
        var host = loading.Result;
        lock (host.schedulers)
            for (int i = 0; i < host.schedulers.Length; i++) { host.schedulers[i]?.Dispose(); host.schedulers[i] = null; }
    }

    /// The loaded host, or null while loading or after a failure.
    /// (Does not start a load: after Shutdown nothing may bring the model back but a new instance.)
    public static ModelHost? Ready => Volatile.Read(ref s_loading) is { IsCompletedSuccessfully: true } t ? t.Result : null;

    public static string? LoadError => Volatile.Read(ref s_loading) is { IsFaulted: true } t ? t.Exception!.GetBaseException().Message : null;

    /// The scheduler for an inversion path (the vocoder one is loaded on first use). Not the audio thread.
    RenderScheduler NewScheduler(NoteRenderer renderer)
    {
        // One note per render call: the torch-free renderer gains nothing from batches, and a held note waits for at most one
        // other note instead of a batch of eight.
        var scheduler = new RenderScheduler(renderer, Cache, new RenderSchedulerOptions { Workers = 1, BatchSize = 1 });
        scheduler.RenderFailed += (keys, e) => Vst3.Guard.Fail(e, $"rendering {keys.Count} note(s) of {renderer.ModelId}");
        return scheduler;
    }

    readonly bool harmonic;

    /// The scheduler of a path, started on first use. Additive needs a harmonic-head model: for any other model an
    /// instance asking for it plays the model's default path instead.
    public RenderScheduler Scheduler(InversionPath path)
    {
        if (path == InversionPath.Additive && !harmonic) path = NoteRenderer.DefaultPath(ModelDir);
        int i = (int)path;
        lock (schedulers)
        {
            if (schedulers[i] is { } s) return s;
            ObjectDisposedException.ThrowIf(!ReferenceEquals(Ready, this), this);   // shut down: no new workers
            var renderer = NoteRenderer.Load(ModelDir, path);
            Cache.LoadPersisted(renderer.ModelId);   // notes of earlier sessions: before the scheduler would redo them
            return schedulers[i] = NewScheduler(renderer);
        }
    }
}
