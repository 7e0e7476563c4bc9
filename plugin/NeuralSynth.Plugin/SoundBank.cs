using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;

namespace NeuralSynth.Plugin;

/// The bundled preset bank (Contents/Resources/presets/*.json) as the plugin's "Sound" list parameter: each sound is
/// the four morph corners of one preset, which the XY pad, macros and seed then move around. Read without torch
/// (the controller needs the names before any model loads). A preset file that fails to parse is left out of the
/// list with one stderr line; with none at all the list holds one sound made of seeds 1-4.
public static class SoundBank
{
    /// The sound a fresh instance starts on. With the harmonic-head generator every bank sound plays a chromatic scale
    /// MIDI 28-96 99-100 % within 25 cents (presets/models/gansynth/SCALE.md); Strings II, with a clear attack on 94 %
    /// of its notes, stays the all-round default (it was the most in tune with the earlier IF-Mel model, too).
    public const string DefaultFile = "18_string_2.json";

    public static string AssemblyDir { get; } = Path.GetDirectoryName(typeof(SoundBank).Assembly.Location) ?? AppContext.BaseDirectory;
    public static string? PresetsDir { get; } = FindPresets();
    static readonly (string Name, string File, Preset? Preset)[] s_sounds = Load();
    public static string[] Names { get; } = s_sounds.Select(s => s.Name).ToArray();
    public static int DefaultIndex { get; } = DefaultSound();
    /// Linear level trim per sound: its preset's gain_db (the bank sets it so every sound plays equally loud).
    public static float[] Trim { get; } = s_sounds.Select(s => (float)Math.Pow(10, (s.Preset?.GainDb ?? 0) / 20)).ToArray();

    static string? FindPresets()
    {
        for (var d = new DirectoryInfo(AssemblyDir); d != null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "presets");
            if (File.Exists(Path.Combine(p, "models", "gansynth", "config.json"))) return p;
        }
        return null;
    }

    static (string, string, Preset?)[] Load()
    {
        var list = new List<(string, string, Preset?)>();
        if (PresetsDir != null)
        {
            foreach (var f in Directory.GetFiles(PresetsDir, "*.json").Order(StringComparer.Ordinal))
            {
                try { var p = Preset.Load(f); list.Add((p.Name, Path.GetFileName(f), p)); }
                catch (Exception e) { Console.Error.WriteLine($"NeuralSynth: preset left out of the sound list: {e.Message}"); }
            }
        }
        if (list.Count == 0) list.Add(("Seeds 1-4", "", null));
        return [.. list];
    }

    static int DefaultSound() => Math.Max(0, Array.FindIndex(s_sounds, s => s.File == DefaultFile));

    /// Corner latents of sound `index` for a generator with this prior.
    public static Latent[] Corners(int index, LatentPrior prior)
    {
        return PresetOf(index)?.CornerLatents(prior)
            ?? [prior.Sample(1), prior.Sample(2), prior.Sample(3), prior.Sample(4)];
    }

    /// The preset behind sound `index` (null for the seed fallback).
    public static Preset? PresetOf(int index) => s_sounds[Math.Clamp(index, 0, s_sounds.Length - 1)].Preset;
}
