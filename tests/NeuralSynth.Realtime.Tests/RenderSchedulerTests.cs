using NeuralSynth.Realtime;

namespace NeuralSynth.Realtime.Tests;

/// Test instrumentation around the additive stand-in renderer: records the order of rendered
/// requests, can hold the first batch until released, and can fail on demand.
sealed class RecordingRenderer(int minPitch = 40, int maxPitch = 60) : INoteRenderer
{
    readonly AdditiveStandInRenderer inner = new(minPitch: minPitch, maxPitch: maxPitch, seconds: 0.3);
    public readonly List<NoteRequest> Order = new();
    public readonly ManualResetEventSlim Gate = new(true);
    public readonly ManualResetEventSlim Entered = new(false);
    public int FailPitch = -1;
    public string ModelId => inner.ModelId;
    public int SampleRate => inner.SampleRate;
    public int LatentSize => inner.LatentSize;
    public int MinPitch => inner.MinPitch;
    public int MaxPitch => inner.MaxPitch;

    public float[][] Render(IReadOnlyList<NoteRequest> requests, CancellationToken cancel)
    {
        Entered.Set();
        Gate.Wait(cancel);
        lock (Order) Order.AddRange(requests);
        if (requests.Any(r => r.Pitch == FailPitch)) throw new InvalidOperationException("model exploded");
        return inner.Render(requests, cancel);
    }
}

public class RenderSchedulerTests
{
    static readonly Latent Z1 = Latent.FromSeed(1, 8), Z2 = Latent.FromSeed(2, 8);

    [Fact]
    public void FillKeyboardRendersEveryPitchAndLayerAndRaisesNoteReady()
    {
        var renderer = new RecordingRenderer();
        var cache = new VoiceCache();
        using var scheduler = new RenderScheduler(renderer, cache);
        int ready = 0;
        scheduler.NoteReady += _ => Interlocked.Increment(ref ready);
        scheduler.FillKeyboard(Z1);
        var keys = Enumerable.Range(40, 21).SelectMany(p => Enumerable.Range(0, 3).Select(l => scheduler.KeyFor(Z1, p, l))).ToList();
        scheduler.WaitUntilRendered(keys);
        Assert.All(keys, k => Assert.NotNull(cache.TryGet(k)));
        Assert.Equal(63, cache.Count);
        SpinWait.SpinUntil(() => Volatile.Read(ref ready) == 63, 120000);
        Assert.Equal(63, ready);
        // Velocity layers are rendered at their velocities.
        Assert.Equal(new[] { 50, 90, 127 }, renderer.Order.Select(r => r.Velocity).Distinct().Order());
    }

    [Fact]
    public void HeldNotesComeFirstThenRecentlyPlayedThenNearestToTheLastPlayedPitch()
    {
        var renderer = new RecordingRenderer();
        renderer.Gate.Reset();
        using var scheduler = new RenderScheduler(renderer, new VoiceCache(), new RenderSchedulerOptions { BatchSize = 1 });
        scheduler.Request(Z1, 59, 0, RenderPriority.Keyboard);
        Assert.True(renderer.Entered.Wait(120000)); // the worker is stuck on the first note
        scheduler.FillKeyboard(Z1, [0]);
        scheduler.NotePlayed(45);
        scheduler.NotePlayed(50);
        scheduler.Request(Z1, 55, 0, RenderPriority.Held);
        renderer.Gate.Set();
        // (Not WaitUntilRendered: it promotes what it waits for to Held.)
        Assert.True(SpinWait.SpinUntil(() => scheduler.PendingCount == 0 && renderer.Order.Count >= 21, 120000));
        var pitches = renderer.Order.Select(r => r.Pitch).ToList();
        Assert.Equal(59, pitches[0]);
        Assert.Equal(55, pitches[1]);           // held
        Assert.Equal(50, pitches[2]);           // most recently played
        Assert.Equal(45, pitches[3]);
        Assert.Equal(new[] { 49, 51 }, pitches.Skip(4).Take(2).Order()); // then outward from the last played pitch
        Assert.True(pitches.Count == 21, string.Join(",", pitches));
    }

    [Fact]
    public void ATimbreChangeCancelsStaleRenders()
    {
        var renderer = new RecordingRenderer();
        renderer.Gate.Reset();
        var cache = new VoiceCache();
        using var scheduler = new RenderScheduler(renderer, cache);
        scheduler.FillKeyboard(Z1);
        Assert.True(renderer.Entered.Wait(120000)); // a Z1 batch is in flight
        scheduler.FillKeyboard(Z2);               // cancels it and drops the other Z1 requests
        renderer.Gate.Set();
        scheduler.WaitUntilRendered(Z2, Enumerable.Range(40, 21).Select(p => (p, 2)));
        SpinWait.SpinUntil(() => scheduler.PendingCount == 0, 120000);
        Assert.DoesNotContain(cache.Keys(), k => k.LatentHash == Z1.Hash);
        Assert.Equal(63, cache.Keys().Count(k => k.LatentHash == Z2.Hash));
    }

    [Fact]
    public void AudioThreadRequestsAreRendered()
    {
        var cache = new VoiceCache();
        using var scheduler = new RenderScheduler(new RecordingRenderer(), cache);
        scheduler.RegisterLatent(Z1);
        Assert.True(scheduler.RequestFromAudioThread(Z1, 44, 1));
        Assert.True(SpinWait.SpinUntil(() => cache.Contains(scheduler.KeyFor(Z1, 44, 1)), 120000));
    }

    [Fact]
    public void RendererFailuresSurfaceToWaitersAndTheWorkerCarriesOn()
    {
        var renderer = new RecordingRenderer { FailPitch = 42 };
        using var scheduler = new RenderScheduler(renderer, new VoiceCache(), new RenderSchedulerOptions { BatchSize = 1 });
        Exception? reported = null;
        scheduler.RenderFailed += (_, e) => reported = e;
        var error = Assert.Throws<InvalidOperationException>(() => scheduler.WaitUntilRendered(Z1, [(42, 0)]));
        Assert.Contains("model exploded", error.Message);
        scheduler.WaitUntilRendered(Z1, [(43, 0)]);
        // A failure is reported once; waiting again renders the note again (it may have been transient).
        renderer.FailPitch = -1;
        scheduler.WaitUntilRendered(Z1, [(42, 0)]);
        Assert.NotNull(reported);
        Assert.Throws<ArgumentException>(() => scheduler.Request(Latent.FromSeed(3, 5), 50, 0));
    }
}
