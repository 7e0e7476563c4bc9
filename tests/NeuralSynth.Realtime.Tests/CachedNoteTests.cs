using NeuralSynth.Realtime;

namespace NeuralSynth.Realtime.Tests;

public class CachedNoteTests
{
    static NoteKey Key(int pitch, int layer = 1, ulong latent = 42, string model = "m") => new(model, latent, pitch, layer);

    /// What a voice plays for `n` samples: the playable part, then the loop over and over.
    static float[] Played(CachedNote note, int n)
    {
        var y = new float[n];
        var s = note.Samples;
        for (int i = 0, p = 0; i < n; i++, p++)
        {
            if (p >= note.LoopEnd) p -= note.LoopLength;
            y[i] = s[p];
        }
        return y;
    }

    [Theory]
    [InlineData(24)]
    [InlineData(45)]
    [InlineData(60)]
    [InlineData(84)]
    public void HeldHarmonicNoteLoopsInItsSustainAtWholePeriods(int pitch)
    {
        const int rate = 16000;
        var x = AdditiveStandInRenderer.Synthesize(pitch, 0.8, rate, 2.0);
        var note = CachedNote.Create(Key(pitch), x, rate);
        Assert.True(note.HasLoop);
        Assert.Equal(note.LoopEnd, note.Length);
        Assert.InRange(note.LoopStart, (int)(0.05 * rate), (int)(1.5 * rate));
        Assert.InRange(note.LoopEnd, note.LoopStart + 1, (int)(1.5 * rate)); // before the release
        double period = rate / (440 * Math.Pow(2, (pitch - 69) / 12.0));
        double periods = note.LoopLength / period;
        Assert.True(Math.Abs(periods - Math.Round(periods)) * period <= 1.0, $"loop {note.LoopLength} = {periods:F3} periods");
        // Zero crossings at both ends (rising).
        Assert.True(x[note.LoopEnd - 1] < 0 && x[note.LoopEnd] >= 0);
        // No click: around every seam the played signal is as smooth as the sustained tone itself.
        var y = Played(note, 5 * rate);
        double maxStep = 0;
        for (int i = note.LoopStart; i < note.LoopEnd - 1; i++) maxStep = Math.Max(maxStep, Math.Abs(x[i + 1] - x[i]));
        for (int i = note.LoopEnd - 3; i < y.Length - 1; i += note.LoopLength)
            for (int j = i; j < i + 6 && j + 1 < y.Length; j++)
                Assert.True(Math.Abs(y[j + 1] - y[j]) <= 1.05 * maxStep, $"step {Math.Abs(y[j + 1] - y[j])} at {j} vs {maxStep}");
        // And the spectrum of the looped tone keeps its pitch: the fundamental dominates after 3 s.
        var late = y.AsSpan(3 * rate, 8192);
        double f0 = 440 * Math.Pow(2, (pitch - 69) / 12.0) / rate;
        Assert.True(EngineMeasurements.ToneAmplitude(late, f0) > 5 * EngineMeasurements.ToneAmplitude(late, f0 * 1.5));
    }

    [Fact]
    public void EveryDatasetPitchGetsALoop()
    {
        for (int pitch = 24; pitch <= 84; pitch++)
            Assert.True(CachedNote.Create(Key(pitch), AdditiveStandInRenderer.Synthesize(pitch, 0.8, 16000, 2.0), 16000).HasLoop, $"pitch {pitch}");
    }

    [Fact]
    public void BufferContinuesTheLoopAfterItsEnd()
    {
        var x = AdditiveStandInRenderer.Synthesize(57, 0.8, 16000, 2.0);
        var note = CachedNote.Create(Key(57), x, 16000);
        for (int j = 0; j < CachedNote.Padding; j++)
            Assert.Equal(note.Buffer[CachedNote.Padding + note.LoopStart + j], note.Buffer[CachedNote.Padding + note.LoopEnd + j]);
        for (int j = 0; j < CachedNote.Padding; j++) Assert.Equal(0f, note.Buffer[j]);
    }

