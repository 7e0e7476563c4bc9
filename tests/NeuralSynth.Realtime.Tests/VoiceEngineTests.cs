using NeuralSynth.Realtime;

namespace NeuralSynth.Realtime.Tests;

/// The voice engine over a cache filled with real waveforms: harmonic tones synthesized here
/// (test data, 16 kHz, 2 s, held 1.5 s like the dataset's notes).
public class VoiceEngineTests
{
    const string ModelId = "additive-stand-in";
    static readonly ModelInfo Model = new(ModelId, 16000, 24, 84);
    static readonly Latent Z1 = Latent.FromSeed(11, 8), Z2 = Latent.FromSeed(12, 8);
    static readonly Dictionary<(ulong, int, int), CachedNote> notes = new();

    static CachedNote NoteFor(Latent z, int pitch, int layer)
    {
        lock (notes)
        {
            if (!notes.TryGetValue((z.Hash, pitch, layer), out var n))
            {
                double bright = z == Z1 ? 1.2 : 2.0;
                var x = AdditiveStandInRenderer.Synthesize(pitch, VelocityLayers.Default.VelocityOf(layer) / 127.0, 16000, 2.0, bright);
                notes[(z.Hash, pitch, layer)] = n = CachedNote.Create(new NoteKey(ModelId, z.Hash, pitch, layer), x, 16000);
            }
            return n;
        }
    }

    static VoiceCache Filled(Latent z, IEnumerable<int> pitches, params int[] layers)
    {
        var cache = new VoiceCache();
        Fill(cache, z, pitches, layers);
        return cache;
    }

    static void Fill(VoiceCache cache, Latent z, IEnumerable<int> pitches, params int[] layers)
    {
        foreach (int p in pitches) foreach (int l in layers.Length == 0 ? [0, 1, 2] : layers) cache.Add(NoteFor(z, p, l));
    }

    static VoiceEngine Engine(VoiceCache cache, RenderScheduler? scheduler = null, int polyphony = 64, double rate = 48000)
    {
        var e = new VoiceEngine(cache, scheduler, new VoiceEngineOptions { Polyphony = polyphony, Model = scheduler is null ? Model : null });
        e.SetSampleRate(rate, 512);
        e.SetTimbre(Z1);
        return e;
    }

    /// Runs the engine for `seconds` in 128-sample blocks; `events(blockIndex)` posts events before each block.
    static float[] Run(VoiceEngine e, double seconds, Action<int>? events = null, int block = 128)
    {
        int total = (int)(seconds * e.HostSampleRate);
        var outL = new float[total];
        var r = new float[block];
        for (int b = 0, pos = 0; pos < total; b++, pos += block)
        {
            int n = Math.Min(block, total - pos);
            events?.Invoke(b);
            e.Process(outL.AsSpan(pos, n), r.AsSpan(0, n));
            for (int i = 0; i < n; i++) Assert.Equal(outL[pos + i], r[i]); // centred voices: L == R
        }
        return outL;
    }

    static double Rms(ReadOnlySpan<float> x) { double s = 0; foreach (float v in x) s += v * (double)v; return Math.Sqrt(s / x.Length); }
    static double Hz(int midi) => 440 * Math.Pow(2, (midi - 69) / 12.0);

    /// The waveform's period by autocorrelation (searched within ±25% of the expected period,
    /// parabolic peak interpolation) must match `expected` Hz within 10 cents.
    static void AssertPitch(ReadOnlySpan<float> span, double rate, double expected)
    {
        var x = span.ToArray();
        double period = rate / expected;
        int lo = (int)(period * 0.8), hi = (int)(period * 1.25) + 1, n = x.Length - hi;
        double Ac(int lag) { double s = 0; for (int i = 0; i < n; i++) s += x[i] * (double)x[i + lag]; return s; }
        int best = lo; double bestValue = double.NegativeInfinity;
        for (int lag = lo; lag <= hi; lag++) { double a = Ac(lag); if (a > bestValue) { bestValue = a; best = lag; } }
        double am = Ac(best - 1), ap = Ac(best + 1);
        double refined = best + 0.5 * (am - ap) / (am - 2 * bestValue + ap);
        double cents = 1200 * Math.Log2(period / refined);
        Assert.True(Math.Abs(cents) < 10, $"expected {expected:F2} Hz, measured {rate / refined:F2} Hz ({cents:F1} cents)");
    }

    [Fact]
    public void CachedNoteSoundsAtItsExactSampleOffset()
    {
        var e = Engine(Filled(Z1, [60]));
        var l = new float[128]; var r = new float[128];
        e.Process(l, r); // timbre applied
        e.NoteOn(37, 60, 100);
        e.Process(l, r);
        for (int i = 0; i < 37; i++) Assert.Equal(0f, l[i]);
        Assert.NotEqual(0f, l[37]);
    }

