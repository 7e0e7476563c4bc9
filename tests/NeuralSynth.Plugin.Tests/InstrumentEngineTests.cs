namespace NeuralSynth.Plugin.Tests;

/// <summary>The InstrumentEngine facade over the real neural engine (the shipped default model from presets/models):
/// sample-accurate events, pitch and bend, sustain, polyphony, gain, velocity, realtime playback from the cache, and
/// timbre moves that crossfade. Offline mode (2) waits for every render, which makes these renders deterministic.</summary>
[Collection("Neural engine")]
public unsafe class InstrumentEngineTests
{
    const double Rate = 48000;
    const int Realtime = 0, Offline = 2;

    static float[] Render(InstrumentEngine e, int n, int block = 256)
    {
        var left = new float[n];
        var right = new float[n];
        fixed (float* l = left, r = right)
        {
            for (int pos = 0; pos < n; pos += block) e.Process(l + pos, r + pos, Math.Min(block, n - pos));
        }
        Assert.Equal(left, right);
        return left;
    }

    static InstrumentEngine Engine(int mode = Offline, params (uint Id, double Plain)[] parameters)
    {
        var e = new InstrumentEngine();
        foreach (var (id, v) in parameters) e.SetParameter(id, v, 0);
        e.Process(null, null, 0);    // parameters in before the engine is built
        e.Setup(Rate, 512, mode);
        return e;
    }

    static double Db(double a, double b) => 20 * Math.Log10(a / b);

    [Fact]
    public void NoteOn_StartsAtItsSampleOffset()
    {
        var e = Engine();
        Assert.True(e.IsReady);
        Assert.NotEqual("neuralsynth-default", e.ModelId);   // the generator's weights hash
        e.NoteOn(173, 60, 0.8f);
        var x = Render(e, 1024, 512);
        Assert.All(x[..173], v => Assert.Equal(0f, v));
        Assert.Contains(x[174..400], v => v != 0);
    }

    [Theory]
    [InlineData(48, 0.0, 2)]
    [InlineData(60, 0.0, 2)]
    [InlineData(67, 0.0, 2)]
    [InlineData(60, 1.0, 2)]     // full bend up, range 2 st: D4
    [InlineData(72, -0.5, 12)]   // half bend down, range 12 st: F#4 = 66
    public void Pitch_FollowsNoteAndPitchBend(int pitch, double bend, double range)
    {
        var e = Engine(Offline, (ParamIds.PitchBendRange, range), (ParamIds.PitchBend, bend));
        e.NoteOn(0, pitch, 0.8f);
        var x = Render(e, 24000);
        double expected = NeuralSynth.Dsp.Yin.MidiToHz(pitch + bend * range);
        double hz = PitchDetector.HarmonicF0(x.AsSpan(2400, 16384), Rate, expected);
        Assert.InRange(Math.Abs(NeuralSynth.Dsp.Yin.Cents(hz, expected)), 0, 10);
    }

    [Fact]
    public void ModWheel_SwingsThePitchByTheVibratoDepth()
    {
        var e = Engine(Offline, (ParamIds.ModWheel, 100.0), (ParamIds.VibratoWheel, 50.0), (ParamIds.VibratoRate, 4.0));
        e.NoteOn(0, 60, 0.8f);
        var x = Render(e, 48000);
        double expected = NeuralSynth.Dsp.Yin.MidiToHz(60);
        var cents = Enumerable.Range(0, 20).Select(k => NeuralSynth.Dsp.Yin.Cents(PitchDetector.HarmonicF0(x.AsSpan(4800 + k * 2000, 1024), Rate, expected), expected)).ToArray();
        Assert.InRange(cents.Max(), 30, 60);
        Assert.InRange(cents.Min(), -60, -30);
    }