    [Fact]
    public void ShortOrSilentNotesDoNotLoop()
    {
        Assert.False(CachedNote.Create(Key(60), new float[32000], 16000).HasLoop);
        Assert.False(CachedNote.Create(Key(60), AdditiveStandInRenderer.Synthesize(60, 0.8, 16000, 0.1), 16000).HasLoop);
        Assert.Throws<ArgumentException>(() => CachedNote.Create(Key(60), Array.Empty<float>(), 16000));
    }
}

public class VoiceCacheTests
{
    // Unlooped, so every note costs the same bytes and the budget arithmetic below is exact.
    static CachedNote Note(int pitch, int layer = 1, ulong latent = 42, string model = "m", double seconds = 0.5)
        => CachedNote.Create(new NoteKey(model, latent, pitch, layer), AdditiveStandInRenderer.Synthesize(pitch, 0.5, 16000, seconds), 16000, findLoop: false);

    [Fact]
    public void FindsExactAndNearestPitchInTheSameTimbreAndLayer()
    {
        var cache = new VoiceCache();
        cache.Add(Note(60)); cache.Add(Note(67)); cache.Add(Note(50, layer: 2)); cache.Add(Note(62, latent: 7));
        Assert.Equal(60, cache.TryGet(new NoteKey("m", 42, 60, 1))!.Pitch);
        Assert.Null(cache.TryGet(new NoteKey("m", 42, 61, 1)));
        Assert.Equal(60, cache.FindNearest("m", 42, 1, 62)!.Pitch);
        Assert.Equal(67, cache.FindNearest("m", 42, 1, 65)!.Pitch);
        Assert.Equal(67, cache.FindNearest("m", 42, 1, 127)!.Pitch);
        Assert.Equal(50, cache.FindNearest("m", 42, 2, 0)!.Pitch);
        Assert.Null(cache.FindNearest("other", 42, 1, 60));
        Assert.Equal(4, cache.Count);
    }

    [Fact]
    public void EvictsLeastRecentlyUsedButNeverAPinnedNote()
    {
        var a = Note(60); var b = Note(61); var c = Note(62); var d = Note(63);
        var cache = new VoiceCache(budgetBytes: a.Bytes * 3 + 10);
        cache.Add(a); cache.Add(b); cache.Add(c);
        a.Pin();                                    // a voice is playing the oldest note
        cache.TryGet(b.Key);                        // b was used recently
        cache.Add(d);                               // over budget: c is the LRU unpinned note
        Assert.NotNull(cache.TryGet(a.Key));
        Assert.NotNull(cache.TryGet(b.Key));
        Assert.Null(cache.TryGet(c.Key));
        Assert.NotNull(cache.TryGet(d.Key));
        Assert.True(cache.UsedBytes <= cache.BudgetBytes);
        // Shrinking the budget evicts everything unpinned; the pinned note stays.
        cache.BudgetBytes = 1;
        Assert.NotNull(cache.TryGet(a.Key));
        Assert.Equal(1, cache.Count);
        a.Unpin();
        cache.Add(Note(64));
        Assert.Null(cache.TryGet(a.Key));
    }

    [Fact]
    public void ReadersSeeConsistentNotesWhileAWriterAddsAndEvicts()
    {
        var notes = Enumerable.Range(30, 60).Select(p => Note(p, seconds: 0.2)).ToArray();
        var cache = new VoiceCache(budgetBytes: notes[0].Bytes * 20);
        using var stop = new CancellationTokenSource();
        long reads = 0;
        using var reading = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (int p = 0; p < 128; p++)
                {
                    var n = cache.FindNearest("m", 42, 1, p);
                    if (n is not null && n.Samples.Length > 0) Interlocked.Increment(ref reads);
                }
                reading.Set();
            }
        });
        reader.Start();
        // On a loaded machine the writer's 300 adds could finish before the reader was scheduled at all (a CI run
        // failed on reads == 0): the writer starts once the reader is looping, and stops it once it has read a note.
        Assert.True(reading.Wait(TimeSpan.FromSeconds(30)), "the reader thread never ran");
        for (int round = 0; round < 5; round++) foreach (var n in notes) cache.Add(n);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Interlocked.Read(ref reads) == 0 && DateTime.UtcNow < deadline) Thread.Sleep(1);
        stop.Cancel();
        reader.Join();
        Assert.True(cache.UsedBytes <= cache.BudgetBytes);
        Assert.True(reads > 0);
    }
}