    [Fact]
    public void EventsPostedOutOfOrderAreAppliedAtTheirOffsets()
    {
        var e = Engine(Filled(Z1, [48, 72]));
        var l = new float[256]; var r = new float[256];
        e.Process(l.AsSpan(0, 128), r.AsSpan(0, 128));
        e.NoteOn(200, 72, 100);
        e.NoteOn(5, 48, 100);
        e.NoteOff(100, 48);
        e.Process(l, r);
        for (int i = 0; i < 5; i++) Assert.Equal(0f, l[i]);
        Assert.NotEqual(0f, l[5]);
        Assert.Equal(2, e.ActiveVoices);
        Assert.Contains(e.ActiveVoiceStates(), v => v.Pitch == 48 && v.Released);
    }

    [Theory]
    [InlineData(60, 48000.0, 0f, 60.0)]
    [InlineData(45, 44100.0, 0f, 45.0)]
    [InlineData(96, 48000.0, 0f, 96.0)]      // above the model's range: 84 transposed up an octave
    [InlineData(20, 96000.0, 0f, 20.0)]      // below it
    [InlineData(60, 48000.0, 1f, 62.0)]      // full bend up: +2 semitones
    [InlineData(60, 22050.0, -0.5f, 59.0)]
    public void PlaysTheRightPitchAtAnyHostRateWithBendAndTransposition(int pitch, double rate, float bend, double expectedMidi)
    {
        var e = Engine(Filled(Z1, Enumerable.Range(24, 61)), rate: rate);
        var y = Run(e, 1.0, b => { if (b == 0) { e.PitchBend(0, bend); e.NoteOn(0, pitch, 127); } });
        AssertPitch(y.AsSpan((int)(0.3 * rate), (int)(0.5 * rate)), rate, Hz(0) * Math.Pow(2, expectedMidi / 12));
    }

    /// Cents from `expected` of the waveform's period in a short window (autocorrelation, parabolic peak).
    static double CentsAt(float[] y, int start, int length, double rate, double expected)
    {
        double period = rate / expected;
        int lo = (int)(period * 0.9), hi = (int)(period * 1.12) + 1, n = length;
        double Ac(int lag) { double s = 0; for (int i = start; i < start + n; i++) s += y[i] * (double)y[i + lag]; return s; }
        int best = lo; double bestValue = double.NegativeInfinity;
        for (int lag = lo; lag <= hi; lag++) { double a = Ac(lag); if (a > bestValue) { bestValue = a; best = lag; } }
        double am = Ac(best - 1), ap = Ac(best + 1);
        return 1200 * Math.Log2(period / (best + 0.5 * (am - ap) / (am - 2 * bestValue + ap)));
    }

    [Fact]
    public void ModWheelAddsAVibratoOfTheSetDepthAndRate()
    {
        var e = Engine(Filled(Z1, [57]));
        e.SetVibrato(0, 30, 5);
        var y = Run(e, 2.2, b => { if (b == 0) { e.ModWheel(0, 1f); e.NoteOn(0, 57, 127); } });
        // The pitch every 5 ms over 0.2-2.0 s (windows of 8 ms, several periods of A3).
        var track = new List<double>();
        for (int s = 9600; s + 400 + 600 < 96000; s += 240) track.Add(CentsAt(y, s, 384, 48000, Hz(57)));
        Assert.InRange(track.Max(), 24, 36);
        Assert.InRange(track.Min(), -36, -24);
        int crossings = 0;
        for (int i = 1; i < track.Count; i++) if (track[i - 1] < 0 != track[i] < 0) crossings++;
        Assert.InRange(crossings, 16, 20); // 5 Hz over 1.8 s: 18 zero crossings
    }

    [Fact]
    public void TheSoundsOwnVibratoSetsInAfterTheAttack()
    {
        float[] Play(double cents) { var e = Engine(Filled(Z1, [57])); e.SetVibrato(cents, 35, 6); return Run(e, 1.5, b => { if (b == 0) e.NoteOn(0, 57, 127); }); }
        var y = Play(20);
        var still = Play(0);
        // The first 30 ms move a few cents at most from the same note without vibrato; from 0.3 s the pitch swings by
        // the full 20 cents.
        double attack = Enumerable.Range(0, 6).Max(k => Math.Abs(CentsAt(y, 240 * k, 384, 48000, Hz(57)) - CentsAt(still, 240 * k, 384, 48000, Hz(57))));
        Assert.InRange(attack, 0, 3);
        var later = Enumerable.Range(0, 100).Select(k => CentsAt(y, 14400 + 240 * k, 384, 48000, Hz(57))).ToArray();
        Assert.InRange(later.Max(), 16, 24);
        Assert.InRange(later.Min(), -24, -16);
    }

