using System.CommandLine;
using NeuralSynth.Models.Evaluation;
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
        var cmd = new Command("vibrato", "Measure each family's real vibrato (YIN every 5 ms over 0.3-1.3 s of its loud notes at MIDI 48-72) beside the vibrato its presets get.")
        {
            data, split,
        };
        cmd.SetAction(r =>
        {
            List<FamilyVibratoRow> rows = [];
            AnsiConsole.Status().Start("measuring vibrato", _ => rows = FamilyVibrato.Measure(r.GetValue(data)!, r.GetValue(split)!));
            var table = new Table().AddColumns("family", "notes", "periodic %", "their depth (peak cents)", "their rate Hz", "presets' vibrato_cents", "presets' vibrato_hz");
            foreach (var row in rows)
            {
                var style = PresetBank.Style(row.Family);
                table.AddRow(row.Family, $"{row.Notes}", $"{100 * row.PeriodicShare:F1}", $"{row.MedianCents:F1}", $"{row.MedianHz:F2}",
                    $"{style.VibratoCents:F1}", $"{style.VibratoHz:F2}");
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return cmd;
    }
}