    [Fact]
    public void BendRangeChange_RetunesTheHeldBend_WithoutANewNote()
    {
        var e = Engine(Offline, (ParamIds.PitchBend, 1.0));
        e.NoteOn(0, 60, 0.8f);
        Render(e, 4800);
        e.SetParameter(ParamIds.PitchBendRange, 7, 0);   // C4 bent up a fifth
        var x = Render(e, 24000);
        double expected = NeuralSynth.Dsp.Yin.MidiToHz(67);
        Assert.InRange(Math.Abs(NeuralSynth.Dsp.Yin.Cents(PitchDetector.HarmonicF0(x.AsSpan(2400, 16384), Rate, expected), expected)), 0, 10);
        Assert.Equal(1, e.Voices!.ActiveVoices);
    }

    [Fact]
    public void Sustain_HoldsReleasedKeysUntilThePedalLifts()
    {
        var e = Engine(Offline, (ParamIds.Release, 0.05));
        e.SetParameter(ParamIds.Sustain, 1, 0);
        e.NoteOn(0, 60, 1f);
        e.NoteOff(1000, 60);
        var held = Render(e, 24000);
        Assert.True(PitchDetector.Rms(held.AsSpan(20000, 4000)) > 1e-3, "note should sustain with the pedal down");
        e.SetParameter(ParamIds.Sustain, 0, 0);
        Render(e, 9600);
        Assert.True(e.IsSilent);
        Assert.All(Render(e, 512), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Polyphony_LimitsVoices_StealingTheOldest()
    {
        var e = Engine(Offline, (ParamIds.Polyphony, 1));
        Assert.Equal(1, e.Voices!.Options.Polyphony);
        e.NoteOn(0, 60, 0.8f);
        e.NoteOn(100, 67, 0.8f);
        var x = Render(e, 24000);
        Assert.Equal(1, e.Voices.ActiveVoices);
        double expected = NeuralSynth.Dsp.Yin.MidiToHz(67);
        Assert.InRange(Math.Abs(NeuralSynth.Dsp.Yin.Cents(PitchDetector.HarmonicF0(x.AsSpan(2400, 16384), Rate, expected), expected)), 0, 10);
    }

    [Fact]
    public void DefaultPolyphonyIs64_AndUpTo512VoicesPlay()
    {
        Assert.Equal(64, Engine(Offline).Voices!.Options.Polyphony);
        var e = Engine(Offline, (ParamIds.Polyphony, 512));
        Assert.Equal(512, e.Voices!.Options.Polyphony);
    }

    [Fact]
    public void Gain_FlushedWithoutTime_ScalesTheNoteExactly()
    {
        var quiet = Engine(Offline, (ParamIds.Gain, -20));
        quiet.NoteOn(0, 69, 1f);
        double q = PitchDetector.Rms(Render(quiet, 9600).AsSpan(2400));
        var loud = Engine(Offline);
        loud.NoteOn(0, 69, 1f);
        double reference = PitchDetector.Rms(Render(loud, 9600).AsSpan(2400));
        Assert.True(reference > 1e-3);
        Assert.InRange(Db(q, reference), -20.05, -19.95);
    }

    [Fact]
    public void VelocitySensitivity_ScalesLevelWithinAVelocityLayer()
    {
        // Velocities 110 and 127 both play the layer rendered at 127, so only the velocity curve differs:
        // 30 dB x (127 - 110) / 127 = 4.02 dB at full sensitivity, nothing at zero.
        double Level(double sensitivity, int velocity)
        {
            var e = Engine(Offline, (ParamIds.VelocitySensitivity, sensitivity));
            e.NoteOn(0, 64, velocity / 127f);
            return PitchDetector.Rms(Render(e, 9600).AsSpan(2400));
        }
        Assert.InRange(Db(Level(100, 110), Level(100, 127)), -4.1, -3.9);
        Assert.InRange(Db(Level(0, 110), Level(0, 127)), -0.01, 0.01);
    }

    /// A released instance has given its event buffers back: a stray note or block after that plays silence, and a
    /// second release is harmless (a host's double release must not free twice).
    [Fact]
    public void Disposed_PlaysSilence_AndReleasesOnce()
    {
        var e = Engine();
        e.NoteOn(0, 60, 1f);
        Assert.Contains(Render(e, 4800), v => v != 0f);
        e.Dispose();
        e.NoteOn(0, 64, 1f);
        e.SetParameter(ParamIds.Gain, -6, 0);
        Assert.All(Render(e, 2048), v => Assert.Equal(0f, v));
        e.Dispose();
        Assert.All(Render(e, 256), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Idle_IsExactlySilent_AndTailCoversTheRelease()
    {
        var e = Engine(Realtime);
        Assert.All(Render(e, 4096), v => Assert.Equal(0f, v));
        Assert.True(e.IsSilent);
        e.SetParameter(ParamIds.Release, 0.5, 0);
        Render(e, 1);
        Assert.InRange(e.TailSamples, (uint)(0.5 * Rate), (uint)(1.0 * Rate));
    }

    /// A realtime instance cannot wait for torch: it plays what the shared cache holds. Once an offline render has
    /// cached a note, realtime playback of it starts at its offset and is sample-identical to the offline one.
    [Fact]
    public void Realtime_PlaysCachedNotesAtOnce_IdenticalToOffline()
    {
        var offline = Engine(Offline);
        offline.NoteOn(10, 64, 0.7f);
        var reference = Render(offline, 9600);

        var live = Engine(Realtime);
        WaitUntilReady(live);
        live.NoteOn(10, 64, 0.7f);
        var x = Render(live, 9600);
        Assert.Equal(reference, x);
    }

    /// Moving a macro while a note is held: the updater maps it to a new latent, the scheduler renders the held note
    /// first in the background, and the voice crossfades to it (20 ms) - the sound changes without a click, i.e. no
    /// sample step larger than either timbre's own largest step.
    [Fact]
    public void MacroMove_WhileHolding_CrossfadesToTheNewTimbre_WithoutAClick()
    {
        const int pitch = 62;
        var before = Engine(Offline);
        before.NoteOn(0, pitch, 0.7f);
        var a = Render(before, 96000);
        var after = Engine(Offline, (ParamIds.Macro1, 80.0));
        after.NoteOn(0, pitch, 0.7f);
        var b = Render(after, 96000);
        Assert.True(Db(PitchDetector.Rms(Diff(a, b)), PitchDetector.Rms(a)) > -20, "the macro should change the sound");

        var live = Engine(Realtime);
        WaitUntilReady(live);
        live.NoteOn(0, pitch, 0.7f);
        var played = new List<float>(Render(live, 4800));
        live.SetParameter(ParamIds.Macro1, 80.0, 0);
        // Keep playing 10 ms blocks until the output follows the new timbre's note, which renders in the background;
        // 40 ms of wall time per block gives the render 4x real time (a loaded CI machine) within the 2 s note.
        bool changed = false;
        while (!changed && played.Count + 480 <= 90000)
        {
            var block = Render(live, 480);
            played.AddRange(block);
            int t = played.Count - 480;
            changed = SameAs(block, b.AsSpan(t, 480)) && !SameAs(block, a.AsSpan(t, 480));
            if (!changed) Thread.Sleep(40);
        }
        Assert.True(changed, "the held note did not move to the new timbre");
        double maxStep = Math.Max(MaxStep(a), MaxStep(b));
        Assert.True(MaxStep(played.ToArray()) <= 1.05 * maxStep, $"step {MaxStep(played.ToArray()):F4} > {maxStep:F4}: a click");
    }

    /// A loaded preset's own corners (a timbre captured from audio) replace the bank sound's; clearing them brings
    /// the bank sound back. The latent is the pure function of corners and parameters that offline renders use.
    [Fact]
    public void CustomCorners_SetTheTimbre_AndClearingThemReturnsToTheBankSound()
    {
        var e = Engine(Offline, (ParamIds.MorphX, 30.0), (ParamIds.Macro1 + 2, -40.0));
        var host = ModelHost.Ready!;
        var settings = new NeuralSynth.Realtime.Timbre.TimbreSettings { X = 0.3, Y = Parameters.Get(ParamIds.MorphY)!.DefaultPlain / 100, Macros = [0, 0, -0.4, 0, 0, 0, 0, 0], Seed = 0 };
        var bank = NeuralSynth.Realtime.Timbre.TimbreControls.Compute(host.Corners(SoundBank.DefaultIndex), settings, host.Directions, host.Prior);
        Render(e, 256);
        Assert.Equal(bank.Hash, e.Voices!.Timbre!.Hash);

        NeuralSynth.Realtime.Timbre.CornerSpec[] mine = [NeuralSynth.Realtime.Timbre.CornerSpec.FromSeed(11), NeuralSynth.Realtime.Timbre.CornerSpec.FromSeed(12), NeuralSynth.Realtime.Timbre.CornerSpec.FromSeed(13), NeuralSynth.Realtime.Timbre.CornerSpec.FromSeed(14)];
        e.SetCorners(mine);
        Render(e, 256);
        var expected = NeuralSynth.Realtime.Timbre.TimbreControls.Compute(mine.Select(c => c.ToLatent(host.Prior)).ToArray(), settings, host.Directions, host.Prior);
        Assert.Equal(expected.Hash, e.Voices!.Timbre!.Hash);
        e.NoteOn(0, 60, 0.8f);
        Assert.True(PitchDetector.Rms(Render(e, 4800)) > 1e-3);

        e.SetCorners(null);
        Render(e, 256);
        Assert.Equal(bank.Hash, e.Voices!.Timbre!.Hash);
    }

    /// Playing voices pin their cached notes (the cache must not evict a note mid-play); an engine swapped out for a
    /// new polyphony, or an instance stopped, must unpin them or the shared cache could never free those notes.
    [Fact]
    public void SwappedOutEngines_AndStoppedInstances_UnpinTheirNotes()
    {
        var e = Engine(Offline);
        e.NoteOn(0, 57, 0.5f);   // velocity 64 -> layer 50: no other test holds this note
        Render(e, 2400);
        var voices = e.Voices!;
        var note = ModelHost.Ready!.Cache.TryGet(voices.KeyFor(voices.Timbre!, 57, 64))!;
        Assert.Equal(1, note.PinCount);
        e.SetParameter(ParamIds.Polyphony, 32, 0);
        Render(e, 2400);                        // the new engine takes over (and restarts the held key)
        Render(e, 256);                         // the retired engine is freed by the next update
        Assert.NotSame(voices, e.Voices);
        Assert.Equal(1, note.PinCount);         // only the new engine's voice
        e.Stop();
        Assert.Equal(0, note.PinCount);
    }

    static bool SameAs(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        for (int i = 0; i < x.Length; i++) if (Math.Abs(x[i] - y[i]) > 1e-6f) return false;
        return true;
    }

    static float[] Diff(float[] a, float[] b) => a.Zip(b, (x, y) => x - y).ToArray();

    static double MaxStep(float[] x)
    {
        double m = 0;
        for (int i = 1; i < x.Length; i++) m = Math.Max(m, Math.Abs(x[i] - x[i - 1]));
        return m;
    }

    static void WaitUntilReady(InstrumentEngine e)
    {
        for (int i = 0; i < 3000 && !e.IsReady; i++)
        {
            Render(e, 256);   // the swap to a newly built engine happens inside Process
            Thread.Sleep(10);
        }
        Assert.True(e.IsReady, ModelHost.LoadError ?? "the engine was not built within 30 s");
    }
}

[CollectionDefinition("Neural engine", DisableParallelization = true)]
public class NeuralEngineCollection { }
