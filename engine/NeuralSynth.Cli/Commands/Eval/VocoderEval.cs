using System.CommandLine;
using NeuralSynth.Models.Vocoder;
using Spectre.Console;
using TorchSharp;

namespace NeuralSynth.Cli.Commands.Eval;

/// `neuralsynth eval vocoder --model DIR --data DIR [--split test] [--max-notes N] [--out DIR]`:
/// MR-STFT, log-spectral distance, mel cepstral distortion and YIN pitch error of the vocoder against
/// Griffin-Lim (32 and 100 iterations), PGHI and the ground truth, on held-out notes. Markdown + JSON.
public sealed class VocoderEval : IEvalSubcommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Vocoder model directory (config.json + generator.safetensors)", Required = true };
        var data = new Option<string>("--data") { Description = "Note dataset directory", Required = true };
        var split = new Option<string>("--split") { Description = "Dataset split to evaluate", DefaultValueFactory = _ => "test" };
        var maxNotes = new Option<int>("--max-notes") { Description = "Evaluate at most N notes spread over the split (0 = all)", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string?>("--out") { Description = "Where vocoder_eval.md/json go (default: MODEL/eval)" };
        var compare = new Option<string[]>("--compare") { Description = "More vocoder model directories to score on the same notes (e.g. RUN/pretrain)", AllowMultipleArgumentsPerToken = true };
        var vocodersOnly = new Option<bool>("--vocoders-only") { Description = "Skip the Griffin-Lim and PGHI baselines (e.g. to score another checkpoint on notes already evaluated)" };
        var threads = new Option<int>("--threads") { Description = "Torch CPU threads", DefaultValueFactory = _ => 1 };
        var cmd = new Command("vocoder", "Evaluate the multiband vocoder against Griffin-Lim, PGHI and the ground truth on held-out notes.")
        {
            model, data, split, maxNotes, outDir, compare, vocodersOnly, threads,
        };
        cmd.SetAction(r =>
        {
            torch.set_num_threads(Math.Max(1, r.GetValue(threads)));
            var options = new VocoderEvalOptions
            {
                ModelDir = r.GetValue(model)!,
                DataDir = r.GetValue(data)!,
                Split = r.GetValue(split)!,
                MaxNotes = Math.Max(0, r.GetValue(maxNotes)),
                CompareModels = r.GetValue(compare) ?? [],
                GriffinLimIterations = r.GetValue(vocodersOnly) ? [] : [32, 100],
                SkipPghi = r.GetValue(vocodersOnly),
            };
            string output = r.GetValue(outDir) ?? Path.Combine(options.ModelDir, "eval");
            VocoderEvalReport? report = null;
            if (AnsiConsole.Profile.Capabilities.Interactive)
            {
                AnsiConsole.Progress().AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("evaluating vocoder and baselines");
                        report = VocoderEvaluator.Run(options, (done, total) => { task.MaxValue = total; task.Value = done; });
                    });
            }
            else
            {
                report = VocoderEvaluator.Run(options, (done, total) =>
                {
                    if (done % 25 == 0 || done == total) AnsiConsole.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {done}/{total} notes");
                });
            }
            VocoderEvaluator.Write(report!, output);
            AnsiConsole.WriteLine(report!.ToMarkdown());
            AnsiConsole.WriteLine($"-> {Path.Combine(output, "vocoder_eval.md")}, vocoder_eval.json");
            return 0;
        });
        return cmd;
    }
}
