namespace NeuralSynth.Realtime;

/// Rendered notes by NoteKey, shared by render workers (writers) and the audio thread (reader).
///
/// Layout: an immutable dictionary (model, latent hash, velocity layer) -> NoteTable, replaced
/// copy-on-write when a new timbre/layer appears, and per table one slot per MIDI pitch written with
/// Volatile.Write. The audio thread only does Volatile reads and dictionary look-ups on a map nobody
/// mutates: no lock, no allocation. Writers serialize among themselves on a private lock.
///
/// Budget: the bytes of all cached notes stay under `BudgetBytes` (default 512 MB); adding past it
/// evicts least-recently-used notes whose pin count is 0 (no voice playing them). A voice that read
/// a note just before it was evicted keeps a valid reference (the samples are managed memory), so
/// the only effect of that race is that the note's bytes are freed when the voice lets go.
///
/// Persistence (optional): with a directory, every added note is also written there (one file per
/// note, under a folder per model id) and `LoadPersisted(modelId)` brings them back; see NoteFile.
public sealed class VoiceCache
{
    public const long DefaultBudgetBytes = 512L * 1024 * 1024;

    /// Where rendered notes persist between sessions, shared by the plug-in and `render` (same model, same notes):
    /// NEURALSYNTH_CACHE (empty: nowhere), else $XDG_CACHE_HOME or ~/.cache, then /neuralsynth/voices.
    public static string? DefaultPersistDirectory()
    {
        if (Environment.GetEnvironmentVariable("NEURALSYNTH_CACHE") is { } env) return env.Length == 0 ? null : env;
        string? root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? Path.Combine(home, ".cache") : null;
        return root == null ? null : Path.Combine(root, "neuralsynth", "voices");
    }

    /// Disk space rendered notes may keep between sessions (all models), so a reopened project plays at once.
    public const long DefaultPersistCapBytes = 256L << 20;

    public readonly record struct TableKey(string ModelId, ulong LatentHash, int VelocityLayer);

    /// One slot per MIDI pitch for one (model, latent, layer).
    public sealed class NoteTable
    {
        internal readonly CachedNote?[] Slots = new CachedNote?[128];
        public CachedNote? this[int pitch] => (uint)pitch < 128 ? Volatile.Read(ref Slots[pitch]) : null;
    }

    readonly object writeLock = new();
    Dictionary<TableKey, NoteTable> tables = new();
    long usedBytes, budgetBytes, clock;
    int count;
    // (LastUsed snapshot, note): readers touch notes while the writer sorts, so the sort key must not move under it.
    readonly List<(long LastUsed, CachedNote Note)> evictionScratch = new();

    public string? PersistDirectory { get; }
    /// Raised (on the writer's thread) for recoverable problems, e.g. a corrupt cache file that was discarded.
    public event Action<string>? Warning;
    /// Raised (on the writer's thread) after a note becomes visible to the audio thread.
    public event Action<CachedNote>? NoteAdded;

    /// Bytes the persisted files may take on disk (all models together); past it the least recently written or
    /// loaded files are deleted, oldest first, down to 90 % of it. Unbounded unless set.
    public long PersistCapBytes { get; }
    readonly object persistLock = new();
    long persistedBytes = -1;   // measured on the first write

    public VoiceCache(long budgetBytes = DefaultBudgetBytes, string? persistDirectory = null, long persistCapBytes = long.MaxValue)
    {
        if (budgetBytes <= 0) throw new ArgumentOutOfRangeException(nameof(budgetBytes));
        if (persistCapBytes <= 0) throw new ArgumentOutOfRangeException(nameof(persistCapBytes));
        this.budgetBytes = budgetBytes;
        PersistDirectory = persistDirectory;
        PersistCapBytes = persistCapBytes;
    }

    /// Bytes of persisted note files on disk (all models), as this cache counts them.
    public long PersistedBytes { get { lock (persistLock) return persistedBytes < 0 ? MeasurePersisted().Sum(f => f.Length) : persistedBytes; } }

    IEnumerable<FileInfo> MeasurePersisted() =>
        PersistDirectory is { } d && Directory.Exists(d)
            ? new DirectoryInfo(d).EnumerateFiles("*" + NoteFile.Extension, SearchOption.AllDirectories)
            : [];

