using System.CommandLine;
using NeuralSynth.Models.Vocoder;
using Spectre.Console;
using TorchSharp;

namespace NeuralSynth.Cli.Commands.Train;

/// `neuralsynth train vocoder --data DIR --out DIR [--config F] [--steps N]`: the multiband filter-bank vocoder.
/// Running the same command again on the same --out resumes from its last checkpoint.
public sealed class VocoderTrain : ITrainSubcommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Note dataset directory (train/valid/test with examples.json)", Required = true };
        var outDir = new Option<string>("--out") { Description = "Run directory: config.json, generator.safetensors, checkpoint/, losses.csv/png (rerun to resume)", Required = true };
        var config = new Option<string?>("--config") { Description = "Vocoder config JSON (default: the built-in config; a resumed run must use the same one)" };
        var steps = new Option<int?>("--steps") { Description = "Total training steps (default: the config's `steps`)" };
        var maxNotes = new Option<int?>("--max-notes") { Description = "Use at most this many training notes (smoke runs)" };
        var threads = new Option<int>("--threads") { Description = "Torch CPU threads", DefaultValueFactory = _ => 1 };
        var init = new Option<string?>("--init") { Description = "Start a new run from this vocoder model directory's generator (same architecture; fine-tuning on other data)" };
        var cmd = new Command("vocoder", "Train the multiband filter-bank vocoder (log-mel + f0 -> waveform).")
        {
            data, outDir, config, steps, maxNotes, threads, init,
        };
        cmd.SetAction(r =>
        {
            torch.set_num_threads(Math.Max(1, r.GetValue(threads)));
            string? cfgPath = r.GetValue(config);
            string outPath = r.GetValue(outDir)!;
            VocoderConfig cfg;
            if (cfgPath is not null) cfg = VocoderConfig.Load(cfgPath);
            else if (File.Exists(Path.Combine(outPath, "config.json"))) cfg = VocoderConfig.Load(Path.Combine(outPath, "config.json"));
            else cfg = new VocoderConfig();
            var options = new VocoderTrainOptions
            {
                DataDir = r.GetValue(data)!,
                OutDir = outPath,
                Steps = r.GetValue(steps),
                MaxNotes = r.GetValue(maxNotes),
                InitFrom = r.GetValue(init),
            };
            if (options.InitFrom is not null && !File.Exists(Path.Combine(options.InitFrom, "generator.safetensors")))
                throw new CliException($"{options.InitFrom}: no generator.safetensors (--init needs a vocoder model directory)");
            if (!Directory.Exists(options.DataDir)) throw new CliException($"{options.DataDir}: dataset directory not found");
            int total = options.Steps ?? cfg.Steps;
            void Log(string s) => AnsiConsole.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {s}");
            Log("neuralsynth " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)));
            if (AnsiConsole.Profile.Capabilities.Interactive)
            {
                AnsiConsole.Progress().AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("training vocoder", maxValue: Math.Max(1, total));
                        VocoderTrainer.Run(cfg, options, Log, p =>
                        {
                            task.Value = p.Step;
                            task.Description = $"step {p.Step} sc {p.Losses.GetValueOrDefault("stft_sc"):F3} logmag {p.Losses.GetValueOrDefault("stft_logmag"):F3}";
                        });
                    });
            }
            else
            {
                // Under nohup the log lines carry the progress; add the ETA to them.
                var started = DateTime.UtcNow;
                VocoderTrainer.Run(cfg, options, Log, p =>
                {
                    if (p.Step % (cfg.LogEvery * 10) == 0)
                    {
                        var eta = TimeSpan.FromSeconds(p.SecondsPerStep * (p.TotalSteps - p.Step));
                        Log($"progress {p.Step}/{p.TotalSteps} ({100.0 * p.Step / Math.Max(1, p.TotalSteps):F1}%), {p.SecondsPerStep:F2} s/step, ETA {eta:hh\\:mm\\:ss}");
                    }
                });
            }
            Log($"done -> {options.OutDir}");
            return 0;
        });
        return cmd;
    }
}
