using System.CommandLine;
using NeuralSynth.Models.Evaluation;
using NeuralSynth.Models.Rendering;
using Spectre.Console;
using TorchSharp;

namespace NeuralSynth.Cli.Commands.Eval;

/// `neuralsynth eval gansynth --model DIR --data DIR [--count 1000] [--path if|vocoder] [--out DIR]`.
public sealed class GansynthEval : IEvalSubcommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Generator directory (config.json + model.safetensors); omit for the real-notes reference row only" };
        var data = new Option<string>("--data") { Description = "Note dataset directory (train and test splits)", Required = true };
        var count = new Option<int>("--count") { Description = "Generated notes", DefaultValueFactory = _ => 1000 };
        var path = new Option<string>("--path") { Description = "Inversion path: if, vocoder or additive (harmonic-head models)", DefaultValueFactory = _ => "if" };
        var vocoder = new Option<string?>("--vocoder") { Description = "Vocoder directory for --path vocoder (default: presets/models/vocoder), or the one whose attack --path additive plays (default: the vocoder beside the model, if any)" };
        var classifier = new Option<string?>("--classifier") { Description = "Evaluation classifier directory (default: presets/models/classifier)" };
        var outDir = new Option<string?>("--out") { Description = "Where EVAL.md and eval.json go (default: the model directory)" };
        var seed = new Option<int>("--seed") { Description = "Seed of latents, pitches, velocities and k-means", DefaultValueFactory = _ => 0 };
        var k = new Option<int>("--ndb-k") { Description = "NDB bins (k-means clusters)", DefaultValueFactory = _ => 50 };
        var cache = new Option<string?>("--cache") { Description = "Directory caching the real notes' features between runs (keyed by classifier, data and spectral config)" };
        var vibrato = new Option<string>("--vibrato") { Description = "Play each generated note with a vibrato: none, family (its family's presets': the real notes' median depth and rate, strings, reeds, flutes) or instrument (its own training instrument's, the model's vibrato.json from `eval vibrato --model`); a note's family and instrument are those of the timbre code nearest its latent", DefaultValueFactory = _ => "none" };
        var reconstruct = new Option<bool>("--reconstruct") { Description = "Also play the drawn train notes from their instruments' timbre codes and score them against those notes (models with codes)" };
        var roundTrip = new Option<bool>("--roundtrip") { Description = "Also score real test notes passed through the inversion path (its ceiling)", DefaultValueFactory = _ => true };
        var detail = new Option<bool>("--detail") { Description = "On the additive path, play the model's note detail (detail.safetensors, `eval detail`) when it has one, as the plug-in and `render` do; false: the generator's notes alone", DefaultValueFactory = _ => true };
        var threads = new Option<int>("--threads") { Description = "Torch CPU threads", DefaultValueFactory = _ => 1 };
        var cmd = new Command("gansynth", "GANSynth metrics of generated vs real notes: YIN and classifier pitch accuracy, pitch entropy, Inception Score, Fréchet distance, NDB/K; writes EVAL.md and eval.json.")
        {
            model, data, count, path, vocoder, classifier, outDir, seed, k, cache, roundTrip, reconstruct, vibrato, detail, threads,
        };
        cmd.SetAction(r =>
        {
            torch.set_num_threads(Math.Max(1, r.GetValue(threads)));
            var inversion = r.GetValue(path)!.ToLowerInvariant() switch
            {
                "if" => InversionPath.If,
                "vocoder" => InversionPath.Vocoder,
                "additive" => InversionPath.Additive,
                var p => throw new CliException($"--path: '{p}' is not 'if', 'vocoder' or 'additive'"),
            };
            string? modelDir = r.GetValue(model);
            string outPath = r.GetValue(outDir) ?? modelDir ?? throw new CliException("--out is required when --model is not given");
            string classifierDir = r.GetValue(classifier) ?? FindPreset("classifier");
            string? vocoderDir = inversion switch
            {
                InversionPath.Vocoder => r.GetValue(vocoder) ?? FindPreset("vocoder"),
                InversionPath.Additive => r.GetValue(vocoder), // else NoteRenderer takes the one beside the model
                _ => null,
            };
            var options = new GansynthEvaluation.Options(r.GetValue(data)!, classifierDir, modelDir, inversion, vocoderDir,
                r.GetValue(count), r.GetValue(seed), r.GetValue(k), CacheDir: r.GetValue(cache), RoundTrip: r.GetValue(roundTrip), Reconstruct: r.GetValue(reconstruct),
                Vibrato: r.GetValue(vibrato) switch
                {
                    "none" => GansynthEvaluation.VibratoSource.None, "family" => GansynthEvaluation.VibratoSource.Family,
                    "instrument" => GansynthEvaluation.VibratoSource.Instrument,
                    var v => throw new ArgumentException($"--vibrato must be none, family or instrument, got '{v}'"),
                }, Detail: r.GetValue(detail));
            EvalReport? report = null;
            AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var tasks = new Dictionary<string, ProgressTask>();
                    report = GansynthEvaluation.Run(options, (phase, done, total) =>
                    {
                        if (!tasks.TryGetValue(phase, out var task)) tasks[phase] = task = ctx.AddTask(Markup.Escape(phase));
                        task.MaxValue = Math.Max(total, 1);
                        task.Value = done;
                    });
                });
            GansynthEvaluation.Write(report!, outPath);
            var table = new Table().AddColumns("set", "notes", "YIN acc", "pitch acc", "pitch entropy", "IS", "FID vs test (means)", "FID vs train", "NDB/K", "same-pitch spread", "precision / recall");
            foreach (var row in report!.Rows)
                table.AddRow(Markup.Escape(row.Set), row.Notes.ToString(), $"{row.YinPitchAccuracy:F3}", $"{row.PitchAccuracy:F3}", $"{row.PitchEntropy:F3}",
                    $"{row.InceptionScore:F2}", row.FidVsTest is double a ? $"{a:F2}" + (row.FidVsTestMeanTerm is double m ? $" ({m:F1})" : "") : "-", row.FidVsTrain is double b ? $"{b:F2}" : "-", $"{row.NdbOverK:F2}", $"{row.SamePitchSpread:F2}",
                    row.Precision is double p ? $"{p:F3} / {row.Recall:F3}" : "-");
            AnsiConsole.Write(table);
            if (report.ReconstructionFidVsDraw is double rec)
                AnsiConsole.MarkupLineInterpolated($"reconstruction: FID {rec:F2} against the drawn train notes themselves (their floor vs the whole train split {report.TrainDrawFidVsTrain:F2})");
            foreach (var row in report.Rows.Where(r => r.FamilyAccuracy is not null))
                AnsiConsole.MarkupLineInterpolated($"family accuracy of {row.Set}: {row.FamilyAccuracy:F3}");
            AnsiConsole.MarkupLineInterpolated($"FID train-vs-test yardstick {report.FidTrainVsTest:F2}{(report.FidRatio is double q ? $", generated/yardstick {q:F2}" : "")}; {report.TrainDrawNotes} train notes vs test {report.TrainDrawFidVsTest:F2}{(report.FidRatioSameSize is double qs ? $", generated/that {qs:F2}" : "")}; precision / recall of {report.TrainDrawNotes} train notes vs test {report.TrainPrecision?.ToString("F3") ?? "-"} / {report.TrainRecall?.ToString("F3") ?? "-"}; {report.WallSeconds:F0} s -> {Path.Combine(outPath, "EVAL.md")}");
            return 0;
        });
        return cmd;
    }

    /// presets/models/<name> in the working directory or above it, else above the tool's own directory.
    static string FindPreset(string name)
    {
        foreach (var root in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(root); d != null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "presets", "models", name);
                if (Directory.Exists(candidate)) return candidate;
            }
        throw new CliException($"presets/models/{name} not found from {Directory.GetCurrentDirectory()}; pass --{name} DIR");
    }
}
