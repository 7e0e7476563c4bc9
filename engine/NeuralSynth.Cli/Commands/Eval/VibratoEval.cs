using System.CommandLine;
using NeuralSynth.Models.Evaluation;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Timbre;
using Spectre.Console;

namespace NeuralSynth.Cli.Commands.Eval;

/// `neuralsynth eval vibrato --data DIR`: each family's real vibrato (depth and rate of the notes whose pitch swings
/// periodically) beside the vibrato the preset bank gives that family's presets (PresetBank.Style).
public sealed class VibratoEval : IEvalSubcommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Note dataset (dataset build's output)", Required = true };
        var split = new Option<string>("--split") { Description = "Split measured", DefaultValueFactory = _ => "train" };
        var model = new Option<string?>("--model") { Description = "Generator folder with timbre codes: also measure each of its training instruments and write their vibrato to its vibrato.json (what `eval gansynth --vibrato instrument` and the bank play)" };
        var cmd = new Command("vibrato", "Measure each family's real vibrato (YIN every 5 ms over 0.3-1.3 s of its loud notes at MIDI 48-72) beside the vibrato its presets get.")
        {
            data, split, model,
        };
        cmd.SetAction(r =>
        {
            if (r.GetValue(model) is { } modelDir)
            {
                var cfg = GansynthConfig.Load(Path.Combine(modelDir, GansynthModel.ConfigFile));
                if (cfg.CodeNames.Length == 0) throw new ArgumentException($"{modelDir}: the model has no named timbre codes (config code_names)");
                List<FamilyVibratoRow> instruments = [];
                AnsiConsole.Status().Start("measuring each instrument's vibrato", _ => instruments = FamilyVibrato.Measure(r.GetValue(data)!, r.GetValue(split)!, byInstrument: true)
                    .Where(i => cfg.CodeNames.Contains(i.Group)).ToList());
                var missing = cfg.CodeNames.Except(instruments.Select(i => i.Group)).ToList();
                if (missing.Count > 0) throw new ArgumentException($"{r.GetValue(data)}: no loud MIDI 48-72 note of the model's instruments {string.Join(", ", missing)} in the {r.GetValue(split)} split");
                string path = Path.Combine(modelDir, FamilyVibrato.FileName);
                FamilyVibrato.Save(path, instruments);
                var t = new Table().AddColumns("instrument", "notes", "periodic %", "their depth (peak cents)", "their rate Hz", "plays");
                foreach (var i in instruments)
                    t.AddRow(i.Group, $"{i.Notes}", $"{100 * i.PeriodicShare:F1}", $"{i.MedianCents:F1}", $"{i.MedianHz:F2}", i.Plays.Cents > 0 ? $"{i.Plays.Cents:F1} c at {i.Plays.Hz:F2} Hz" : "still");
                AnsiConsole.Write(t);
                AnsiConsole.MarkupLineInterpolated($"{instruments.Count} instruments -> {path}");
            }
            List<FamilyVibratoRow> rows = [];
            AnsiConsole.Status().Start("measuring vibrato", _ => rows = FamilyVibrato.Measure(r.GetValue(data)!, r.GetValue(split)!));
            var table = new Table().AddColumns("family", "notes", "periodic %", "their depth (peak cents)", "their rate Hz", "presets' vibrato_cents", "presets' vibrato_hz");
            foreach (var row in rows)
            {
                var style = PresetBank.Style(row.Group);
                table.AddRow(row.Group, $"{row.Notes}", $"{100 * row.PeriodicShare:F1}", $"{row.MedianCents:F1}", $"{row.MedianHz:F2}",
                    $"{style.VibratoCents:F1}", $"{style.VibratoHz:F2}");
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return cmd;
    }
}