public class NoteFileTests : IDisposable
{
    readonly string dir = Path.Combine(Path.GetTempPath(), "ns-cache-" + Guid.NewGuid().ToString("N"));
    public void Dispose() { if (Directory.Exists(dir)) Directory.Delete(dir, true); }

    static CachedNote Note(int pitch, string model = "model/a:1")
        => CachedNote.Create(new NoteKey(model, 0xABCDEF, pitch, 2), AdditiveStandInRenderer.Synthesize(pitch, 0.5, 16000, 2.0), 16000);

    [Fact]
    public void PersistedNotesComeBackIdenticalForTheSameModelOnly()
    {
        var cache = new VoiceCache(persistDirectory: dir);
        var notes = new[] { Note(48), Note(60), Note(72) };
        foreach (var n in notes) cache.Add(n);
        cache.Add(Note(60, model: "other"));
        var warm = new VoiceCache(persistDirectory: dir);
        Assert.Equal(3, warm.LoadPersisted("model/a:1"));
        foreach (var n in notes)
        {
            var back = warm.TryGet(n.Key)!;
            Assert.Equal(n.LoopStart, back.LoopStart);
            Assert.Equal(n.LoopEnd, back.LoopEnd);
            Assert.Equal(n.CrossfadeLength, back.CrossfadeLength);
            Assert.Equal(n.SampleRate, back.SampleRate);
            Assert.True(n.Buffer.AsSpan().SequenceEqual(back.Buffer));
        }
    }

    [Fact]
    public void CorruptFilesAreDiscardedWithAWarning()
    {
        var cache = new VoiceCache(persistDirectory: dir);
        foreach (var p in new[] { 50, 51, 52, 53 }) cache.Add(Note(p));
        var files = NoteFile.FilesFor(dir, "model/a:1").ToArray();
        Assert.Equal(4, files.Length);
        var flipped = File.ReadAllBytes(files[0]); flipped[flipped.Length / 2] ^= 0x10; File.WriteAllBytes(files[0], flipped);
        var truncated = File.ReadAllBytes(files[1]); File.WriteAllBytes(files[1], truncated[..(truncated.Length / 3)]);
        File.WriteAllBytes(files[2], new byte[] { 1, 2, 3 });
        var warnings = new List<string>();
        var warm = new VoiceCache(persistDirectory: dir);
        warm.Warning += warnings.Add;
        Assert.Equal(1, warm.LoadPersisted("model/a:1"));
        Assert.Equal(3, warnings.Count);
        Assert.All(warnings, w => Assert.Contains("corrupt", w));
        Assert.Single(NoteFile.FilesFor(dir, "model/a:1"));
    }

    [Fact]
    public void DiskCap_DeletesTheOldestFilesFirst_AndNeverTheNewest()
    {
        long fileBytes;
        {
            var probe = new VoiceCache(persistDirectory: dir);
            probe.Add(Note(40, model: "probe"));
            fileBytes = probe.PersistedBytes;
            Directory.Delete(dir, true);
        }
        var cache = new VoiceCache(persistDirectory: dir, persistCapBytes: 5 * fileBytes);
        for (int p = 50; p < 62; p++)
        {
            cache.Add(Note(p));
            File.SetLastWriteTimeUtc(NoteFile.PathFor(dir, Note(p).Key), DateTime.UtcNow.AddMinutes(p - 100));   // p = age order
        }
        Assert.True(cache.PersistedBytes <= 5 * fileBytes, $"{cache.PersistedBytes} > cap {5 * fileBytes}");
        var left = NoteFile.FilesFor(dir, "model/a:1").Select(f => Path.GetFileName(f)).ToArray();
        Assert.Contains(left, f => f.Contains("-p61-"));
        Assert.DoesNotContain(left, f => f.Contains("-p50-"));
        var warm = new VoiceCache(persistDirectory: dir);
        Assert.Equal(left.Length, warm.LoadPersisted("model/a:1"));
        Assert.Equal(cache.PersistedBytes, new DirectoryInfo(dir).EnumerateFiles("*" + NoteFile.Extension, SearchOption.AllDirectories).Sum(f => f.Length));
    }
}
