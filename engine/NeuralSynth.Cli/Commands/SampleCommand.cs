using System.CommandLine;
using NeuralSynth.Dsp;
using NeuralSynth.Formats;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Models.Vocoder;
using NeuralSynth.Realtime;
using Spectre.Console;
using TorchSharp;

namespace NeuralSynth.Cli.Commands;

/// `neuralsynth sample`: notes from a trained GANSynth-style generator, as WAV (+ a mel rainbowgram PNG).
///   one note:        --model DIR --pitch 60 --seed 7 --out x.wav
///   a keyboard:      --all-pitches   (one z across the model's whole pitch range, notes concatenated)
///   a timbre morph:  --interpolate A B --steps 8   (spherical interpolation between the seeds' latents)
/// Audio path: `if` (phase from the generated mel instantaneous frequency, iSTFT) or `vocoder` (--vocoder DIR).
public sealed class SampleCommand : ICliCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Generator directory (config.json + model.safetensors), e.g. presets/models/gansynth", Required = true };
        var outPath = new Option<string>("--out") { Description = "Output WAV (16 kHz mono); beside it X.png (the generator's log-mel and mel-IF, the same for every path) and X-audio.png (CQT rainbowgrams of the notes as the path played them)", Required = true };
        var pitch = new Option<int>("--pitch") { Description = "MIDI pitch", DefaultValueFactory = _ => 60 };
        var seed = new Option<long>("--seed") { Description = "Timbre seed (the model's prior, GansynthConfig.PriorLatent: the same z the plugin uses)", DefaultValueFactory = _ => 7 };
        var velocity = new Option<int>("--velocity") { Description = "MIDI velocity (the nearest trained layer is used)", DefaultValueFactory = _ => 90 };
        var path = new Option<string>("--path") { Description = "if | vocoder | additive (harmonic-head models: what the plug-in plays; its attack from the vocoder beside the model, or --vocoder)", DefaultValueFactory = _ => "if" };
        var vocoder = new Option<string?>("--vocoder") { Description = "Vocoder directory for --path vocoder (e.g. presets/models/vocoder)" };
        var allPitches = new Option<bool>("--all-pitches") { Description = "One latent across every pitch of the model, notes concatenated" };
        var interpolate = new Option<long[]?>("--interpolate") { Description = "Two seeds A B: slerp between their latents at --pitch", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var steps = new Option<int>("--steps") { Description = "Points along the interpolation (including both ends)", DefaultValueFactory = _ => 8 };
        var noteSeconds = new Option<double>("--note-seconds") { Description = "Seconds kept of each note when concatenating", DefaultValueFactory = _ => 2.0 };
        var family = new Option<string?>("--family") { Description = "Instrument family to ask a family-conditioned model for (e.g. guitar; config.json lists them): the seed's latent moved into it" };
        var cmd = new Command("sample", "Generate notes with a trained GANSynth-style model.")
        {
            model, outPath, pitch, seed, velocity, path, vocoder, allPitches, interpolate, steps, noteSeconds, family,
        };
        cmd.SetAction(r =>
        {
            torch.set_num_threads(Math.Max(1, Environment.ProcessorCount / 2));
            string p = r.GetValue(path)!.ToLowerInvariant();
            if (p is not ("if" or "vocoder" or "additive")) throw new CliException($"--path must be 'if', 'vocoder' or 'additive', got '{p}'");
            string? vocDir = r.GetValue(vocoder);
            if (p == "vocoder" && vocDir is null) throw new CliException("--path vocoder needs --vocoder DIR");
            using var m = GansynthModel.Load(r.GetValue(model)!);
            using var voc = p == "vocoder" ? VocoderModel.Load(vocDir!) : null;
            // The additive path plays through the torch-free renderer (as the plug-in does); torch still draws the PNG.
            using var additive = p == "additive" ? NoteRenderer.Load(r.GetValue(model)!, InversionPath.Additive, vocoderDir: vocDir) : null;
            var cfg = m.Config;
            int vel = r.GetValue(velocity);
            var seeds = r.GetValue(interpolate);
            string? fam = r.GetValue(family);
            int familyIndex;
            try { familyIndex = fam is null ? -1 : cfg.FamilyIndex(fam); }
            catch (ArgumentException e) { throw new CliException($"--family: {e.Message}"); }
            Latent Z(long s) => familyIndex < 0 ? cfg.PriorLatent(s) : cfg.FamilyLatent(cfg.PriorLatent(s), familyIndex);
            string inFamily = fam is null ? "" : $" ({fam})";
            var zs = new List<Latent>(); var ps = new List<int>();
            string what;
            if (seeds is { Length: 2 })
            {
                int n = r.GetValue(steps);
                if (n < 2) throw new CliException("--steps must be >= 2");
                var a = Z(seeds[0]); var b = Z(seeds[1]);
                for (int i = 0; i < n; i++) { zs.Add(Latent.Slerp(a, b, i / (double)(n - 1))); ps.Add(r.GetValue(pitch)); }
                what = $"slerp seed {seeds[0]} -> {seeds[1]}{inFamily} in {n} steps at pitch {r.GetValue(pitch)}";
            }
            else if (r.GetValue(allPitches))
            {
                var z = Z(r.GetValue(seed));
                for (int q = cfg.MinPitch; q <= cfg.MaxPitch; q++) { zs.Add(z); ps.Add(q); }
                what = $"seed {r.GetValue(seed)}{inFamily} across pitches {cfg.MinPitch}-{cfg.MaxPitch}";
            }
            else
            {
                int q = r.GetValue(pitch);
                if (q < cfg.MinPitch || q > cfg.MaxPitch) throw new CliException($"--pitch {q} is outside the model's range {cfg.MinPitch}-{cfg.MaxPitch}");
                zs.Add(Z(r.GetValue(seed))); ps.Add(q);
                what = $"seed {r.GetValue(seed)}{inFamily} at pitch {q}";
            }
            var vs = Enumerable.Repeat(vel, zs.Count).ToList();
            var notes = new List<float[]>();
            var logMels = new List<torch.Tensor>(); var ifMels = new List<torch.Tensor>();
            const int Batch = 64;
            var genTime = new System.Diagnostics.Stopwatch(); var invTime = new System.Diagnostics.Stopwatch();
            for (int i = 0; i < zs.Count; i += Batch)
            {
                int n = Math.Min(Batch, zs.Count - i);
                genTime.Start();
                var (lm, ifm) = m.GenerateTensors(zs.GetRange(i, n), ps.GetRange(i, n), vs.GetRange(i, n));
                genTime.Stop(); invTime.Start();
                if (additive is not null)
                    for (int j = i; j < i + n; j++) notes.Add(additive.RenderOne(new NoteRequest(zs[j], ps[j], vs[j])));
                else if (voc is null) notes.AddRange(m.ToWaveformIf(lm, ifm));
                else
                {
                    notes.AddRange(TorchNoteRenderer.Vocode(cfg, voc, lm, ps.GetRange(i, n))); // as the plug-in and `render` play it
                }
                invTime.Stop();
                logMels.Add(lm); ifMels.Add(ifm);
            }
            int keep = (int)Math.Round(r.GetValue(noteSeconds) * cfg.Spectral.SampleRate);
            var kept = notes.Select(x => x.Length > keep ? x[..keep] : x.Concat(new float[keep - x.Length]).ToArray()).ToList();
            var audio = kept.SelectMany(x => x).ToArray();
            float peak = audio.Length == 0 ? 0 : audio.Max(MathF.Abs);
            if (peak > 0.99f) for (int i = 0; i < audio.Length; i++) audio[i] *= 0.99f / peak; // never clip the file
            string outFile = r.GetValue(outPath)!;
            if (Path.GetDirectoryName(Path.GetFullPath(outFile)) is { } d) Directory.CreateDirectory(d);
            WavFile.Write(outFile, [audio], cfg.Spectral.SampleRate);
            using (var lmAll = torch.cat(logMels, 0)) using (var ifAll = torch.cat(ifMels, 0))
                SampleGrid.WritePng(Path.ChangeExtension(outFile, ".png"), lmAll, ifAll, Math.Min(zs.Count, 8), cfg.LogMagMin, cfg.LogMagMax);
            foreach (var t in logMels.Concat(ifMels)) t.Dispose();
            string audioPng = Path.ChangeExtension(outFile, null) + "-audio.png";
            Rainbowgram.RenderGrid(kept, cfg.Spectral.SampleRate, audioPng);
            AnsiConsole.MarkupLineInterpolated($"wrote {outFile} ({zs.Count} note(s), {audio.Length / (double)cfg.Spectral.SampleRate:F2} s, {p} path): {what}; rainbowgrams {Path.ChangeExtension(outFile, ".png")} (generator), {audioPng} (as played); generator {genTime.Elapsed.TotalMilliseconds:F0} ms, {p} inversion {invTime.Elapsed.TotalMilliseconds:F0} ms ({torch.get_num_threads()} torch threads, first call included)");
            return 0;
        });
        return cmd;
    }
}
