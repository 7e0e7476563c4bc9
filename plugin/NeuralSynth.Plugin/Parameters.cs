using System.Globalization;
using NeuralSynth.Plugin.Vst3;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;

namespace NeuralSynth.Plugin;

/// <summary>The instrument's parameter ids. Stable: saved in state and automation, never renumber.</summary>
public static class ParamIds
{
    public const uint Bypass = 0;
    public const uint MorphX = 1;
    public const uint MorphY = 2;
    public const uint Macro1 = 3;              // Macro1 + i for i in 0..7
    public const uint Seed = 11;
    public const uint Gain = 12;
    public const uint VelocitySensitivity = 13;
    public const uint Release = 14;
    public const uint PitchBendRange = 15;
    public const uint Polyphony = 16;
    public const uint InversionPath = 17;
    public const uint Sound = 18;            // which preset of the bundled bank the morph pad moves between
    public const uint VibratoWheel = 19;     // cents of vibrato the mod wheel adds at full
    public const uint VibratoRate = 20;
    public const uint Vibrato = 21;          // the sound's own vibrato, cents
    // Hidden parameters the host feeds from MIDI through IMidiMapping (VST3 has no CC events).
    public const uint PitchBend = 100;
    public const uint Sustain = 101;
    public const uint ModWheel = 102;
    public const int MacroCount = 8;
}

public enum ParameterKind { Toggle, Linear, Exponential, Discrete, List }

/// <summary>One parameter: its VST3 description, the normalized &lt;-&gt; plain mapping, and text with units.</summary>
public sealed class ParameterDef
{
    public required uint Id { get; init; }
    public required string Title { get; init; }
    public required string ShortTitle { get; init; }
    public string Units { get; init; } = "";
    public required ParameterKind Kind { get; init; }
    public double Min { get; init; }
    public double Max { get; init; } = 1;
    public required double DefaultPlain { get; init; }
    public int Decimals { get; init; } = 1;
    public string[]? Items { get; init; }
    public bool Hidden { get; init; }
    public bool IsBypass { get; init; }

    /// <summary>VST3 stepCount: 0 continuous, 1 toggle, n discrete values - 1.</summary>
    public int StepCount => Kind switch
    {
        ParameterKind.Toggle => 1,
        ParameterKind.List => Items!.Length - 1,
        ParameterKind.Discrete => (int)Math.Round(Max - Min),
        _ => 0,
    };

    public int Flags => ParameterInfo.CanAutomate
        | (Hidden ? ParameterInfo.IsHidden : 0)
        | (Kind == ParameterKind.List ? ParameterInfo.IsList : 0)
        | (IsBypass ? ParameterInfo.IsBypass : 0);

    public double DefaultNormalized => ToNormalized(DefaultPlain);

    public double ToPlain(double normalized)
    {
        double n = Math.Clamp(double.IsFinite(normalized) ? normalized : 0, 0, 1);
        switch (Kind)
        {
            case ParameterKind.Toggle: return n >= 0.5 ? 1 : 0;
            case ParameterKind.List:
            case ParameterKind.Discrete:
                // VST3's discrete mapping: plain = min(stepCount, floor(norm * (stepCount + 1)))
                int steps = StepCount;
                return Min + Math.Min(steps, Math.Floor(n * (steps + 1)));
            case ParameterKind.Exponential: return Min * Math.Pow(Max / Min, n);
            default: return Min + n * (Max - Min);
        }
    }

    public double ToNormalized(double plain)
    {
        if (!double.IsFinite(plain)) plain = Min;
        double p = Math.Clamp(plain, Min, Max);
        switch (Kind)
        {
            case ParameterKind.Toggle: return p >= 0.5 ? 1 : 0;
            case ParameterKind.List:
            case ParameterKind.Discrete: return StepCount == 0 ? 0 : Math.Round(p - Min) / StepCount;
            case ParameterKind.Exponential: return Math.Log(p / Min) / Math.Log(Max / Min);
            default: return (p - Min) / (Max - Min);
        }
    }

    public string Format(double normalized)
    {
        double plain = ToPlain(normalized);
        return Kind switch
        {
            ParameterKind.Toggle => plain >= 0.5 ? "On" : "Off",
            ParameterKind.List => Items![(int)(plain - Min)],
            _ => Units.Length == 0
                ? plain.ToString("F" + Decimals, CultureInfo.InvariantCulture)
                : plain.ToString("F" + Decimals, CultureInfo.InvariantCulture) + " " + Units,
        };
    }