    [Fact]
    public void ModWheelAtZeroLeavesThePitchUntouchedAndTheWheelGlides()
    {
        float[] Play(bool wheel) { var e = Engine(Filled(Z1, [57])); return Run(e, 0.5, b => { if (b == 0) { if (wheel) e.ModWheel(0, 0f); e.NoteOn(0, 57, 127); } }); }
        Assert.True(Play(false).AsSpan().SequenceEqual(Play(true)));
        // A held note: in tune until the wheel moves, then swinging by the full depth (at 12 Hz: a cycle in 83 ms).
        var e = Engine(Filled(Z1, [57]));
        e.SetVibrato(0, 100, 12);
        var y = Run(e, 0.8, b => { if (b == 0) e.NoteOn(0, 57, 127); if (b == 150) e.ModWheel(0, 1f); });
        int at = 150 * 128;
        Assert.InRange(Math.Abs(CentsAt(y, at - 600, 384, 48000, Hz(57))), 0, 2);
        double swing = Enumerable.Range(0, 24).Max(k => Math.Abs(CentsAt(y, at + 9600 + 240 * k, 384, 48000, Hz(57))));
        Assert.InRange(swing, 75, 101);
    }

    /// A note's vibrato is a function of the note's own time, not of the host's blocks: the same performance (a chord
    /// with the sound's own vibrato, the mod wheel moved up and back) plays the same samples in blocks of 128 (the
    /// engine's chunk), 37, 480 and 4096, as an offline bounce must match what was heard live.
    [Fact]
    public void VibratoAndWheel_PlayTheSameSamples_AtAnyBlockSize()
    {
        float[] Play(int block, double own)
        {
            var e = Engine(Filled(Z1, [57, 64]));
            e.SetSampleRate(48000, 4096);
            e.SetVibrato(own, 35, 5.2);
            var y = new float[72000];
            var r = new float[block];
            void At(int t, int from, int n, Action<int> post) { if (t >= from && t < from + n) post(t - from); }
            for (int pos = 0; pos < y.Length; pos += block)
            {
                int n = Math.Min(block, y.Length - pos);
                At(0, pos, n, o => e.NoteOn(o, 57, 100));
                At(3001, pos, n, o => e.NoteOn(o, 64, 90));
                At(20000, pos, n, o => e.ModWheel(o, 0.7f));
                At(41234, pos, n, o => e.ModWheel(o, 0f));
                At(59999, pos, n, o => e.ModWheel(o, 1f));   // after the glide back to 0 ended: the wheel alone swings again
                e.Process(y.AsSpan(pos, n), r.AsSpan(0, n));
            }
            return y;
        }
        foreach (double own in new[] { 9.0, 0.0 })
        {
            var reference = Play(128, own);
            Assert.True(Rms(reference.AsSpan(60000)) > 0.01);
            foreach (int block in new[] { 37, 480, 4096 })
            {
                var y = Play(block, own);
                double worst = 0;
                for (int i = 0; i < y.Length; i++) worst = Math.Max(worst, Math.Abs(y[i] - reference[i]));
                Assert.True(worst < 1e-5, $"own vibrato {own} cents, blocks of {block}: {worst:E2} from blocks of 128");
            }
        }
    }

    [Fact]
    public void HeldNotesLoopSeamlesslyFarBeyondTheirRenderedLength()
    {
        var e = Engine(Filled(Z1, [57]));
        var y = Run(e, 6.0, b => { if (b == 0) e.NoteOn(0, 57, 127); });
        double early = Rms(y.AsSpan(48000, 24000)), late = Rms(y.AsSpan(5 * 48000, 24000));
        Assert.True(late > 0.5 * early && late < 2 * early, $"level drifted: {early} -> {late}");
        double maxStep = 0;
        for (int i = 48000; i < 72000; i++) maxStep = Math.Max(maxStep, Math.Abs(y[i + 1] - y[i]));
        for (int i = 72000; i < y.Length - 1; i++) Assert.True(Math.Abs(y[i + 1] - y[i]) <= 1.1 * maxStep, $"click at {i}");
        AssertPitch(y.AsSpan(5 * 48000, 32768), 48000, Hz(57));
    }

