namespace NeuralSynth.Plugin.Tests;

public class ParameterTests
{
    [Fact]
    public void Parameters_HaveUniqueIdsTitlesAndDefaultsInRange()
    {
        Assert.Equal(Parameters.All.Length, Parameters.All.Select(p => p.Id).Distinct().Count());
        foreach (var p in Parameters.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(p.Title));
            Assert.InRange(p.DefaultNormalized, 0, 1);
            Assert.True(p.Id < 0x80000000u);
            Assert.Equal(p.Id, Parameters.All[Parameters.IndexOf(p.Id)].Id);
        }
        Assert.Single(Parameters.All, p => p.IsBypass);
        Assert.Equal(-1, Parameters.IndexOf(9999));
    }

    [Fact]
    public void Parameters_CoverTheInstrumentsControls()
    {
        uint[] expected = [ParamIds.MorphX, ParamIds.MorphY, ParamIds.Seed, ParamIds.Gain, ParamIds.VelocitySensitivity, ParamIds.Release,
            ParamIds.PitchBendRange, ParamIds.Polyphony, ParamIds.InversionPath, ParamIds.Bypass, ParamIds.PitchBend, ParamIds.Sustain, ParamIds.ModWheel];
        foreach (var id in expected.Concat(Enumerable.Range(0, ParamIds.MacroCount).Select(i => ParamIds.Macro1 + (uint)i)))
            Assert.NotNull(Parameters.Get(id));
    }

    [Fact]
    public void EveryValue_PrintsWithUnitsAndParsesBack()
    {
        foreach (var p in Parameters.All)
        {
            for (double n = 0; n <= 1.0001; n += 0.05)
            {
                string text = p.Format(n);
                Assert.True(p.TryParse(text, out double back), $"{p.Title}: cannot parse '{text}'");
                double plain = p.ToPlain(n), parsed = p.ToPlain(back);
                double tolerance = p.Kind is ParameterKind.Linear or ParameterKind.Exponential ? 0.51 * Math.Pow(10, -p.Decimals) : 1e-9;
                Assert.True(Math.Abs(plain - parsed) <= tolerance, $"{p.Title}: {plain} -> '{text}' -> {parsed}");
                if (p.Units.Length > 0) Assert.EndsWith(" " + p.Units, text);
            }
        }
    }

    [Fact]
    public void Text_UnitsAreOptionalAndMillisecondsWork()
    {
        var release = Parameters.Get(ParamIds.Release)!;
        Assert.True(release.TryParse("300 ms", out double n));
        Assert.Equal(0.3, release.ToPlain(n), 9);
        var gain = Parameters.Get(ParamIds.Gain)!;
        Assert.True(gain.TryParse("-6", out n));
        Assert.Equal(-6, gain.ToPlain(n), 9);
        Assert.Equal("-6.0 dB", gain.Format(n));
        Assert.False(gain.TryParse("loud", out _));
        Assert.False(gain.TryParse("NaN dB", out _));
        var inversion = Parameters.Get(ParamIds.InversionPath)!;
        Assert.True(inversion.TryParse("mel + vocoder", out n));
        Assert.Equal(1, inversion.ToPlain(n));
        Assert.Equal(2, inversion.DefaultPlain); // instances start on the additive path (the shipped harmonic-head model's)
        Assert.True(inversion.TryParse("additive", out n));
        Assert.Equal(2, inversion.ToPlain(n));
    }

    [Fact]
    public void DiscreteParameters_UseTheVst3StepMapping()
    {
        var poly = Parameters.Get(ParamIds.Polyphony)!;
        Assert.Equal(511, poly.StepCount);
        Assert.Equal(64, poly.DefaultPlain);
        Assert.Equal(16, poly.ToPlain(poly.ToNormalized(16)));
        Assert.Equal(1, poly.ToPlain(0));
        Assert.Equal(512, poly.ToPlain(1));
        var sound = Parameters.Get(ParamIds.Sound)!;
        Assert.Equal(SoundBank.Names.Length - 1, sound.StepCount);
        Assert.Equal("Strings II", sound.Format(sound.DefaultNormalized));   // the most in-tune all-round sound, not the first file
        for (int i = 0; i < SoundBank.Names.Length; i++)
        {
            Assert.True(sound.TryParse(SoundBank.Names[i], out double n));
            Assert.Equal(i, sound.ToPlain(n));
        }
        var pb = Parameters.Get(ParamIds.PitchBendRange)!;
        Assert.Equal("2 st", pb.Format(pb.DefaultNormalized));
        var bypass = Parameters.Get(ParamIds.Bypass)!;
        Assert.Equal(1, bypass.StepCount);
        Assert.Equal("Off", bypass.Format(0.49));
        Assert.Equal("On", bypass.Format(0.5));
    }

    [Fact]
    public void FreshInstance_PlaysTheDefaultSound_AsItsPresetDoes()
    {
        var preset = SoundBank.PresetOf(SoundBank.DefaultIndex)!;
        var style = Parameters.SoundValues(SoundBank.DefaultIndex)!;
        for (int k = 0; k < Parameters.SoundIds.Length; k++)
        {
            var p = Parameters.Get(Parameters.SoundIds[k])!;
            Assert.Equal(style[k], p.DefaultNormalized, 12);
            Assert.Equal(Parameters.PresetPlain(preset, p.Id), p.DefaultPlain);
        }
        string Default(uint id) => Parameters.Get(id)!.Format(Parameters.Get(id)!.DefaultNormalized);
        Assert.True(preset.VibratoCents > 0, "the default sound is a string preset: it swings");
        Assert.Equal(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{preset.VibratoCents:F1} cents"), Default(ParamIds.Vibrato));
        Assert.Equal("0.36 s", Default(ParamIds.Release));
        Assert.Equal("0.0 %", Default(ParamIds.MorphX));   // corner A, the preset's own place on the pad (SCALE.md measures it there)
        // Every bank sound has its values, and the sounds differ in them (the organ barely answers velocity, the strings swing).
        Assert.All(Enumerable.Range(0, SoundBank.Names.Length), i => Assert.NotNull(Parameters.SoundValues(i)));
        int release = Array.IndexOf(Parameters.SoundIds, ParamIds.Release);
        Assert.True(Enumerable.Range(0, SoundBank.Names.Length).Select(i => Parameters.SoundValues(i)![release]).Distinct().Count() > 5);
    }
}