    void Persist(CachedNote note)
    {
        lock (persistLock)
        {
            if (persistedBytes < 0) persistedBytes = MeasurePersisted().Sum(f => f.Length);
            string path = NoteFile.PathFor(PersistDirectory!, note.Key);
            long before = File.Exists(path) ? new FileInfo(path).Length : 0;
            NoteFile.Write(PersistDirectory!, note);
            persistedBytes += new FileInfo(path).Length - before;
            if (persistedBytes <= PersistCapBytes) return;
            long target = PersistCapBytes / 10 * 9;
            foreach (var f in MeasurePersisted().OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.FullName, StringComparer.Ordinal).ToList())
            {
                if (persistedBytes <= target) break;
                if (f.FullName == Path.GetFullPath(path)) continue;   // never the note just written
                try { long n = f.Length; f.Delete(); persistedBytes -= n; }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Warning?.Invoke($"could not trim the disk cache at {f.FullName}: {e.Message}"); }
            }
        }
    }

    public long BudgetBytes
    {
        get => Volatile.Read(ref budgetBytes);
        set
        {
            if (value <= 0) throw new ArgumentOutOfRangeException(nameof(value));
            lock (writeLock) { budgetBytes = value; EvictToFit(0, null); }
        }
    }
    public long UsedBytes => Volatile.Read(ref usedBytes);
    public int Count => Volatile.Read(ref count);

    // ---- audio-thread side: lock-free, allocation-free ----

    /// The table of one timbre/layer, or null when nothing of it was ever cached. Engines may keep
    /// the returned table: it lives as long as the cache and its slots update in place.
    public NoteTable? GetTable(string modelId, ulong latentHash, int layer)
        => Volatile.Read(ref tables).TryGetValue(new TableKey(modelId, latentHash, layer), out var t) ? t : null;

    /// Exact look-up; marks the note as recently used.
    public CachedNote? TryGet(in NoteKey key)
    {
        var note = GetTable(key.ModelId, key.LatentHash, key.VelocityLayer)?[key.Pitch];
        note?.Touch(Interlocked.Increment(ref clock));
        return note;
    }

    public bool Contains(in NoteKey key) => GetTable(key.ModelId, key.LatentHash, key.VelocityLayer)?[key.Pitch] is not null;

    /// The cached pitch closest to `pitch` in the same table (ties go to the lower pitch, which
    /// transposes up: a shorter loop is less audible than a stretched one). Null if the table is empty.
    public static CachedNote? Nearest(NoteTable? table, int pitch)
    {
        if (table is null) return null;
        pitch = Math.Clamp(pitch, 0, 127);
        for (int d = 0; d < 128; d++)
        {
            if (pitch - d >= 0 && table[pitch - d] is { } below) return below;
            if (pitch + d < 128 && table[pitch + d] is { } above) return above;
            if (pitch - d < 0 && pitch + d >= 127) break;
        }
        return null;
    }

    /// Nearest cached pitch for the same model, latent and layer; marks it used.
    public CachedNote? FindNearest(string modelId, ulong latentHash, int layer, int pitch)
    {
        var note = Nearest(GetTable(modelId, latentHash, layer), pitch);
        note?.Touch(Interlocked.Increment(ref clock));
        return note;
    }

    internal void MarkUsed(CachedNote note) => note.Touch(Interlocked.Increment(ref clock));

    // ---- writer side (worker threads; may allocate and do I/O) ----

    /// Publishes a note (replacing any note with the same key), evicting LRU unpinned notes to stay
    /// within budget, and writes it to the persistence directory when one is set.
    public void Add(CachedNote note) => Add(note, persist: true);

    void Add(CachedNote note, bool persist)
    {
        if ((uint)note.Pitch >= 128) throw new ArgumentOutOfRangeException(nameof(note), $"pitch {note.Pitch} outside MIDI range");
        lock (writeLock)
        {
            var tk = new TableKey(note.Key.ModelId, note.Key.LatentHash, note.Key.VelocityLayer);
            var current = tables;
            if (!current.TryGetValue(tk, out var table))
            {
                table = new NoteTable();
                var next = new Dictionary<TableKey, NoteTable>(current) { [tk] = table };
                Volatile.Write(ref tables, next);
            }
            var old = table.Slots[note.Pitch];
            if (old is not null) { usedBytes -= old.Bytes; count--; }
            EvictToFit(note.Bytes, note);
            note.Touch(Interlocked.Increment(ref clock));
            Volatile.Write(ref table.Slots[note.Pitch], note);
            usedBytes += note.Bytes; count++;
        }
        if (persist && PersistDirectory is not null)
        {
            try { Persist(note); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Warning?.Invoke($"could not persist {note.Key}: {e.Message}"); }
        }
        NoteAdded?.Invoke(note);
    }

    public bool Remove(in NoteKey key)
    {
        lock (writeLock)
        {
            if (!tables.TryGetValue(new TableKey(key.ModelId, key.LatentHash, key.VelocityLayer), out var t) || (uint)key.Pitch >= 128) return false;
            var old = t.Slots[key.Pitch];
            if (old is null) return false;
            Volatile.Write(ref t.Slots[key.Pitch], null);
            usedBytes -= old.Bytes; count--;
            return true;
        }
    }

    /// Drops every unpinned note (pinned ones stay until their voices finish and a later eviction).
    public void Clear()
    {
        lock (writeLock)
            foreach (var t in tables.Values)
                for (int p = 0; p < 128; p++)
                    if (t.Slots[p] is { PinCount: 0 } n) { Volatile.Write(ref t.Slots[p], null); usedBytes -= n.Bytes; count--; }
    }

    /// Every cached key (a snapshot, for tools and tests).
    public List<NoteKey> Keys()
    {
        var keys = new List<NoteKey>();
        foreach (var t in Volatile.Read(ref tables).Values)
            for (int p = 0; p < 128; p++)
                if (t[p] is { } n) keys.Add(n.Key);
        return keys;
    }

    // Caller holds writeLock.
    void EvictToFit(long incoming, CachedNote? keep)
    {
        if (usedBytes + incoming <= budgetBytes) return;
        evictionScratch.Clear();
        foreach (var t in tables.Values)
            for (int p = 0; p < 128; p++)
                if (t.Slots[p] is { } n && n.PinCount == 0 && !ReferenceEquals(n, keep)) evictionScratch.Add((n.LastUsed, n));
        evictionScratch.Sort(static (a, b) => a.LastUsed.CompareTo(b.LastUsed));
        foreach (var (_, n) in evictionScratch)
        {
            if (usedBytes + incoming <= budgetBytes) break;
            if (n.PinCount != 0) continue; // a voice picked it up meanwhile
            var t = tables[new TableKey(n.Key.ModelId, n.Key.LatentHash, n.Key.VelocityLayer)];
            if (!ReferenceEquals(t.Slots[n.Pitch], n)) continue;
            Volatile.Write(ref t.Slots[n.Pitch], null);
            usedBytes -= n.Bytes; count--;
        }
        evictionScratch.Clear();
    }

    /// Loads the notes persisted for `modelId` (the model's content hash, so stale notes of other
    /// weights are never picked up). Corrupt or mismatched files are deleted with a Warning; returns
    /// how many notes were loaded. Runs on the caller's thread (do it off the audio thread).
    public int LoadPersisted(string modelId)
    {
        if (PersistDirectory is null) return 0;
        int loaded = 0;
        foreach (var path in NoteFile.FilesFor(PersistDirectory, modelId))
        {
            CachedNote? note;
            try { note = NoteFile.Read(path, modelId); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Warning?.Invoke($"could not read cache file {path}: {e.Message}"); continue; }
            catch (InvalidDataException e)
            {
                Warning?.Invoke($"discarded corrupt cache file {path}: {e.Message}");
                try { File.Delete(path); } catch (Exception d) when (d is IOException or UnauthorizedAccessException) { }
                continue;
            }
            if (note is null) continue;
            Add(note, persist: false);
            // Loaded counts as used: the disk cap deletes the least recently written or loaded files first.
            try { File.SetLastWriteTimeUtc(path, DateTime.UtcNow); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            loaded++;
        }
        return loaded;
    }
}
