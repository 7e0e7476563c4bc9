using System.CommandLine;
using System.Globalization;
using NeuralSynth.Models.Gansynth;
using Spectre.Console;
using TorchSharp;

namespace NeuralSynth.Cli.Commands.Train;

/// `neuralsynth train gansynth --data DIR --out DIR [--config F] [--steps N] [--batch B] [--seed S]`.
/// Running the same command again on the same --out resumes from its last checkpoint.
public sealed class GansynthTrain : ITrainSubcommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Dataset directory (made by `neuralsynth dataset build`)", Required = true };
        var outDir = new Option<string>("--out") { Description = "Run directory: checkpoints, losses, samples, final model (rerun to resume)", Required = true };
        var config = new Option<string?>("--config") { Description = "Model/training config JSON (default: built-in defaults; a resumed run uses OUT/config.json)" };
        var steps = new Option<int>("--steps") { Description = "Total training steps", DefaultValueFactory = _ => 2000 };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 16 };
        var seed = new Option<long>("--seed") { Description = "Seed for weights, noise and data order", DefaultValueFactory = _ => 1 };
        var ckpt = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints (a killed run loses at most this many)", DefaultValueFactory = _ => 100 };
        var sampleEvery = new Option<int>("--sample-every") { Description = "Steps between sample grids (rainbowgram PNG + WAV)", DefaultValueFactory = _ => 500 };
        var threads = new Option<int>("--threads") { Description = "Torch CPU threads", DefaultValueFactory = _ => 1 };
        var logEvery = new Option<int>("--log-every") { Description = "Steps between loss log lines / CSV flushes", DefaultValueFactory = _ => 10 };
        var limit = new Option<int>("--limit") { Description = "Use only the first N training notes (smoke tests)", DefaultValueFactory = _ => 0 };
        var widen = new Option<string?>("--widen") { Description = "Grow the run's checkpoint to these stage widths (comma-separated, each a whole multiple of the run's, first stage unchanged) and train on; a no-op once grown" };
        var cmd = new Command("gansynth", "Train the GANSynth-style generator (IF-Mel, WGAN-GP + auxiliary pitch classifier).")
        {
            data, outDir, config, steps, batch, seed, ckpt, sampleEvery, logEvery, threads, limit, widen,
        };
        cmd.SetAction(r =>
        {
            torch.set_num_threads(Math.Max(1, r.GetValue(threads)));
            var cfgPath = r.GetValue(config);
            var options = new GansynthTrainOptions
            {
                DataDir = r.GetValue(data)!,
                OutDir = r.GetValue(outDir)!,
                Config = cfgPath is null ? new GansynthConfig() : GansynthConfig.Load(cfgPath),
                Steps = r.GetValue(steps),
                Batch = r.GetValue(batch),
                Seed = r.GetValue(seed),
                CheckpointEvery = Math.Max(1, r.GetValue(ckpt)),
                SampleEvery = Math.Max(1, r.GetValue(sampleEvery)),
                LogEvery = Math.Max(1, r.GetValue(logEvery)),
                Limit = r.GetValue(limit),
                Widen = ParseWidths(r.GetValue(widen)),
            };
            bool interactive = AnsiConsole.Profile.Capabilities.Interactive;
            void Log(string s) => AnsiConsole.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {s}");
            using var trainer = new GansynthTrainer(options, Log);
            int startStep = trainer.Step;
            var started = DateTime.UtcNow;
            string command = "neuralsynth " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
            if (interactive)
            {
                AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("training gansynth", maxValue: options.Steps);
                        task.Value = startStep;
                        trainer.Train(l => { task.Value = l.Step; task.Description = $"step {l.Step} W {l.Wasserstein:F2} GP {l.GradientPenalty:F2} CE {l.DPitchCe:F2}/{l.GPitchCe:F2}"; });
                    });
            }
            else
            {
                // Under nohup: a plain line every log interval with rate and ETA instead of a redrawn bar.
                trainer.Train(l =>
                {
                    if (l.Step % options.LogEvery != 0 && l.Step != options.Steps) return;
                    double el = (DateTime.UtcNow - started).TotalSeconds, rate = (l.Step - startStep) / Math.Max(el, 1e-9);
                    double eta = (options.Steps - l.Step) / Math.Max(rate, 1e-9);
                    Log($"step {l.Step}/{options.Steps} d {l.DLoss:F3} g {l.GLoss:F3} W {l.Wasserstein:F3} gp {l.GradientPenalty:F3} ce_d {l.DPitchCe:F3} ce_g {l.GPitchCe:F3}{(l.ModeDistance > 0 ? $" ms {l.ModeDistance:F3}" : "")} | {rate:F3} steps/s, process CPU {System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F0} s, ETA {TimeSpan.FromSeconds(eta):hh\\:mm\\:ss}");
                });
            }
            WriteReport(options, trainer, command);
            Log($"done: {trainer.Step} steps, {trainer.WallSeconds:F0} s of training; model in {options.OutDir} (config.json + model.safetensors)");
            return 0;
        });
        return cmd;
    }

    static int[]? ParseWidths(string? text)
    {
        if (text is null) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
                throw new CliException($"--widen: '{parts[i]}' is not a positive channel count (expected e.g. 128,64,32,32,16)");
        return widths;
    }

    static void WriteReport(GansynthTrainOptions o, GansynthTrainer t, string command)
    {
        var rows = GansynthTrainer.ReadLosses(t.LossCsv);
        var last = rows.TakeLast(Math.Min(50, rows.Count)).ToList();
        string Mean(int col) => last.Count == 0 ? "n/a" : last.Average(r => r[col]).ToString("F3", CultureInfo.InvariantCulture);
        var ci = CultureInfo.InvariantCulture;
        string text = $"""
            # GANSynth training run

            Command: `{command}`

            - steps: {t.Step}, batch {o.Batch}, seed {o.Seed}
            - training wall time: {t.WallSeconds.ToString("F0", ci)} s ({(t.Step / Math.Max(t.WallSeconds, 1e-9)).ToString("F3", ci)} steps/s, torch threads {torch.get_num_threads()})
            - data: {Path.GetFullPath(o.DataDir)} ({o.Split})
            - generator parameters: {t.G.parameters().Sum(p => p.numel()):N0}; discriminator parameters: {t.D.parameters().Sum(p => p.numel()):N0}
            - final losses (mean of the last {last.Count} logged steps): D {Mean(1)}, G {Mean(2)}, Wasserstein estimate {Mean(3)}, gradient penalty {Mean(4)}, D pitch CE {Mean(5)}, G pitch CE {Mean(6)}

            Files: config.json + model.safetensors (the model), losses.csv / losses.png, samples/ (mel rainbowgrams + IF-path WAVs of seeds 1-4 at pitches 36/48/60/72).
            """;
        File.WriteAllText(Path.Combine(o.OutDir, "TRAINING.md"), text + "\n");
    }
}