    [Fact]
    public void ReleaseFadesOutAndFreesTheVoice()
    {
        var e = Engine(Filled(Z1, [60]));
        var y = Run(e, 1.5, b => { if (b == 0) e.NoteOn(0, 60, 127); if (b == 100) e.NoteOff(0, 60); });
        Assert.True(Rms(y.AsSpan(100 * 128 - 2000, 2000)) > 0.01);
        Assert.Equal(0, e.ActiveVoices);
        Assert.True(Rms(y.AsSpan(y.Length - 4800)) == 0);
    }

    [Fact]
    public void SustainPedalHoldsReleasedNotesUntilItIsLifted()
    {
        var e = Engine(Filled(Z1, [60, 64]));
        Run(e, 0.5, b => { if (b == 0) { e.Sustain(0, true); e.NoteOn(0, 60, 100); e.NoteOn(0, 64, 100); } if (b == 10) { e.NoteOff(0, 60); e.NoteOff(0, 64); } });
        Assert.Equal(2, e.ActiveVoices);
        Assert.All(e.ActiveVoiceStates(), v => Assert.False(v.Released));
        Run(e, 1.0, b => { if (b == 0) e.Sustain(64, false); });
        Assert.Equal(0, e.ActiveVoices);
    }

    [Fact]
    public void AllNotesOffReleasesEverything()
    {
        var e = Engine(Filled(Z1, Enumerable.Range(50, 10)));
        Run(e, 0.2, b => { if (b == 0) for (int p = 50; p < 60; p++) e.NoteOn(p - 50, p, 90); });
        Assert.Equal(10, e.ActiveVoices);
        Run(e, 1.0, b => { if (b == 0) e.AllNotesOff(0); });
        Assert.Equal(0, e.ActiveVoices);
    }

    [Fact]
    public void StealsTheOldestReleasedVoiceFirstThenTheOldest()
    {
        var e = Engine(Filled(Z1, Enumerable.Range(60, 8)), polyphony: 4);
        Run(e, 0.1, b => { if (b == 0) for (int p = 60; p < 64; p++) e.NoteOn(p - 60, p, 90); if (b == 2) e.NoteOff(0, 62); });
        Run(e, 0.05, b => { if (b == 0) e.NoteOn(0, 64, 90); });
        Assert.Equal(new[] { 60, 61, 63, 64 }, e.ActiveVoiceStates().Select(v => v.Pitch).Order());
        Run(e, 0.05, b => { if (b == 0) e.NoteOn(0, 65, 90); });
        Assert.Equal(new[] { 61, 63, 64, 65 }, e.ActiveVoiceStates().Select(v => v.Pitch).Order());
    }

    [Fact]
    public void VelocityPicksTheLayerAndScalesTheGain()
    {
        var cache = Filled(Z1, [60]);
        var e = Engine(cache);
        Run(e, 0.1, b => { if (b == 0) { e.NoteOn(0, 60, 40); } });
        Assert.Equal(0, e.ActiveVoiceStates().Single().Note!.VelocityLayer);
        var e2 = Engine(cache);
        var loud = Run(e2, 0.5, b => { if (b == 0) e2.NoteOn(0, 60, 127); });
        var e3 = Engine(cache);
        var quiet = Run(e3, 0.5, b => { if (b == 0) e3.NoteOn(0, 60, 55); });
        Assert.True(Rms(loud.AsSpan(10000)) > 2 * Rms(quiet.AsSpan(10000)));
    }

    [Fact]
    public void CacheMissPlaysTheNearestPitchAtOnceThenSwapsToTheExactNote()
    {
        var cache = Filled(Z1, [60]);
        using var scheduler = new RenderScheduler(new AdditiveStandInRenderer(ModelId, minPitch: 24, maxPitch: 84), cache);
        var e = new VoiceEngine(cache, scheduler, new VoiceEngineOptions { FillKeyboardOnTimbreChange = false });
        e.SetSampleRate(48000, 128);
        e.SetTimbre(Z1);
        var y = Run(e, 0.2, b => { if (b == 0) e.NoteOn(10, 64, 127); });
        Assert.NotEqual(0f, y[10]); // sound at once, from the transposed 60
        Assert.True(SpinWait.SpinUntil(() => cache.Contains(new NoteKey(ModelId, Z1.Hash, 64, 2)), 120000));
        var z = Run(e, 0.5);
        var v = e.ActiveVoiceStates().Single();
        Assert.Equal(64, v.Note!.Pitch);
        Assert.False(v.WantsExact);
        AssertPitch(z.AsSpan(4800, 16384), 48000, Hz(64));
    }

