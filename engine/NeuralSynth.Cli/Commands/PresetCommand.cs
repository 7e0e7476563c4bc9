using System.CommandLine;
using System.Globalization;
using NeuralSynth.Dsp;
using NeuralSynth.Formats;
using NeuralSynth.Models.Evaluation;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Models.Timbre;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;
using Spectre.Console;
using TorchSharp;

namespace NeuralSynth.Cli.Commands;

/// `neuralsynth preset list|show|render`: the preset bank (JSON presets, see NeuralSynth.Realtime.Timbre.Preset).
public sealed class PresetCommand : ICliCommand
{
    public static Command Create()
    {
        var cmd = new Command("preset", "List, inspect and render NeuralSynth presets (JSON: model, four morph corners, XY, macros, seed, envelope, gain).");
        cmd.Subcommands.Add(List());
        cmd.Subcommands.Add(Show());
        cmd.Subcommands.Add(Render());
        cmd.Subcommands.Add(Bank());
        cmd.Subcommands.Add(Export());
        cmd.Subcommands.Add(Import());
        return cmd;
    }

    /// JSON presets as Steinberg .vstpreset files holding the plug-in's state (corners, XY, macros, seed, gain,
    /// envelope): the way a timbre captured with `invert`, or the whole bank, reaches a DAW's preset browser.
    static Command Export()
    {
        var input = new Argument<string>("preset") { Description = "Preset JSON file, or a folder of them" };
        var outPath = new Option<string?>("--out") { Description = "Output .vstpreset for one preset, or output folder for a folder (default: beside the input)" };
        var cmd = new Command("export", "Write presets as .vstpreset files for the NeuralSynth VST3 plug-in (~/.vst3/presets/NeuralSynth/NeuralSynth is where DAWs look).") { input, outPath };
        cmd.SetAction(r =>
        {
            string path = r.GetValue(input)!;
            string? target = r.GetValue(outPath);
            if (Directory.Exists(path))
            {
                string dir = target ?? path;
                Directory.CreateDirectory(dir);
                var files = Directory.GetFiles(path, "*.json").Order(StringComparer.Ordinal).ToList();
                if (files.Count == 0) throw new CliException($"{path}: no *.json presets");
                foreach (var f in files) ExportOne(f, Path.Combine(dir, Path.GetFileNameWithoutExtension(f) + ".vstpreset"));
                AnsiConsole.MarkupLineInterpolated($"{files.Count} presets -> {dir}");
                return 0;
            }
            ExportOne(path, target ?? Path.ChangeExtension(Path.GetFullPath(path), ".vstpreset"));
            return 0;
        });
        return cmd;
    }

    static Command Import()
    {
        var input = new Argument<string>("vstpreset") { Description = "A .vstpreset saved by the NeuralSynth plug-in (in a DAW, or by preset export)" };
        var outPath = new Option<string?>("--out") { Description = "Output preset JSON (default: beside the input)" };
        var cmd = new Command("import", "Turn a NeuralSynth .vstpreset back into a JSON preset (render, preset render and the bank take JSON).") { input, outPath };
        cmd.SetAction(r =>
        {
            string path = r.GetValue(input)!;
            var preset = LoadVstPreset(path);
            string target = r.GetValue(outPath) ?? Path.ChangeExtension(Path.GetFullPath(path), ".json");
            preset.Save(target);
            AnsiConsole.MarkupLineInterpolated($"wrote {target}: {preset.Name}, corners {string.Join(", ", preset.Corners)}, x {preset.X:F2}, y {preset.Y:F2}");
            return 0;
        });
        return cmd;
    }