    /// <summary>Parses what <see cref="Format"/> prints (the unit is optional; seconds also accept "ms").</summary>
    public bool TryParse(string text, out double normalized)
    {
        normalized = 0;
        string t = text.Trim();
        switch (Kind)
        {
            case ParameterKind.Toggle:
                if (t.Equals("on", StringComparison.OrdinalIgnoreCase) || t == "1" || t.Equals("true", StringComparison.OrdinalIgnoreCase)) { normalized = 1; return true; }
                if (t.Equals("off", StringComparison.OrdinalIgnoreCase) || t == "0" || t.Equals("false", StringComparison.OrdinalIgnoreCase)) { normalized = 0; return true; }
                return false;
            case ParameterKind.List:
                for (int i = 0; i < Items!.Length; i++)
                {
                    if (Items[i].Equals(t, StringComparison.OrdinalIgnoreCase)) { normalized = ToNormalized(Min + i); return true; }
                }
                return false;
        }
        double scale = 1;
        if (Units == "s" && t.EndsWith("ms", StringComparison.OrdinalIgnoreCase)) { t = t[..^2]; scale = 0.001; }
        else if (Units.Length > 0 && t.EndsWith(Units, StringComparison.OrdinalIgnoreCase)) t = t[..^Units.Length];
        if (!double.TryParse(t.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double plain) || !double.IsFinite(plain))
            return false;
        normalized = ToNormalized(plain * scale);
        return true;
    }
}

/// <summary>The parameter table, shared by processor, controller, state and engine.</summary>
public static class Parameters
{
    public static readonly ParameterDef[] All = Build();
    static readonly int[] s_indexById = BuildIndex();

    static ParameterDef[] Build()
    {
        // A fresh instance plays the default sound as picking it would (SoundIds): its pad position, macros, seed, release,
        // velocity response and vibrato.
        var sound = SoundBank.PresetOf(SoundBank.DefaultIndex);
        double Default(uint id, double withoutBank) => sound is null ? withoutBank : PresetPlain(sound, id);
        var list = new List<ParameterDef>
        {
            new() { Id = ParamIds.Bypass, Title = "Bypass", ShortTitle = "Bypass", Kind = ParameterKind.Toggle, DefaultPlain = 0, IsBypass = true },
            new() { Id = ParamIds.MorphX, Title = "Morph X", ShortTitle = "MorphX", Units = "%", Kind = ParameterKind.Linear, Min = 0, Max = 100,
                DefaultPlain = Default(ParamIds.MorphX, 50) },
            new() { Id = ParamIds.MorphY, Title = "Morph Y", ShortTitle = "MorphY", Units = "%", Kind = ParameterKind.Linear, Min = 0, Max = 100,
                DefaultPlain = Default(ParamIds.MorphY, 50) },
        };
        for (int i = 0; i < ParamIds.MacroCount; i++)
        {
            list.Add(new() { Id = ParamIds.Macro1 + (uint)i, Title = $"Macro {i + 1}", ShortTitle = $"Macro{i + 1}", Units = "%",
                Kind = ParameterKind.Linear, Min = -100, Max = 100, DefaultPlain = Default(ParamIds.Macro1 + (uint)i, 0) });
        }
        list.AddRange(
        [
            new() { Id = ParamIds.Seed, Title = "Seed", ShortTitle = "Seed", Kind = ParameterKind.Discrete, Min = 0, Max = 999,
                DefaultPlain = Default(ParamIds.Seed, 0), Decimals = 0 },
            new() { Id = ParamIds.Gain, Title = "Gain", ShortTitle = "Gain", Units = "dB", Kind = ParameterKind.Linear, Min = -60, Max = 12, DefaultPlain = 0 },
            new() { Id = ParamIds.VelocitySensitivity, Title = "Velocity Sensitivity", ShortTitle = "VelSens", Units = "%", Kind = ParameterKind.Linear, Min = 0, Max = 100,
                DefaultPlain = Default(ParamIds.VelocitySensitivity, 100) },
            new() { Id = ParamIds.Release, Title = "Release", ShortTitle = "Release", Units = "s", Kind = ParameterKind.Exponential, Min = 0.01, Max = 10,
                DefaultPlain = Default(ParamIds.Release, 0.3), Decimals = 2 },
            new() { Id = ParamIds.Vibrato, Title = "Vibrato", ShortTitle = "Vibrato", Units = "cents", Kind = ParameterKind.Linear, Min = 0, Max = VoiceEngineOptions.MaxVibratoCents,
                DefaultPlain = Default(ParamIds.Vibrato, 0), Decimals = 1 },
            new() { Id = ParamIds.VibratoWheel, Title = "Wheel Vibrato", ShortTitle = "WheelVib", Units = "cents", Kind = ParameterKind.Linear, Min = 0, Max = VoiceEngineOptions.MaxVibratoCents,
                DefaultPlain = VoiceEngineOptions.DefaultVibratoWheelCents, Decimals = 0 },
            new() { Id = ParamIds.VibratoRate, Title = "Vibrato Rate", ShortTitle = "VibRate", Units = "Hz", Kind = ParameterKind.Linear, Min = VoiceEngineOptions.MinVibratoRateHz,
                Max = VoiceEngineOptions.MaxVibratoRateHz, DefaultPlain = Default(ParamIds.VibratoRate, VoiceEngineOptions.DefaultVibratoRateHz), Decimals = 1 },
            new() { Id = ParamIds.PitchBendRange, Title = "Pitch Bend Range", ShortTitle = "PB Range", Units = "st", Kind = ParameterKind.Discrete, Min = 0, Max = 24, DefaultPlain = 2, Decimals = 0 },
            new() { Id = ParamIds.Polyphony, Title = "Polyphony", ShortTitle = "Voices", Units = "voices", Kind = ParameterKind.Discrete, Min = 1, Max = InstrumentEngine.MaxVoices, DefaultPlain = 64, Decimals = 0 },
            new() { Id = ParamIds.InversionPath, Title = "Inversion Path", ShortTitle = "Inversion", Kind = ParameterKind.List, Items = ["IF + iSTFT", "Mel + Vocoder", "Additive"], Max = 2, DefaultPlain = 2 },
            new() { Id = ParamIds.Sound, Title = "Sound", ShortTitle = "Sound", Kind = ParameterKind.List, Items = SoundBank.Names, Max = SoundBank.Names.Length - 1, DefaultPlain = SoundBank.DefaultIndex },
            new() { Id = ParamIds.PitchBend, Title = "Pitch Bend", ShortTitle = "Bend", Kind = ParameterKind.Linear, Min = -1, Max = 1, DefaultPlain = 0, Decimals = 3, Hidden = true },
            new() { Id = ParamIds.Sustain, Title = "Sustain Pedal", ShortTitle = "Sustain", Kind = ParameterKind.Toggle, DefaultPlain = 0, Hidden = true },
            new() { Id = ParamIds.ModWheel, Title = "Mod Wheel", ShortTitle = "ModWheel", Units = "%", Kind = ParameterKind.Linear, Min = 0, Max = 100, DefaultPlain = 0, Hidden = true },
        ]);
        return [.. list];
    }

