using System.CommandLine;
using System.Globalization;
using NeuralSynth.Dsp;
using NeuralSynth.Formats;
using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Timbre;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSynth.Cli.Commands;

/// `neuralsynth invert --wav sample.wav [--pitch N] [--model DIR] [--restarts 4] [--steps 200] --out preset.json`:
/// timbre capture - the latent whose note best matches a recording, saved as a preset.
public sealed class InvertCommand : ICliCommand
{
    public const string DefaultModelDir = "presets/models/gansynth";

    public static Command Create()
    {
        var wav = new Option<string>("--wav") { Description = "Recording of one note (any rate, mono or stereo)", Required = true };
        var pitch = new Option<int?>("--pitch") { Description = "MIDI pitch of the note (default: estimated with YIN)" };
        var velocity = new Option<int?>("--velocity") { Description = "MIDI velocity layer to condition on (default: try every layer)" };
        var model = new Option<string>("--model") { Description = "Generator folder", DefaultValueFactory = _ => DefaultModelDir };
        var restarts = new Option<int>("--restarts") { Description = "Independent descents (best kept; all become morph corners)", DefaultValueFactory = _ => 4 };
        var steps = new Option<int>("--steps") { Description = "Adam steps per restart", DefaultValueFactory = _ => 200 };
        var candidates = new Option<int>("--candidates") { Description = "Random latents screened for starting points", DefaultValueFactory = _ => 64 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate on z", DefaultValueFactory = _ => 0.05 };
        var seed = new Option<long>("--seed") { Description = "Seed of the screened latents", DefaultValueFactory = _ => 1 };
        var outPath = new Option<string>("--out") { Description = "Preset JSON to write", Required = true };
        var name = new Option<string?>("--name") { Description = "Preset name (default: the WAV's file name)" };
        var render = new Option<string?>("--render") { Description = "Also write the inverted note as WAV (+ rainbowgram PNG beside it)" };
        var threads = new Option<int>("--threads") { Description = "Torch CPU threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("invert", "Timbre capture: gradient descent on z through the generator (multi-resolution log-mel loss, several restarts) to match a recorded note; saves a preset.")
        {
            wav, pitch, velocity, model, restarts, steps, candidates, lr, seed, outPath, name, render, threads,
        };
        cmd.SetAction(r =>
        {
            torch.set_num_threads(Math.Max(1, r.GetValue(threads)));
            string wavPath = r.GetValue(wav)!, modelDir = r.GetValue(model)!;
            if (!Directory.Exists(modelDir)) throw new CliException($"{modelDir}: model folder not found (pass --model DIR)");
            using var g = GansynthModel.Load(modelDir);
            var cfg = g.Config;
            var audio = TargetAudio.Load(wavPath, cfg.Spectral.SampleRate);
            int notePitch = r.GetValue(pitch) ?? EstimatePitch(audio, cfg, wavPath);
            if (notePitch < cfg.MinPitch || notePitch > cfg.MaxPitch)
                throw new CliException($"pitch {notePitch} is outside the model's range {cfg.MinPitch}-{cfg.MaxPitch}");
            using var mel = new MelSpectrogram(cfg.Spectral);
            using var target = mel.LogMel(tensor(cfg.Spectral.FitLength(audio)));
            var options = new InversionOptions
            {
                Restarts = r.GetValue(restarts), Steps = r.GetValue(steps), Candidates = r.GetValue(candidates),
                LearningRate = r.GetValue(lr), Seed = r.GetValue(seed), Velocity = r.GetValue(velocity),
            };
            var start = DateTime.UtcNow;
            InversionResult? result = null;
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"inverting {Path.GetFileName(wavPath)} at MIDI {notePitch}", maxValue: 1.0);
                    result = LatentInversion.Invert(g, target, notePitch, options, p => task.Value = p);
                });
            var best = result!.Best;
            var corners = Enumerable.Range(0, Preset.CornerCount)
                .Select(i => CornerSpec.FromLatent(result.Restarts[Math.Min(i, result.Restarts.Count - 1)].Z)).ToArray();
            var preset = new Preset
            {
                Name = r.GetValue(name) ?? Path.GetFileNameWithoutExtension(wavPath),
                Model = Path.GetFileName(Path.GetFullPath(modelDir).TrimEnd(Path.DirectorySeparatorChar)),
                Corners = corners,
                X = 0, Y = 0,
                Notes = string.Create(CultureInfo.InvariantCulture,
                    $"captured from {Path.GetFileName(wavPath)} at MIDI {notePitch}, velocity layer {best.Velocity}: spectral distance {best.Loss:F4} (start {best.InitialLoss:F4}); corners B-D are the other restarts. Model {g.ModelId}."),
            };
            preset.Save(r.GetValue(outPath)!);

            var table = new Table().AddColumns("restart", "velocity", "start loss", "final loss");
            for (int i = 0; i < result.Restarts.Count; i++)
            {
                var c = result.Restarts[i];
                table.AddRow($"{i + 1}", $"{c.Velocity}", $"{c.InitialLoss:F4}", $"{c.Loss:F4}");
            }
            AnsiConsole.Write(table);
            if (r.GetValue(render) is { } renderPath)
            {
                var note = g.RenderIf([best.Z], [notePitch], [best.Velocity])[0];
                WavFile.Write(renderPath, [note], cfg.Spectral.SampleRate);
                Rainbowgram.Render(note, cfg.Spectral.SampleRate, Path.ChangeExtension(renderPath, ".png"));
            }
            AnsiConsole.MarkupLineInterpolated($"best spectral distance {best.Loss:F4} in {(DateTime.UtcNow - start).TotalSeconds:F1} s -> {r.GetValue(outPath)}");
            return 0;
        });
        return cmd;
    }

    static int EstimatePitch(float[] audio, GansynthConfig cfg, string path)
    {
        float fMin = (float)Yin.MidiToHz(cfg.MinPitch - 1), fMax = (float)Math.Min(Yin.MidiToHz(cfg.MaxPitch + 1), cfg.Spectral.SampleRate / 4.0);
        var seg = audio.Length > cfg.Spectral.SampleRate ? audio[..cfg.Spectral.SampleRate] : audio; // the sustained first second
        float midi = Yin.MedianPitch(seg, cfg.Spectral.SampleRate, fMin, fMax, asMidi: true);
        if (float.IsNaN(midi)) throw new CliException($"{path}: no clear pitch found; pass --pitch");
        int p = (int)Math.Round(midi);
        AnsiConsole.MarkupLineInterpolated($"estimated pitch: MIDI {midi:F2} -> {p}");
        return p;
    }
}