    /// A NeuralSynth .vstpreset as a preset: the container checked (VstPresetFile), its class id ours, its component
    /// state a valid plug-in state (PluginState, CRC-checked). Anything else is one error naming the file.
    static Preset LoadVstPreset(string path)
    {
        VstPresetFile file;
        try { file = VstPresetFile.Read(path); }
        catch (FileNotFoundException) { throw new CliException($"{path}: file not found"); }
        string ours = VstPresetFile.ClassIdFromTuid(NeuralSynth.Plugin.PluginInfo.ProcessorCid);
        if (file.ClassId != ours) throw new CliException($"{path}: a preset of another plug-in (class id {file.ClassId}, NeuralSynth's is {ours})");
        var state = NeuralSynth.Plugin.PluginState.TryParse(file.ComponentState, out string error)
            ?? throw new CliException($"{path}: the plug-in state inside is not valid: {error}");
        string name = file.MetaInfoXml is { } xml && System.Text.RegularExpressions.Regex.Match(xml, "id=\"Name\" value=\"([^\"]*)\"") is { Success: true } m
            ? System.Net.WebUtility.HtmlDecode(m.Groups[1].Value) : Path.GetFileNameWithoutExtension(path);
        try { return state.ToPreset(name); }
        catch (InvalidOperationException e) { throw new CliException($"{path}: {e.Message}"); }
    }