    static int[] BuildIndex()
    {
        var map = new int[All.Max(p => (int)p.Id) + 1];
        Array.Fill(map, -1);
        for (int i = 0; i < All.Length; i++) map[All[i].Id] = i;
        return map;
    }

    public static int Count => All.Length;

    /// <summary>Index in <see cref="All"/> of a parameter id, or -1 (allocation-free: safe on the audio thread).</summary>
    public static int IndexOf(uint id) => id < (uint)s_indexById.Length ? s_indexById[id] : -1;

    public static ParameterDef? Get(uint id) { int i = IndexOf(id); return i < 0 ? null : All[i]; }

    public static double[] Defaults() => All.Select(p => p.DefaultNormalized).ToArray();

    /// <summary>
    /// What picking a bank sound sets besides its four corners: everything its preset names but the level (the bank's
    /// trim) and the bend range (the player's): where on the pad it sits, its macros and seed, and how the instruments
    /// it was made from let go of a note, answer velocity and swing (release_s, velocity_sensitivity, vibrato_cents,
    /// vibrato_hz, measured per family: PresetBank.Style). A Sound is its preset: before this a Strings II picked from
    /// the list played the pad's centre with no vibrato and another sound's release, unlike the same preset loaded from
    /// its file and measured in SCALE.md.
    /// </summary>
    public static readonly uint[] SoundIds = BuildSoundIds();
    static readonly double[]?[] s_soundValues = BuildSoundValues();

    static uint[] BuildSoundIds() =>
    [
        ParamIds.MorphX, ParamIds.MorphY, .. Enumerable.Range(0, ParamIds.MacroCount).Select(i => ParamIds.Macro1 + (uint)i), ParamIds.Seed,
        ParamIds.Release, ParamIds.VelocitySensitivity, ParamIds.Vibrato, ParamIds.VibratoRate,
    ];

    /// <summary>Normalized values of <see cref="SoundIds"/> for bank sound `sound` (null: the seed fallback, no preset).
    /// Precomputed: safe on the audio thread.</summary>
    public static double[]? SoundValues(int sound) => s_soundValues[Math.Clamp(sound, 0, s_soundValues.Length - 1)];

    /// <summary>A sound parameter's plain value in a preset.</summary>
    public static double PresetPlain(Preset preset, uint id) => id switch
    {
        ParamIds.MorphX => preset.X * 100,
        ParamIds.MorphY => preset.Y * 100,
        >= ParamIds.Macro1 and < ParamIds.Macro1 + ParamIds.MacroCount => id - ParamIds.Macro1 < preset.Macros.Count ? preset.Macros[(int)(id - ParamIds.Macro1)] * 100 : 0,
        ParamIds.Seed => preset.Seed,
        ParamIds.Release => preset.ReleaseS,
        ParamIds.VelocitySensitivity => preset.VelocitySensitivity * 100,
        ParamIds.Vibrato => preset.VibratoCents,
        ParamIds.VibratoRate => preset.VibratoHz,
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "not a parameter a sound sets"),
    };

    static double[]?[] BuildSoundValues() => Enumerable.Range(0, SoundBank.Names.Length)
        .Select(i => SoundBank.PresetOf(i) is { } p ? SoundIds.Select(id => Get(id)!.ToNormalized(PresetPlain(p, id))).ToArray() : null)
        .ToArray();
}