    [Fact]
    public void TimbreChangeCrossfadesPlayingNotesToTheNewTimbre()
    {
        var cache = Filled(Z1, [60]);
        Fill(cache, Z2, [60]);
        var e = Engine(cache);
        var a = Run(e, 0.5, b => { if (b == 0) e.NoteOn(0, 60, 127); });
        e.SetTimbre(Z2);
        var c = Run(e, 0.5);
        var v = e.ActiveVoiceStates().Single();
        Assert.Equal(Z2.Hash, v.Note!.Key.LatentHash);
        // Continuous across the change: no jump bigger than the tones' own steepest slope.
        double maxStep = 0;
        for (int i = 1; i < a.Length; i++) maxStep = Math.Max(maxStep, Math.Abs(a[i] - a[i - 1]));
        Assert.True(Math.Abs(c[0] - a[^1]) <= 1.5 * maxStep + 1e-3);
        // Z2 is darker: less energy at the 5th harmonic after the crossfade.
        double h5a = EngineMeasurements.ToneAmplitude(a.AsSpan(4800, 16384), 5 * Hz(60) / 48000) / EngineMeasurements.ToneAmplitude(a.AsSpan(4800, 16384), Hz(60) / 48000);
        double h5c = EngineMeasurements.ToneAmplitude(c.AsSpan(4800, 16384), 5 * Hz(60) / 48000) / EngineMeasurements.ToneAmplitude(c.AsSpan(4800, 16384), Hz(60) / 48000);
        Assert.True(h5c < 0.7 * h5a, $"{h5c} vs {h5a}");
    }

    [Fact]
    public void OfflineModeWaitsForRendersAndIsBitIdenticalAcrossRuns()
    {
        float[] RenderOnce()
        {
            var cache = new VoiceCache();
            using var scheduler = new RenderScheduler(new AdditiveStandInRenderer(ModelId, minPitch: 40, maxPitch: 70), cache);
            var e = new VoiceEngine(cache, scheduler, new VoiceEngineOptions { Offline = true, FillKeyboardOnTimbreChange = false });
            e.SetSampleRate(44100, 256);
            e.SetTimbre(Z1);
            return Run(e, 1.0, b =>
            {
                if (b == 1) { e.NoteOn(17, 52, 100); e.NoteOn(30, 59, 60); }
                if (b == 40) e.PitchBend(3, 0.3f);
                if (b == 80) e.NoteOff(0, 52);
            }, block: 256);
        }
        var first = RenderOnce();
        Assert.Equal(0f, first[256 + 16]);
        Assert.NotEqual(0f, first[256 + 17]); // the exact note, waited for, at its offset
        Assert.True(first.AsSpan().SequenceEqual(RenderOnce()));
    }

    [Fact]
    public void ProcessAllocatesNothingOverTenSecondsOfDenseMidiWithBends()
    {
        // Even pitches cached; odd ones are misses that the scheduler renders meanwhile (stand-in, then swap).
        var cache = Filled(Z1, Enumerable.Range(12, 31).Select(i => 2 * i).Where(p => p <= 84));
        using var scheduler = new RenderScheduler(new AdditiveStandInRenderer(ModelId, minPitch: 24, maxPitch: 84), cache);
        var e = new VoiceEngine(cache, scheduler, new VoiceEngineOptions { FillKeyboardOnTimbreChange = false });
        e.SetSampleRate(48000, 128);
        e.SetTimbre(Z1);
        var l = new float[128]; var r = new float[128];
        var rng = new Random(5);
        var events = new (int Kind, int Offset, int Pitch, int Velocity, float Bend)[3750 * 12];
        for (int i = 0; i < events.Length; i++)
            events[i] = (rng.Next(4), rng.Next(128), rng.Next(16, 110), rng.Next(1, 128), (float)(rng.NextDouble() * 2 - 1));
        int eventIndex = 0;
        void Block(int b)
        {
            for (int k = 0; k < 12; k++)
            {
                var ev = events[eventIndex++ % events.Length];
                switch (ev.Kind)
                {
                    case 0: case 1: e.NoteOn(ev.Offset, ev.Pitch, ev.Velocity); break;
                    case 2: e.NoteOff(ev.Offset, ev.Pitch); break;
                    default: if (ev.Pitch % 2 == 0) e.PitchBend(ev.Offset, ev.Bend); else e.ModWheel(ev.Offset, 0.5f * (ev.Bend + 1)); break;
                }
            }
            if (b % 200 == 0) e.Sustain(b % 37, b % 400 == 0);
            if (b % 1000 == 999) e.AllNotesOff(64);
            e.Process(l, r);
        }
        for (int b = 0; b < 400; b++) Block(b); // warm-up: JIT, first misses
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int b = 0; b < 3750; b++) Block(b); // 10 s at 48 kHz
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(e.ActiveVoices > 0);
    }
}