    static void ExportOne(string path, string target)
    {
        var preset = Preset.Load(path);
        string modelDir = preset.ResolveModelDir(path);
        string weights = Path.Combine(modelDir, "model.safetensors");
        string modelId = File.Exists(weights) ? GansynthModel.HashFile(weights) : preset.Model;
        var state = NeuralSynth.Plugin.PluginState.FromPreset(preset, modelId);
        string classId = VstPresetFile.ClassIdFromTuid(NeuralSynth.Plugin.PluginInfo.ProcessorCid);
        string Attr(string id, string value, string flags) =>
            $"\t<Attr id=\"{id}\" value=\"{System.Security.SecurityElement.Escape(value)}\" type=\"string\"{flags}/>\n";
        string meta = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<MetaInfo>\n" + Attr("MediaType", "VstPreset", " flags=\"writeProtected\"") +
            Attr("PlugInName", NeuralSynth.Plugin.PluginInfo.Name, " flags=\"writeProtected\"") + Attr("Name", preset.Name, "") +
            (preset.Family is { } family ? Attr("MusicalCategory", family, "") : "") + "</MetaInfo>\n";
        new VstPresetFile(classId, state.Serialize(), null, meta).Write(target);
        AnsiConsole.MarkupLineInterpolated($"wrote {target}: {preset.Name}, corners {string.Join(", ", preset.Corners)}, model {modelId}");
    }

    static Command List()
    {
        var dir = new Argument<string>("dir") { Description = "Folder of presets", DefaultValueFactory = _ => "presets" };
        var cmd = new Command("list", "One line per preset in a folder (malformed presets are listed with their error).") { dir };
        cmd.SetAction(r =>
        {
            string d = r.GetValue(dir)!;
            if (!Directory.Exists(d)) throw new CliException($"{d}: folder not found");
            var table = new Table().AddColumns("file", "name", "family", "model", "corners", "x, y", "macros");
            int ok = 0, bad = 0;
            foreach (var path in Directory.GetFiles(d, "*.json").OrderBy(p => p, StringComparer.Ordinal))
            {
                try
                {
                    var p = Preset.Load(path);
                    table.AddRow(Markup.Escape(Path.GetFileName(path)), Markup.Escape(p.Name), Markup.Escape(p.Family ?? "-"), Markup.Escape(p.Model),
                        Markup.Escape(string.Join(", ", p.Corners)), $"{p.X:F2}, {p.Y:F2}", p.Macros.Any(m => m != 0) ? string.Join(" ", p.Macros.Select(m => m.ToString("+0.00;-0.00;0", CultureInfo.InvariantCulture))) : "-");
                    ok++;
                }
                catch (InvalidFileException e)
                {
                    table.AddRow(Markup.Escape(Path.GetFileName(path)), "[red]invalid[/]", "", "", Markup.Escape(e.Message), "", "");
                    bad++;
                }
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"{ok} presets, {bad} invalid in {d}");
            return bad == 0 ? 0 : 1;
        });
        return cmd;
    }

    static Command Show()
    {
        var file = new Argument<string>("preset") { Description = "Preset JSON file, or a NeuralSynth .vstpreset" };
        var model = new Option<string?>("--model") { Description = "Model folder (default: the preset's model)" };
        var cmd = new Command("show", "Print a preset's fields, its resolved model and the latent it makes.") { file, model };
        cmd.SetAction(r =>
        {
            string path = r.GetValue(file)!;
            bool vst = path.EndsWith(".vstpreset", StringComparison.OrdinalIgnoreCase);
            var p = vst ? LoadVstPreset(path) : Preset.Load(path);
            AnsiConsole.Write(new Panel(Markup.Escape(p.ToJson().TrimEnd())).Header(Markup.Escape(p.Name)));
            string modelDir = r.GetValue(model) ?? (vst ? PresetLocator.ModelDir(null) : p.ResolveModelDir(path));
            string cfgPath = Path.Combine(modelDir, GansynthModel.ConfigFile);
            if (!File.Exists(cfgPath)) { AnsiConsole.MarkupLineInterpolated($"model folder {modelDir}: [yellow]not found[/] (pass --model)"); return 0; }
            var cfg = GansynthConfig.Load(cfgPath);
            var dirs = TimbreDirections.TryLoad(modelDir);
            var z = p.ToLatent(cfg.Prior, dirs);
            AnsiConsole.MarkupLineInterpolated($"model {modelDir}: latent size {cfg.LatentSize}, pitches {cfg.MinPitch}-{cfg.MaxPitch}, macro directions: {(dirs == null ? "none (macros inactive)" : dirs.Count.ToString(CultureInfo.InvariantCulture))}");
            AnsiConsole.MarkupLineInterpolated($"latent hash {z.Hash:x16}, first values {string.Join(" ", z.ToArray().Take(6).Select(v => v.ToString("F3", CultureInfo.InvariantCulture)))} ...");
            return 0;
        });
        return cmd;
    }

    static Command Render()
    {
        var file = new Argument<string>("preset") { Description = "Preset JSON file" };
        var model = new Option<string?>("--model") { Description = "Model folder (default: the preset's model)" };
        var outDir = new Option<string>("--out") { Description = "Output folder", DefaultValueFactory = _ => "." };
        var from = new Option<int>("--from") { Description = "Lowest MIDI pitch", DefaultValueFactory = _ => 36 };
        var to = new Option<int>("--to") { Description = "Highest MIDI pitch", DefaultValueFactory = _ => 84 };
        var every = new Option<int>("--every") { Description = "Semitones between rendered notes", DefaultValueFactory = _ => 3 };
        var velocity = new Option<int>("--velocity") { Description = "MIDI velocity", DefaultValueFactory = _ => 90 };
        var noteSeconds = new Option<double>("--note-seconds") { Description = "Seconds of each note kept in the keyboard WAV (faded out)", DefaultValueFactory = _ => 1.0 };
        var sweep = new Option<bool>("--sweep") { Description = "Also sweep the XY pad (x, y, diagonal), write the sweep WAV and check smoothness (exit 1 if a sweep is not smooth)" };
        var sweepSteps = new Option<int>("--sweep-steps") { Description = "Steps of each sweep", DefaultValueFactory = _ => 16 };
        var sweepPitches = new Option<string>("--sweep-pitches") { Description = "Pitches the sweep distance is averaged over", DefaultValueFactory = _ => "48,60,72" };
        var threads = new Option<int>("--threads") { Description = "Torch CPU threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var inversionPath = new Option<string>("--path") { Description = "Inversion path: auto (what the plug-in plays: additive for harmonic-head models, else vocoder when there is one, else if), if, vocoder or additive", DefaultValueFactory = _ => "auto" };
        var cmd = new Command("render", "Render a preset's keyboard (one note every few semitones) to WAV + rainbowgram PNG; --sweep checks morph smoothness.")
        {
            file, model, outDir, from, to, every, velocity, noteSeconds, sweep, sweepSteps, sweepPitches, threads, inversionPath,
        };
        cmd.SetAction(r =>
        {
            torch.set_num_threads(Math.Max(1, r.GetValue(threads)));
            string path = r.GetValue(file)!;
            var preset = Preset.Load(path);
            string modelDir = r.GetValue(model) ?? preset.ResolveModelDir(path);
            if (!File.Exists(Path.Combine(modelDir, GansynthModel.ConfigFile)))
                throw new CliException($"{path}: model '{preset.Model}' not found (looked for {modelDir}); pass --model DIR");
            int lo = r.GetValue(from), hi = r.GetValue(to), step = r.GetValue(every), vel = r.GetValue(velocity);
            if (step < 1 || hi < lo) throw new CliException("--from/--to/--every: need from <= to and every >= 1");
            if (vel is < 1 or > 127) throw new CliException("--velocity must be 1-127");
            string o = r.GetValue(outDir)!;
            Directory.CreateDirectory(o);
            string stem = Path.Combine(o, Path.GetFileNameWithoutExtension(path));

            using var renderer = NoteRenderer.Load(modelDir, PresetLocator.Inversion(r.GetValue(inversionPath)!, modelDir));
            var dirs = TimbreDirections.TryLoad(modelDir);
            using var sweepModel = r.GetValue(sweep) ? GansynthModel.Load(modelDir) : null; // torch: the sweep measures mels in batches
            var z = preset.ToLatent(renderer.Config.Prior, dirs);
            var pitches = Enumerable.Range(0, (hi - lo) / step + 1).Select(i => lo + i * step)
                .Where(p => p >= renderer.MinPitch && p <= renderer.MaxPitch).ToArray();
            if (pitches.Length == 0) throw new CliException($"no pitch in {lo}-{hi} is inside the model's range {renderer.MinPitch}-{renderer.MaxPitch}");
            float gain = (float)Math.Pow(10, preset.GainDb / 20);
            int keep = (int)(Math.Max(0.1, r.GetValue(noteSeconds)) * renderer.SampleRate);

            float[][] notes = [];
            var start = DateTime.UtcNow;
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"rendering {pitches.Length} notes", maxValue: pitches.Length);
                    var list = new List<float[]>();
                    foreach (var chunk in pitches.Chunk(8))
                    {
                        list.AddRange(renderer.Render(chunk.Select(p => new NoteRequest(z, p, vel)).ToArray(), CancellationToken.None));
                        task.Value = list.Count;
                    }
                    notes = list.ToArray();
                });
            var keyboard = Concatenate(notes, keep, renderer.SampleRate, gain);
            WavFile.Write(stem + "_keyboard.wav", [keyboard], renderer.SampleRate);
            Rainbowgram.Render(keyboard, renderer.SampleRate, stem + "_keyboard.png");
            AnsiConsole.MarkupLineInterpolated($"{pitches.Length} notes (MIDI {string.Join(",", pitches)}) at velocity {vel} in {(DateTime.UtcNow - start).TotalSeconds:F1} s -> {stem}_keyboard.wav, {stem}_keyboard.png");

            if (!r.GetValue(sweep)) return 0;
            int steps = r.GetValue(sweepSteps);
            var sp = Ranges.List(r.GetValue(sweepPitches)!, "--sweep-pitches");
            var table = new Table().AddColumns("sweep", "median step", "max step", "max / median", "smooth (<= 2x)");
            bool allSmooth = true;
            foreach (var pathKind in new[] { SweepPath.X, SweepPath.Y, SweepPath.Diagonal })
            {
                var points = MorphSweep.Points(preset, renderer.Config.Prior, dirs, pathKind, steps);
                var result = MorphSweep.Measure(sweepModel!, points, sp, vel, pathKind);
                allSmooth &= result.Smooth;
                table.AddRow(pathKind.ToString(), $"{result.Median:F4}", $"{result.Max:F4}", $"{result.Ratio:F2}", result.Smooth ? "[green]yes[/]" : "[red]no[/]");
                if (pathKind == SweepPath.X)
                {
                    int pitch = Math.Clamp(60, renderer.MinPitch, renderer.MaxPitch);
                    var sweepNotes = renderer.Render(points.Select(p => new NoteRequest(p, pitch, vel)).ToArray(), CancellationToken.None);
                    var audio = Concatenate(sweepNotes, keep / 2, renderer.SampleRate, gain);
                    WavFile.Write(stem + "_sweep_x.wav", [audio], renderer.SampleRate);
                    Rainbowgram.Render(audio, renderer.SampleRate, stem + "_sweep_x.png");
                }
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"sweeps of {steps} steps, spectral distance averaged over MIDI {string.Join(",", sp)}; x sweep at MIDI 60 -> {stem}_sweep_x.wav, .png");
            return allSmooth ? 0 : 1;
        });
        return cmd;
    }

    static Command Bank()
    {
        var model = new Option<string>("--model") { Description = "Generator folder", DefaultValueFactory = _ => InvertCommand.DefaultModelDir };
        var classifier = new Option<string>("--classifier") { Description = "Evaluation classifier folder (families)", DefaultValueFactory = _ => "presets/models/classifier" };
        var outDir = new Option<string>("--out") { Description = "Folder the presets are written to", DefaultValueFactory = _ => "presets" };
        var modelName = new Option<string?>("--model-name") { Description = "Value of the presets' 'model' field (default: the model folder's name)" };
        var seeds = new Option<int>("--seeds") { Description = "Seeds sampled and classified", DefaultValueFactory = _ => 384 };
        var first = new Option<long>("--first-seed") { Description = "First seed", DefaultValueFactory = _ => 1 };
        var perFamily = new Option<int>("--per-family") { Description = "Presets per family", DefaultValueFactory = _ => 2 };
        var pitches = new Option<string>("--pitches") { Description = "Pitches each seed is classified and its attacks measured at (a low one finds seeds whose bass notes creep in)", DefaultValueFactory = _ => "31,43,55,67" };
        var threads = new Option<int>("--threads") { Description = "Torch CPU threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var path = new Option<string>("--path") { Description = "Inversion path the seeds are scored on: auto (what the plug-in plays: additive for harmonic-head models, else vocoder when there is one, else if), if, vocoder or additive", DefaultValueFactory = _ => "auto" };
        var priorSigma = new Option<float?>("--prior-sigma") { Description = "Draw the seeds' timbres from the model's codes with this noise instead of the model's prior; the presets then hold the latents (the shipped bank: 0.25, the noise it was chosen under)" };
        var priorMix = new Option<float?>("--prior-mix") { Description = "... and this code mix (0-0.5; 0 = unblended); default the model's code_mix, or 0 with --prior-sigma" };
        var cmd = new Command("bank", "Make the preset bank: sample many seeds, render them, let the evaluation classifier assign families, write presets whose corners are each family's most confident, in-tune seeds.")
        {
            model, classifier, outDir, modelName, seeds, first, perFamily, pitches, threads, path, priorSigma, priorMix,
        };
        cmd.SetAction(r =>
        {
            torch.set_num_threads(Math.Max(1, r.GetValue(threads)));
            string modelDir = r.GetValue(model)!;
            using var g = GansynthModel.Load(modelDir);
            using var clf = NeuralSynth.Models.Evaluation.ClassifierModel.Load(r.GetValue(classifier)!);
            var inversion = PresetLocator.Inversion(r.GetValue(path)!, modelDir);
            using var renderer = inversion != InversionPath.If ? NoteRenderer.Load(modelDir, inversion, batchSize: 16) : null;
            Func<List<Latent>, List<int>, List<int>, float[][]>? render = renderer is null ? null
                : (z, p, v) => renderer.Render(z.Select((x, i) => new NoteRequest(x, p[i], v[i])).ToList(), CancellationToken.None);
            LatentPrior? prior = null;
            if (r.GetValue(priorSigma) is not null || r.GetValue(priorMix) is not null)
            {
                if (!g.Config.HasCodes) throw new ArgumentException($"--prior-sigma / --prior-mix need a model with timbre codes; {modelDir} has none");
                prior = g.Config.PriorWith(r.GetValue(priorSigma) ?? g.Config.PriorSigmaOrDefault, r.GetValue(priorMix) ?? (r.GetValue(priorSigma) is null ? g.Config.CodeMix : 0));
            }
            var o = new BankOptions
            {
                Seeds = r.GetValue(seeds), FirstSeed = r.GetValue(first), Pitches = Ranges.List(r.GetValue(pitches)!, "--pitches"), Path = inversion.ToString().ToLowerInvariant(),
                Prior = prior,
                InstrumentVibrato = NeuralSynth.Models.Evaluation.FamilyVibrato.LoadInstruments(modelDir),
            };
            var start = DateTime.UtcNow;
            List<SeedScore> scores = [];
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"scoring {o.Seeds} seeds x {o.Pitches.Length} pitches", maxValue: 1.0);
                    scores = PresetBank.ScoreSeeds(g, clf, o, p => task.Value = p, render);
                });
            var families = clf.Config.Families;
            if (renderer is not null)
            {
                // Corner A is what a preset plays at rest: it must keep its attacks through the scale check's legato phrase.
                int checkedSeeds = 0;
                var verdicts = new List<string>();
                AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new SpinnerColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("checking corner A's attacks (chromatic scale MIDI 28-96, legato)");
                        checkedSeeds = PresetBank.VerifyAttacks(scores, families, r.GetValue(perFamily), (s, fam) =>
                        {
                            task.Description = Markup.Escape($"checking seed {s.Seed}'s attacks as {fam}");
                            var style = PresetBank.Style(fam);
                            var vibrato = PresetBank.Vibrato(s, fam, o);
                            var sound = new TrackSound(fam, s.Z ?? g.Config.PriorLatent(s.Seed), PresetBank.GainDb(s.RmsDb, o), style.VelocitySensitivity, style.Release,
                                VibratoCents: vibrato.Cents, VibratoHz: vibrato.Hz);
                            var notes = ScaleCheck.Run(renderer, new VoiceCache(), sound, null, 28, 96, null, threads: Math.Max(1, r.GetValue(threads)));
                            double share = ScaleCheck.Summarize(fam, null, notes).OnsetWithin10Ms;
                            verdicts.Add(string.Create(CultureInfo.InvariantCulture, $"{fam} {s.Seed} {share:P0}"));
                            return share;
                        });
                        task.StopTask();
                    });
                AnsiConsole.MarkupLineInterpolated($"onsets within 10 ms of {checkedSeeds} corner-A candidates played as a legato scale (bar {PresetBank.AttackBar:P0}): {string.Join(", ", verdicts)}");
            }
            string name = r.GetValue(modelName) ?? Path.GetFileName(Path.GetFullPath(modelDir).TrimEnd(Path.DirectorySeparatorChar));
            var bank = PresetBank.Build(scores, families, name, g.ModelId, o, r.GetValue(perFamily));
            foreach (var (preset, ratio) in PresetBank.SmoothFamilyPads(bank, scores, families, g, TimbreDirections.TryLoad(modelDir), o))
                AnsiConsole.MarkupLineInterpolated($"[yellow]{preset.Name}: no candidate sweeps smoothly (worst step {ratio:F2}x the median)[/]");
            string dir = r.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            var table = new Table().AddColumns("file", "name", "corner seeds", "p(family) of corner A", "gain dB");
            foreach (var (file, preset) in bank)
            {
                preset.Save(Path.Combine(dir, file));
                var cornerScores = preset.Corners.Select(c => scores.First(s => s.Corner.Equals(c))).ToList();
                var a = cornerScores[0];
                int f = preset.Family is { } fam ? families.ToList().IndexOf(fam) : -1;
                table.AddRow(file, Markup.Escape(preset.Name), string.Join(", ", cornerScores.Select(c => c.Seed)), f >= 0 ? $"{a.FamilyProbs[f]:F2}" : "-", $"{preset.GainDb:F1}");
            }
            AnsiConsole.Write(table);
            var counts = families.Select((fam, i) => $"{fam} {scores.Count(s => s.TopFamily == i)}");
            AnsiConsole.MarkupLineInterpolated($"seeds per top family: {string.Join(", ", counts)}; mean pitch accuracy {scores.Average(s => s.PitchAccuracy):P0}");
            AnsiConsole.MarkupLineInterpolated($"{bank.Count} presets in {(DateTime.UtcNow - start).TotalSeconds:F0} s -> {dir}");
            return 0;
        });
        return cmd;
    }

    /// Notes cut to `keep` samples with a 20 ms fade-out, back to back.
    internal static float[] Concatenate(IReadOnlyList<float[]> notes, int keep, int sampleRate, float gain)
    {
        int fade = Math.Min(keep / 2, sampleRate / 50);
        var result = new float[notes.Count * keep];
        for (int n = 0; n < notes.Count; n++)
        {
            int len = Math.Min(keep, notes[n].Length);
            for (int i = 0; i < len; i++)
            {
                float w = i >= keep - fade ? (keep - i) / (float)fade : 1f;
                result[n * keep + i] = Math.Clamp(notes[n][i] * gain * w, -1f, 1f);
            }
        }
        return result;
    }
}
