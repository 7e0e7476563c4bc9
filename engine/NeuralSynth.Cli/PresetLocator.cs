using NeuralSynth.Realtime.Timbre;

namespace NeuralSynth.Cli;

/// Finds the shipped presets/ folder (default models and preset bank) and resolves preset names.
public static class PresetLocator
{
    /// NEURALSYNTH_PRESETS, else the nearest presets/ above the current directory or above this program.
    public static string PresetsDir()
    {
        if (Environment.GetEnvironmentVariable("NEURALSYNTH_PRESETS") is { Length: > 0 } env)
            return Directory.Exists(env) ? env : throw new CliException($"NEURALSYNTH_PRESETS={env}: no such folder");
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
            {
                var p = Path.Combine(d.FullName, "presets");
                if (Directory.Exists(Path.Combine(p, "models"))) return p;
            }
        throw new CliException("cannot find the presets/ folder with the default models: run from the repository or set NEURALSYNTH_PRESETS");
    }

    public static string DefaultModelDir(string kind = "gansynth") => Path.Combine(PresetsDir(), "models", kind);

    /// --path: if, vocoder, additive, or auto = what the plug-in plays (NoteRenderer.DefaultPath: additive for a
    /// harmonic-head generator, else the vocoder when one sits beside the generator, else IF).
    public static NeuralSynth.Models.Rendering.InversionPath Inversion(string value, string generatorDir) => value.ToLowerInvariant() switch
    {
        "if" => NeuralSynth.Models.Rendering.InversionPath.If,
        "vocoder" => NeuralSynth.Models.Rendering.InversionPath.Vocoder,
        "additive" => NeuralSynth.Models.Rendering.InversionPath.Additive,
        "auto" => NeuralSynth.Models.Rendering.NoteRenderer.DefaultPath(generatorDir),
        var p => throw new CliException($"--path '{p}': expected auto, if, vocoder or additive"),
    };

    /// The model folder from --model, or the shipped default.
    public static string ModelDir(string? option, string kind = "gansynth")
    {
        string dir = option ?? DefaultModelDir(kind);
        if (!File.Exists(Path.Combine(dir, "config.json"))) throw new CliException($"{dir}: no config.json, not a {kind} model folder");
        return dir;
    }

    /// The shipped bank: every presets/*.json that parses.
    public static IReadOnlyList<(string Path, Preset Preset)> Bank()
    {
        string dir;
        try { dir = PresetsDir(); } catch (CliException) { return []; }
        var list = new List<(string, Preset)>();
        foreach (var f in Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal))
            list.Add((f, Preset.Load(f)));
        return list;
    }

    /// A preset by file path, by file name in presets/ (with or without .json), or by its "name".
    public static (string Path, Preset Preset) Resolve(string nameOrPath)
    {
        if (File.Exists(nameOrPath)) return (nameOrPath, Preset.Load(nameOrPath));
        var bank = Bank();
        foreach (var (path, preset) in bank)
            if (string.Equals(Path.GetFileNameWithoutExtension(path), nameOrPath, StringComparison.OrdinalIgnoreCase)
                || string.Equals(preset.Name, nameOrPath, StringComparison.OrdinalIgnoreCase))
                return (path, preset);
        throw new CliException($"preset '{nameOrPath}' not found (a .json path, or one of: {string.Join(", ", bank.Select(b => Path.GetFileNameWithoutExtension(b.Path)))})");
    }
}
