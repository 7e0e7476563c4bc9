namespace NeuralSynth.Plugin.Tests;

/// <summary>The InstrumentEngine facade: sample-accurate events, pitch, bend, sustain, polyphony, flush.
/// (Runs on the interim test tone today; the same contract holds once the real voice engine is behind it.)</summary>
public unsafe class InstrumentEngineTests
{
    const double Rate = 48000;

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

    static InstrumentEngine Engine()
    {
        var e = new InstrumentEngine();
        e.Setup(Rate, 512, 0);
        return e;
    }

    [Fact]
    public void NoteOn_StartsAtItsSampleOffset()
    {
        var e = Engine();
        e.NoteOn(173, 69, 1f);
        var x = Render(e, 512, 512);
        Assert.All(x[..173], v => Assert.Equal(0f, v));
        Assert.Contains(x[174..200], v => v != 0);
    }

    [Theory]
    [InlineData(45, 0.0, 2)]
    [InlineData(69, 0.0, 2)]
    [InlineData(69, 1.0, 2)]     // full bend up, range 2 st: B4
    [InlineData(72, -0.5, 12)]   // half bend down, range 12 st: C#4... = 66
    public void Pitch_FollowsNoteAndPitchBend(int pitch, double bend, double range)
    {
        var e = Engine();
        e.SetParameter(ParamIds.PitchBendRange, range, 0);
        e.SetParameter(ParamIds.PitchBend, bend, 0);
        e.NoteOn(0, pitch, 0.9f);
        var x = Render(e, 8192);
        double hz = PitchDetector.Yin(x.AsSpan(2048, 4096), Rate);
        double expected = PitchDetector.MidiToHz(pitch + bend * range);
        Assert.InRange(Math.Abs(PitchDetector.Cents(hz, expected)), 0, 5);
    }

    [Fact]
    public void Sustain_HoldsReleasedKeysUntilThePedalLifts()
    {
        var e = Engine();
        e.SetParameter(ParamIds.Release, 0.05, 0);
        e.SetParameter(ParamIds.Sustain, 1, 0);
        e.NoteOn(0, 60, 1f);
        e.NoteOff(1000, 60);
        var held = Render(e, 24000);
        Assert.True(PitchDetector.Rms(held.AsSpan(20000, 4000)) > 0.05, "note should sustain with the pedal down");
        e.SetParameter(ParamIds.Sustain, 0, 0);
        Render(e, 9600);
        Assert.True(e.IsSilent);
        Assert.All(Render(e, 512), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Polyphony_LimitsVoices_StealingTheOldest()
    {
        var e = Engine();
        e.SetParameter(ParamIds.Polyphony, 1, 0);
        e.NoteOn(0, 60, 1f);
        e.NoteOn(100, 67, 1f);
        var x = Render(e, 8192);
        double hz = PitchDetector.Yin(x.AsSpan(2048, 4096), Rate);
        Assert.InRange(Math.Abs(PitchDetector.Cents(hz, PitchDetector.MidiToHz(67))), 0, 5);
    }

    [Fact]
    public void ZeroLengthProcess_FlushesParameters_AndVelocitySensitivityScalesLevel()
    {
        var e = Engine();
        e.SetParameter(ParamIds.Gain, -20, 0);
        fixed (float* dummy = new float[1]) e.Process(dummy, dummy, 0);   // flush: no time passes
        e.NoteOn(0, 69, 1f);
        double quiet = PitchDetector.Rms(Render(e, 4800).AsSpan(2400));
        var loud = Engine();
        loud.NoteOn(0, 69, 1f);
        double reference = PitchDetector.Rms(Render(loud, 4800).AsSpan(2400));
        Assert.InRange(20 * Math.Log10(quiet / reference), -20.5, -19.5);

        var soft = Engine();
        soft.NoteOn(0, 69, 0.5f);
        double half = PitchDetector.Rms(Render(soft, 4800).AsSpan(2400));
        Assert.InRange(half / reference, 0.49, 0.51);
    }

    [Fact]
    public void Idle_IsExactlySilent_AndTailCoversTheRelease()
    {
        var e = Engine();
        Assert.All(Render(e, 4096), v => Assert.Equal(0f, v));
        Assert.True(e.IsSilent);
        e.SetParameter(ParamIds.Release, 0.5, 0);
        Render(e, 1);
        Assert.InRange(e.TailSamples, (uint)(0.5 * Rate), (uint)(1.0 * Rate));
    }
}
