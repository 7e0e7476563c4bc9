using System.CommandLine;
using NeuralSynth.Models.Evaluation;
using NeuralSynth.Models.Timbre;
using Spectre.Console;

namespace NeuralSynth.Cli.Commands.Eval;

/// `neuralsynth eval releases --data DIR`: each family's real release (median time to -60 dB after note-off) beside
/// the release the preset bank gives that family's presets (PresetBank.Style).
public sealed class ReleaseEval : IEvalSubcommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Note dataset (dataset build's output)", Required = true };
        var split = new Option<string>("--split") { Description = "Split measured", DefaultValueFactory = _ => "train" };
        var noteOff = new Option<double?>("--note-off") { Description = "Seconds from each note's start to its note-off (default: dataset build's, 1.5)" };
        var cmd = new Command("releases", "Measure how long each family's real notes ring on after note-off (median time to -60 dB) beside the release its presets get.")
        {
            data, split, noteOff,
        };
        cmd.SetAction(r =>
        {
            List<FamilyRelease> rows = [];
            AnsiConsole.Status().Start("measuring releases", _ => rows = FamilyReleases.Measure(r.GetValue(data)!, r.GetValue(split)!, r.GetValue(noteOff)));
            var table = new Table().AddColumns("family", "notes", "real release s (median time to -60 dB)", "presets' release_s");
            foreach (var row in rows)
                table.AddRow(row.Family, $"{row.Notes}", double.IsPositiveInfinity(row.MedianSeconds) ? "never falls 20 dB" : $"{row.MedianSeconds:F3}", $"{PresetBank.Style(row.Family).Release:F3}");
            AnsiConsole.Write(table);
            return 0;
        });
        return cmd;
    }
}
