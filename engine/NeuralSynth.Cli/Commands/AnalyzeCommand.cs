using System.CommandLine;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Timbre;
using NeuralSynth.Realtime.Timbre;
using Spectre.Console;
using TorchSharp;

namespace NeuralSynth.Cli.Commands;

/// `neuralsynth analyze directions --model DIR [--samples 2000] [--count 8]`: the macro directions of a generator
/// (GANSpace-style PCA of early activations regressed onto z), written to DIR/directions.json.
public sealed class AnalyzeCommand : ICliCommand
{
    public static Command Create()
    {
        var cmd = new Command("analyze", "Analyse a trained generator's latent space.");
        cmd.Subcommands.Add(Directions());
        return cmd;
    }

    static Command Directions()
    {
        var model = new Option<string>("--model") { Description = "Generator folder (config.json + model.safetensors)", Required = true };
        var samples = new Option<int>("--samples") { Description = "Latents to sample", DefaultValueFactory = _ => 2000 };
        var count = new Option<int>("--count") { Description = "Directions to keep (macros)", DefaultValueFactory = _ => TimbreSettings.MacroCount };
        var pitches = new Option<string>("--pitches") { Description = "Pitches the activations are taken at", DefaultValueFactory = _ => "48,60,72" };
        var velocity = new Option<int>("--velocity") { Description = "Velocity of the analysed notes", DefaultValueFactory = _ => 90 };
        var outPath = new Option<string?>("--out") { Description = "Output file (default MODEL/directions.json)" };
        var threads = new Option<int>("--threads") { Description = "Torch CPU threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("directions", "PCA of the generator's first-block activations over many z, carried back to latent directions (GANSpace); writes directions.json beside the model for the macro knobs.")
        {
            model, samples, count, pitches, velocity, outPath, threads,
        };
        cmd.SetAction(r =>
        {
            torch.set_num_threads(Math.Max(1, r.GetValue(threads)));
            string dir = r.GetValue(model)!;
            using var g = GansynthModel.Load(dir);
            var options = new DirectionAnalysisOptions
            {
                Samples = r.GetValue(samples),
                Count = r.GetValue(count),
                Pitches = Ranges.List(r.GetValue(pitches)!, "--pitches"),
                Velocity = r.GetValue(velocity),
            };
            var start = DateTime.UtcNow;
            TimbreDirections? result = null;
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("analysing directions", maxValue: 1.0);
                    result = DirectionAnalysis.Compute(g, options, p => task.Value = p);
                });
            string path = r.GetValue(outPath) ?? Path.Combine(dir, TimbreDirections.FileName);
            result!.Save(path);
            var table = new Table().AddColumns("macro", "explained variance", "std of z.u");
            for (int i = 0; i < result.Count; i++)
                table.AddRow($"{i + 1}", $"{result.ExplainedVariance[i]:P1}", $"{result.Std[i]:F3}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"{result.Count} directions ({result.ExplainedVariance.Sum():P1} of the activation variance) in {(DateTime.UtcNow - start).TotalSeconds:F1} s -> {path}");
            return 0;
        });
        return cmd;
    }
}
