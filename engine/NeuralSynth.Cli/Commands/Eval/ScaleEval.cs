using System.CommandLine;
using NeuralSynth.Models.Evaluation;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;
using Spectre.Console;
using TorchSharp;

namespace NeuralSynth.Cli.Commands.Eval;

/// `neuralsynth eval scale [--preset NAME ...] [--from 28] [--to 96] [--data DIR] [--out DIR]`: every preset plays a
/// chromatic scale through `render`'s path; per note YIN cents, onset delay and harmonic-to-noise ratio beside real notes.
public sealed class ScaleEval : IEvalSubcommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Generator model folder (default: presets/models/gansynth)" };
        var presets = new Option<string[]>("--preset") { Description = "Presets to play (default: the whole bank)", AllowMultipleArgumentsPerToken = true };
        var from = new Option<int>("--from") { Description = "Lowest MIDI pitch", DefaultValueFactory = _ => 28 };
        var to = new Option<int>("--to") { Description = "Highest MIDI pitch", DefaultValueFactory = _ => 96 };
        var data = new Option<string?>("--data") { Description = "Note dataset whose real notes give the reference harmonic-to-noise ratio per family and pitch" };
        var path = new Option<string>("--path") { Description = "Inversion path: auto (what the plug-in plays: additive for harmonic-head models, else vocoder when there is one, else if), if, vocoder or additive", DefaultValueFactory = _ => "auto" };
        var outDir = new Option<string?>("--out") { Description = "Where SCALE.md, scale.csv and scale.png go (default: the model folder)" };
        var threads = new Option<int>("--threads") { Description = "Render threads (the notes are the same at any count)", DefaultValueFactory = _ => 2 };
        var cmd = new Command("scale", "Play a chromatic scale on every preset through render's path and report per-note pitch (YIN cents), onset delay and harmonic-to-noise ratio.")
        {
            model, presets, from, to, data, path, outDir, threads,
        };
        cmd.SetAction(r =>
        {
            int lo = r.GetValue(from), hi = r.GetValue(to);
            if (lo < 0 || hi > 127 || hi < lo) throw new CliException($"--from {lo} --to {hi}: need 0 <= from <= to <= 127");
            string modelDir = PresetLocator.ModelDir(r.GetValue(model));
            string outPath = r.GetValue(outDir) ?? modelDir;
            Directory.CreateDirectory(outPath);
            var chosen = r.GetValue(presets) is { Length: > 0 } names ? names.Select(PresetLocator.Resolve).ToList() : PresetLocator.Bank().ToList();
            if (chosen.Count == 0) throw new CliException("no presets to play: pass --preset or run where presets/ is");
            using var renderer = NoteRenderer.Load(modelDir, PresetLocator.Inversion(r.GetValue(path)!, modelDir));
            var directions = TimbreDirections.TryLoad(modelDir);
            RealNotes? real = r.GetValue(data) is { } d ? new RealNotes(d) : null;
            var all = new List<ScaleNote>();
            var summaries = new List<ScaleSummary>();
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("playing scales", maxValue: chosen.Count);
                    foreach (var (_, preset) in chosen)
                    {
                        task.Description = Markup.Escape($"playing {preset.Name}");
                        // The training instrument it plays near: its corner A's code, when the pad sits on corner A.
                        string? source = preset.X == 0 && preset.Y == 0
                            ? preset.Corners[0].Seed is long seed ? renderer.Config.CodeName(seed) : renderer.Config.CodeNameNear(preset.Corners[0].ToLatent(renderer.Config.Prior))
                            : null;
                        var notes = ScaleCheck.Run(renderer, new VoiceCache(), TrackSound.From(preset, renderer.Config.Prior, directions), preset.Family, lo, hi, real,
                            threads: Math.Max(1, r.GetValue(threads)), source: source);
                        all.AddRange(notes);
                        summaries.Add(ScaleCheck.Summarize(preset.Name, preset.Family, notes, source));
                        task.Increment(1);
                    }
                });
            ScaleCheck.WriteCsv(Path.Combine(outPath, "scale.csv"), all);
            ScaleCheck.Plot(Path.Combine(outPath, "scale.png"), all);
            var md = ScaleCheck.Markdown(summaries, lo, hi);
            File.WriteAllText(Path.Combine(outPath, "SCALE.md"), md);
            var table = new Table().AddColumns("preset", "within 25 c", "within 50 c", "onset <= 10 ms", "real onset <= 10 ms", "HNR dB", "real HNR dB", "HNR within 6 dB", "its train instrument's HNR dB", "within 6 dB of it");
            foreach (var s in summaries)
                table.AddRow(Markup.Escape(s.Preset), $"{s.InTune25:P0}", $"{s.InTune50:P0}", $"{s.OnsetWithin10Ms:P0}", s.RealOnsetWithin10Ms is double ro ? $"{ro:P0}" : "-", $"{s.MedianHnrDb:F1}",
                    s.MedianRealHnrDb is double x ? $"{x:F1}" : "-", s.HnrWithin6Db is double h ? $"{h:P0}" : "-",
                    s.MedianSourceHnrDb is double y ? $"{y:F1}" : "-", s.HnrWithin6DbOfSource is double hs ? $"{hs:P0}" : "-");
            AnsiConsole.Write(table);
            double allTune = all.Count(n => n.Cents is double c && Math.Abs(c) <= ScaleSummary.CentsBar) / (double)all.Count;
            double allOnset = all.Count(n => n.OnsetMs is double o && o <= ScaleSummary.OnsetBarMs) / (double)all.Count;
            AnsiConsole.MarkupLineInterpolated($"all presets: {allTune:P1} of {all.Count} notes within 25 cents, {allOnset:P1} with an onset within 10 ms -> {Path.Combine(outPath, "SCALE.md")}");
            return 0;
        });
        return cmd;
    }
}
