namespace NeuralSynth.Realtime;

public enum RenderPriority
{
    /// A key is down (or the offline renderer is waiting) and the exact note is missing.
    Held = 0,
    /// A pitch that was played recently (ordered most recent first).
    Recent = 1,
    /// The rest of the keyboard (ordered by distance from the last played pitch).
    Keyboard = 2,
}

public sealed class RenderSchedulerOptions
{
    /// Render threads. One leaves the other core of a 2-core machine to the audio thread.
    public int Workers { get; init; } = 1;
    /// Notes per INoteRenderer.Render call (all of one latent).
    public int BatchSize { get; init; } = 8;
    public VelocityLayers Layers { get; init; } = VelocityLayers.Default;
    /// Find sustain loops when caching (off only for tests of raw notes).
    public bool FindLoops { get; init; } = true;
}

/// Renders notes on background threads and publishes them to the VoiceCache.
///
/// Priorities: Held > Recent > Keyboard; within Held first come first served, within Recent most
/// recently played first, within Keyboard nearest to the last played pitch first. A batch is the
/// best pending note plus up to BatchSize-1 more of the same latent. `FillKeyboard(z)` queues every
/// missing (pitch, layer) of the model's range; with cancelOthers it drops pending requests of other
/// latents and cancels an in-flight batch of another latent (a timbre move makes them stale).
///
/// Audio-thread entry points (lock-free, allocation-free): `RequestFromAudioThread` posts into a
/// bounded lock-free queue the workers drain; `NotePlayed` stamps the pitch's recency. Everything
/// else takes a private lock and may allocate: call it from other threads.
/// Workers keep managed allocation to what a render needs (the renderer's output and the cached
/// note's buffer): a blocking GC stops the audio thread too.
public sealed class RenderScheduler : IDisposable
{
    sealed class Pending
    {
        public required Latent Z;
        public required NoteKey Key;
        public RenderPriority Priority;
        public long Sequence;
    }

    readonly record struct AudioRequest(Latent Z, int Pitch, int Layer);

    readonly object gate = new();
    readonly Dictionary<NoteKey, Pending> pending = new();
    readonly HashSet<NoteKey> inFlight = new();
    readonly Dictionary<NoteKey, Exception> failures = new();
    readonly Dictionary<ulong, Latent> latents = new();
    readonly List<(ulong Latent, CancellationTokenSource Cancel)> running = new();
    readonly BoundedQueue<AudioRequest> audioRequests = new(1024);
    readonly long[] lastPlayed = new long[128];
    readonly SemaphoreSlim wake = new(0);
    readonly Thread[] workers;
    long sequence, playClock;
    volatile bool disposed;

    public INoteRenderer Renderer { get; }
    public VoiceCache Cache { get; }
    public VelocityLayers Layers { get; }
    public RenderSchedulerOptions Options { get; }
    public string ModelId => Renderer.ModelId;

    /// Raised on a worker thread after a note is in the cache.
    public event Action<CachedNote>? NoteReady;
    /// Raised on a worker thread when the renderer throws (the worker carries on).
    public event Action<IReadOnlyList<NoteKey>, Exception>? RenderFailed;

