using System.CommandLine;
using NeuralSynth.Models.Evaluation;
using Spectre.Console;
using TorchSharp;

namespace NeuralSynth.Cli.Commands.Train;

/// `neuralsynth train classifier --data DIR --out DIR [--steps N]`: the pitch + instrument-family CNN that
/// `eval gansynth` uses for pitch accuracy/entropy, Inception Score and the Fréchet distance's features.
public sealed class ClassifierTrain : ITrainSubcommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Note dataset directory (train/valid/test with examples.json)", Required = true };
        var outDir = new Option<string>("--out") { Description = "Run directory: config.json + model.safetensors, checkpoint/, losses.csv, eval.csv, metrics.json", Required = true };
        var steps = new Option<int>("--steps") { Description = "Training steps (batches)", DefaultValueFactory = _ => 3000 };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints (a killed run resumes from the last one)", DefaultValueFactory = _ => 250 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Steps between valid-split evaluations (eval.csv)", DefaultValueFactory = _ => 250 };
        var config = new Option<string?>("--config") { Description = "Classifier config JSON (default: the built-in one; families come from the data)" };
        var seed = new Option<int?>("--seed") { Description = "Random seed (overrides the config's)" };
        var maxNotes = new Option<int?>("--max-notes") { Description = "Use at most this many notes per split (smoke runs)" };
        var threads = new Option<int>("--threads") { Description = "Torch CPU threads", DefaultValueFactory = _ => 1 };
        var cmd = new Command("classifier", "Train the pitch + instrument-family classifier used by `eval gansynth`.")
        {
            data, outDir, steps, checkpointEvery, evalEvery, config, seed, maxNotes, threads,
        };
        cmd.SetAction(r =>
        {
            torch.set_num_threads(Math.Max(1, r.GetValue(threads)));
            var cfg = r.GetValue(config) is { } path ? ClassifierConfig.Load(path) : new ClassifierConfig();
            if (r.GetValue(seed) is int s) cfg = cfg with { Seed = s };
            var options = new ClassifierTrainer.Options(r.GetValue(data)!, r.GetValue(outDir)!, r.GetValue(steps),
                Math.Max(1, r.GetValue(checkpointEvery)), Math.Max(1, r.GetValue(evalEvery)), cfg, r.GetValue(maxNotes));
            ClassifierTrainResult? result = null;
            AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var tasks = new Dictionary<string, ProgressTask>();
                    result = ClassifierTrainer.Run(options, (phase, done, total) =>
                    {
                        if (!tasks.TryGetValue(phase, out var task)) tasks[phase] = task = ctx.AddTask(phase);
                        task.MaxValue = Math.Max(total, 1);
                        task.Value = done;
                    });
                });
            var table = new Table().AddColumns("split", "notes", "pitch acc", "pitch acc ±1", "family acc");
            foreach (var a in result!.Splits)
                table.AddRow(a.Split, a.Notes.ToString(), $"{a.PitchAccuracy:F3}", $"{a.PitchAccuracyWithin1:F3}", double.IsNaN(a.FamilyAccuracy) ? "-" : $"{a.FamilyAccuracy:F3}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"{result.Steps} steps, {result.Parameters} parameters, {result.WallSeconds:F0} s -> {options.OutDir}");
            return 0;
        });
        return cmd;
    }
}