    public RenderScheduler(INoteRenderer renderer, VoiceCache cache, RenderSchedulerOptions? options = null)
    {
        Renderer = renderer; Cache = cache; Options = options ?? new RenderSchedulerOptions();
        Layers = Options.Layers;
        if (Options.Workers < 1 || Options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options));
        workers = new Thread[Options.Workers];
        for (int i = 0; i < workers.Length; i++)
        {
            workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"NeuralSynth render {i}", Priority = ThreadPriority.BelowNormal };
            workers[i].Start();
        }
    }

    public NoteKey KeyFor(Latent z, int pitch, int layer) => new(Renderer.ModelId, z.Hash, pitch, layer);

    public int PendingCount { get { lock (gate) return pending.Count + inFlight.Count; } }

    // ---- audio thread ----

    /// Asks for (z, pitch, layer) at Held priority without locking or allocating. False when the
    /// queue is full (the engine asks again on its next miss).
    public bool RequestFromAudioThread(Latent z, int pitch, int layer) => audioRequests.TryEnqueue(new AudioRequest(z, pitch, layer));

    /// Marks a pitch as just played (feeds the Recent priority). Lock-free.
    public void NotePlayed(int pitch)
    {
        if ((uint)pitch < 128) Volatile.Write(ref lastPlayed[pitch], Interlocked.Increment(ref playClock));
    }

    // ---- other threads ----

    public void Request(Latent z, int pitch, int layer, RenderPriority priority = RenderPriority.Held)
    {
        lock (gate) Enqueue(z, pitch, layer, priority);
        wake.Release();
    }

    /// Queues every pitch of the model's range in the given layers (default: all) for z.
    public void FillKeyboard(Latent z, IReadOnlyList<int>? layers = null, bool cancelOthers = true)
    {
        lock (gate)
        {
            if (cancelOthers) CancelOthersLocked(z.Hash);
            foreach (int layer in layers ?? Enumerable.Range(0, Layers.Count).ToArray())
                for (int p = Renderer.MinPitch; p <= Renderer.MaxPitch; p++)
                    Enqueue(z, p, layer, RenderPriority.Keyboard);
        }
        wake.Release();
    }

    /// Drops pending requests of every latent but z and cancels in-flight batches of other latents.
    public void CancelAllExcept(Latent z)
    {
        lock (gate) CancelOthersLocked(z.Hash);
    }

    /// Drops the pending keyboard fill of z (not notes asked for at Held priority, nor batches in flight): what an
    /// engine sharing this scheduler with others does when it leaves timbre z, since another engine may still be
    /// playing z's notes.
    public void CancelKeyboard(Latent z)
    {
        lock (gate)
        {
            List<NoteKey>? drop = null;
            foreach (var (k, p) in pending) if (k.LatentHash == z.Hash && p.Priority == RenderPriority.Keyboard) (drop ??= new()).Add(k);
            if (drop is not null) foreach (var k in drop) pending.Remove(k);
        }
    }

    /// Blocks until every key is in the cache (requesting the missing ones at Held priority); for
    /// offline rendering. The keys' latents must have been seen by this scheduler (any request,
    /// FillKeyboard, or RegisterLatent). Throws if the renderer failed on one of them.
    public void WaitUntilRendered(IEnumerable<NoteKey> keys, CancellationToken cancel = default)
    {
        var want = keys.Distinct().ToList();
        lock (gate)
        {
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                bool all = true;
                foreach (var k in want)
                {
                    if (Cache.Contains(k)) continue;
                    all = false;
                    // Reported once: the next wait for this key renders it again (a failure may be transient).
                    if (failures.Remove(k, out var error)) throw new InvalidOperationException($"rendering {k} failed: {error.Message}", error);
                    if (!pending.ContainsKey(k) && !inFlight.Contains(k))
                    {
                        if (k.ModelId != Renderer.ModelId) throw new ArgumentException($"{k} is not a note of model {Renderer.ModelId}");
                        if (!latents.TryGetValue(k.LatentHash, out var z)) throw new ArgumentException($"unknown latent {k.LatentHash:x16}: request it or RegisterLatent first");
                        Enqueue(z, k.Pitch, k.VelocityLayer, RenderPriority.Held);
                        wake.Release();
                    }
                    else if (pending.TryGetValue(k, out var p) && p.Priority != RenderPriority.Held) p.Priority = RenderPriority.Held;
                }
                if (all) return;
                Monitor.Wait(gate, 20);
            }
        }
    }

    public void WaitUntilRendered(Latent z, IEnumerable<(int Pitch, int Layer)> notes, CancellationToken cancel = default)
    {
        RegisterLatent(z);
        WaitUntilRendered(notes.Select(n => KeyFor(z, n.Pitch, n.Layer)), cancel);
    }

    public void RegisterLatent(Latent z)
    {
        lock (gate) latents[z.Hash] = z;
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        lock (gate) foreach (var r in running) r.Cancel.Cancel();
        wake.Release(workers.Length);
        foreach (var w in workers) w.Join();
        wake.Dispose();
    }

    // ---- internals (gate held) ----

    void Enqueue(Latent z, int pitch, int layer, RenderPriority priority)
    {
        if (z.Size != Renderer.LatentSize) throw new ArgumentException($"latent has {z.Size} values, model {Renderer.ModelId} expects {Renderer.LatentSize}");
        pitch = Math.Clamp(pitch, Renderer.MinPitch, Renderer.MaxPitch);
        layer = Math.Clamp(layer, 0, Layers.Count - 1);
        latents[z.Hash] = z;
        var key = KeyFor(z, pitch, layer);
        failures.Remove(key);
        if (Cache.Contains(key) || inFlight.Contains(key)) return;
        if (pending.TryGetValue(key, out var p)) { if (priority < p.Priority) p.Priority = priority; return; }
        pending[key] = new Pending { Z = z, Key = key, Priority = priority, Sequence = sequence++ };
    }

    void CancelOthersLocked(ulong keep)
    {
        List<NoteKey>? drop = null;
        foreach (var (k, _) in pending) if (k.LatentHash != keep) (drop ??= new()).Add(k);
        if (drop is not null) foreach (var k in drop) pending.Remove(k);
        foreach (var r in running) if (r.Latent != keep) r.Cancel.Cancel();
    }

    void DrainAudioRequests()
    {
        bool any = false;
        while (audioRequests.TryDequeue(out var r))
        {
            if (!any) { Monitor.Enter(gate); any = true; }
            try { Enqueue(r.Z, r.Pitch, r.Layer, RenderPriority.Held); }
            catch (ArgumentException) { } // a latent of another model: ignore
        }
        if (any) Monitor.Exit(gate);
    }

    // Rank: lower is better. Keyboard requests of recently played pitches count as Recent.
    (int, long) Rank(Pending p, int center)
    {
        var pr = p.Priority;
        long played = Volatile.Read(ref lastPlayed[p.Key.Pitch]);
        if (pr == RenderPriority.Keyboard && played > 0) pr = RenderPriority.Recent;
        return pr switch
        {
            RenderPriority.Held => (0, p.Sequence),
            RenderPriority.Recent => (1, -played),
            _ => (2, Math.Abs(p.Key.Pitch - center) * 1_000_000L + p.Sequence),
        };
    }

    int LastPlayedPitch()
    {
        int best = 60; long stamp = 0;
        for (int p = 0; p < 128; p++) { long s = Volatile.Read(ref lastPlayed[p]); if (s > stamp) { stamp = s; best = p; } }
        return best;
    }

    void TakeBatch(List<Pending> batch)
    {
        batch.Clear();
        if (pending.Count == 0) return;
        int center = LastPlayedPitch();
        Pending? first = null; (int, long) firstRank = default;
        foreach (var p in pending.Values)
        {
            var r = Rank(p, center);
            if (first is null || r.CompareTo(firstRank) < 0) { first = p; firstRank = r; }
        }
        batch.Add(first!);
        pending.Remove(first!.Key);
        while (batch.Count < Options.BatchSize)
        {
            Pending? next = null; (int, long) nextRank = default;
            foreach (var p in pending.Values)
            {
                if (p.Key.LatentHash != first.Key.LatentHash) continue;
                var r = Rank(p, center);
                if (next is null || r.CompareTo(nextRank) < 0) { next = p; nextRank = r; }
            }
            if (next is null) break;
            batch.Add(next);
            pending.Remove(next.Key);
        }
        foreach (var p in batch) inFlight.Add(p.Key);
    }

    void WorkerLoop()
    {
        var batch = new List<Pending>(Options.BatchSize);
        var requests = new List<NoteRequest>(Options.BatchSize);
        var keys = new List<NoteKey>(Options.BatchSize);
        while (!disposed)
        {
            DrainAudioRequests();
            CancellationTokenSource cts;
            lock (gate)
            {
                TakeBatch(batch);
                if (batch.Count == 0) cts = null!;
                else { cts = new CancellationTokenSource(); running.Add((batch[0].Key.LatentHash, cts)); }
            }
            if (batch.Count == 0)
            {
                // Audio-thread requests cannot signal (that would be a syscall on the audio thread),
                // so idle workers poll the queue every 2 ms.
                wake.Wait(2);
                continue;
            }
            requests.Clear(); keys.Clear();
            foreach (var p in batch) { requests.Add(new NoteRequest(p.Z, p.Key.Pitch, Layers.VelocityOf(p.Key.VelocityLayer))); keys.Add(p.Key); }
            float[][]? output = null;
            Exception? error = null;
            try { output = Renderer.Render(requests, cts.Token); }
            catch (OperationCanceledException) when (cts.IsCancellationRequested) { }
            catch (Exception e) { error = e; }
            if (output is not null && output.Length != batch.Count)
            {
                error = new InvalidOperationException($"renderer returned {output.Length} notes for {batch.Count} requests");
                output = null;
            }
            if (output is not null)
            {
                for (int i = 0; i < batch.Count; i++)
                {
                    try
                    {
                        var note = CachedNote.Create(batch[i].Key, output[i], Renderer.SampleRate, Options.FindLoops);
                        Cache.Add(note);
                        NoteReady?.Invoke(note);
                    }
                    catch (ArgumentException e) { lock (gate) failures[batch[i].Key] = e; }
                }
            }
            lock (gate)
            {
                for (int i = running.Count - 1; i >= 0; i--) if (ReferenceEquals(running[i].Cancel, cts)) running.RemoveAt(i);
                foreach (var k in keys) inFlight.Remove(k);
                if (error is not null) foreach (var k in keys) failures[k] = error;
                Monitor.PulseAll(gate);
            }
            cts.Dispose();
            if (error is not null) RenderFailed?.Invoke(keys.ToArray(), error);
        }
    }
}
