using System.CommandLine;
using System.Numerics.Tensors;
using NeuralSynth.Formats;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;
using Spectre.Console;

namespace NeuralSynth.Cli.Commands;

/// `neuralsynth render song.mid --out DIR`: one WAV stem per MIDI track plus a mix, offline and deterministic.
public sealed class RenderCommand : ICliCommand
{
    public static Command Create()
    {
        var song = new Argument<string>("song") { Description = "Standard MIDI File (format 0 or 1)" };
        var outDir = new Option<string>("--out") { Description = "Folder for the stems and mix.wav", Required = true };
        var model = new Option<string?>("--model") { Description = "Generator model folder (default: presets/models/gansynth)" };
        var preset = new Option<string?>("--preset") { Description = "Preset for every track (name in presets/ or a .json path)" };
        var trackPreset = new Option<string[]>("--track-preset") { Description = "Preset for one track: N=P, N = track index or name", AllowMultipleArgumentsPerToken = true };
        var rate = new Option<int>("--rate") { Description = "Output sample rate in Hz", DefaultValueFactory = _ => 48000 };
        var bitDepth = new Option<int>("--bit-depth") { Description = "16, 24 (PCM) or 32 (float)", DefaultValueFactory = _ => 24 };
        var path = new Option<string>("--path") { Description = "Inversion path: auto (what the plug-in plays: additive for harmonic-head models, else vocoder when there is one, else if), if, vocoder or additive", DefaultValueFactory = _ => "auto" };
        var device = new Option<string>("--device") { Description = "auto or cpu (notes render through the C# inference graphs, which run on the CPU)", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--threads") { Description = "Render threads (the output is bit-identical whatever the count)", DefaultValueFactory = _ => 2 };
        var cache = new Option<string?>("--cache") { Description = "Folder of rendered notes kept between runs and shared with the plug-in (default: NEURALSYNTH_CACHE, else ~/.cache/neuralsynth/voices); 'none' for none" };
        var cmd = new Command("render", "Render a MIDI file to one WAV stem per track plus a mix, waiting for every note (offline, deterministic).")
        {
            song, outDir, model, preset, trackPreset, rate, bitDepth, path, device, threads, cache,
        };
        cmd.SetAction(r =>
        {
            var encoding = r.GetValue(bitDepth) switch
            {
                16 => WavEncoding.Pcm16, 24 => WavEncoding.Pcm24, 32 => WavEncoding.Float32,
                var b => throw new CliException($"--bit-depth {b}: expected 16, 24 or 32"),
            };
            int sampleRate = r.GetValue(rate);
            if (sampleRate is < 22050 or > 192000) throw new CliException($"--rate {sampleRate}: expected 22050-192000 Hz");
            var midi = MidiFile.Read(r.GetValue(song)!);
            string dev = r.GetValue(device)!.ToLowerInvariant();
            if (dev == "cuda") throw new CliException("--device cuda: render plays notes through the C# inference graphs, which run on the CPU (they have no CUDA path); CUDA applies to training (train, eval) with a CUDA build of libtorch");
            if (dev is not ("auto" or "cpu")) throw new CliException($"--device '{dev}': expected auto or cpu");
            int renderThreads = r.GetValue(threads);
            if (renderThreads is < 1 or > 64) throw new CliException($"--threads {renderThreads}: expected 1-64");
            string? cacheDir = r.GetValue(cache) is { } c ? (c == "none" ? null : c) : VoiceCache.DefaultPersistDirectory();
            string modelDir = PresetLocator.ModelDir(r.GetValue(model));
            var inversion = PresetLocator.Inversion(r.GetValue(path)!, modelDir);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var renderer = NoteRenderer.Load(modelDir, inversion);
            double loadSeconds = clock.Elapsed.TotalSeconds;
            var directions = TimbreDirections.TryLoad(modelDir);
            var sounds = ChooseSounds(midi, r.GetValue(preset), r.GetValue(trackPreset) ?? [], renderer.Config.Prior, directions);

            var voices = new VoiceCache(VoiceCache.DefaultBudgetBytes, cacheDir, VoiceCache.DefaultPersistCapBytes);
            voices.Warning += w => Stderr.Warn($"voice cache: {w}");
            int reused = voices.LoadPersisted(renderer.ModelId);
            IReadOnlyList<Stem> stems = [];
            double cacheSeconds = clock.Elapsed.TotalSeconds - loadSeconds;
            var start = DateTime.UtcNow;
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var tasks = new Dictionary<string, ProgressTask>();
                    stems = new StemRenderer(renderer, voices, VelocityLayers.Default).Render(midi, (i, t) => sounds[i], new StemRenderOptions { SampleRate = sampleRate, Threads = renderThreads },
                        (what, fraction) =>
                        {
                            lock (tasks) // tracks and note chunks report from several threads
                            {
                                if (!tasks.TryGetValue(what, out var task)) tasks[what] = task = ctx.AddTask(Markup.Escape(what), maxValue: 1);
                                task.Value = fraction;
                            }
                        });
                });

            double renderSeconds = (DateTime.UtcNow - start).TotalSeconds;
            string dir = r.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            // Headroom: when the mix would clip, scale every stem and the mix by one factor to a -1 dBFS
            // peak, so the stems still sum to the mix and the balance between them is kept.
            var (ml, mr) = StemRenderer.Mix(stems);
            double mixPeak = PeakDb(ml, mr), trim = Math.Min(0, -1 - mixPeak);
            if (trim < 0)
            {
                float k = (float)Math.Pow(10, trim / 20);
                foreach (var s in stems) { Scale(s.Left, k); Scale(s.Right, k); }
                Scale(ml, k); Scale(mr, k);
            }
            var table = new Table().AddColumns("stem", "preset", "seconds", "peak dBFS");
            var files = stems.Select(s => Path.Combine(dir, $"{s.TrackIndex:00}-{FileSafe(s.TrackName, s.TrackIndex)}.wav")).ToList();
            Parallel.For(0, stems.Count, new ParallelOptions { MaxDegreeOfParallelism = renderThreads },
                i => WavFile.Write(files[i], new[] { stems[i].Left, stems[i].Right }, sampleRate, encoding));
            for (int i = 0; i < stems.Count; i++)
                table.AddRow(Markup.Escape(Path.GetFileName(files[i])), Markup.Escape(stems[i].PresetName), $"{stems[i].Left.Length / (double)sampleRate:F2}", $"{PeakDb(stems[i].Left, stems[i].Right):F1}");
            WavFile.Write(Path.Combine(dir, "mix.wav"), new[] { ml, mr }, sampleRate, encoding);
            table.AddRow("mix.wav", "", $"{ml.Length / (double)sampleRate:F2}", $"{PeakDb(ml, mr):F1}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"{stems.Count} stems + mix -> {dir} in {clock.Elapsed.TotalSeconds:F2} s: model {loadSeconds:F2} s, disk cache {cacheSeconds:F2} s ({reused} notes of this model{(cacheDir is null ? ", none kept" : $" in {cacheDir}")}), notes and mixing {renderSeconds:F2} s on {renderThreads} thread(s), files {clock.Elapsed.TotalSeconds - loadSeconds - cacheSeconds - renderSeconds:F2} s");
            if (trim < 0) AnsiConsole.MarkupLineInterpolated($"stems and mix trimmed by {trim:F1} dB so the mix peaks at -1 dBFS");
            return 0;
        });
        return cmd;
    }

    /// Per track: --track-preset, else --preset, else a bank preset whose family matches the track
    /// name ("Bass" -> a bass preset), else the bank in order, else a seed per track.
    static Dictionary<int, TrackSound> ChooseSounds(MidiFile midi, string? all, string[] perTrack, LatentPrior prior, TimbreDirections? directions)
    {
        var explicitPresets = new Dictionary<int, (string, Preset)>();
        foreach (var spec in perTrack)
        {
            int eq = spec.IndexOf('=');
            if (eq <= 0) throw new CliException($"--track-preset '{spec}': expected N=PRESET");
            string key = spec[..eq];
            int index = int.TryParse(key, out int n) ? n
                : Enumerable.Range(0, midi.Tracks.Count).FirstOrDefault(i => string.Equals(midi.Tracks[i].Name, key, StringComparison.OrdinalIgnoreCase), -1);
            if (index < 0 || index >= midi.Tracks.Count) throw new CliException($"--track-preset '{spec}': no track '{key}' in {midi.Path} (tracks: {string.Join(", ", midi.Tracks.Select((t, i) => $"{i}={t.Name}"))})");
            explicitPresets[index] = PresetLocator.Resolve(spec[(eq + 1)..]);
        }
        var global = all is null ? ((string, Preset)?)null : PresetLocator.Resolve(all);
        var bank = PresetLocator.Bank();
        var sounds = new Dictionary<int, TrackSound>();
        int auto = 0;
        for (int i = 0; i < midi.Tracks.Count; i++)
        {
            (string, Preset)? chosen = explicitPresets.TryGetValue(i, out var p) ? p : global;
            if (chosen is null && bank.Count > 0)
            {
                string name = midi.Tracks[i].Name.ToLowerInvariant();
                chosen = bank.FirstOrDefault(b => b.Preset.Family is { } f && (name.Contains(f) || Hint(name) == f));
                if (chosen.Value.Item2 is null) chosen = bank[auto++ % bank.Count];
            }
            sounds[i] = chosen is { } c
                ? TrackSound.From(c.Item2, prior, directions)
                : new TrackSound($"seed {i + 1}", prior.Sample(i + 1));
        }
        return sounds;
    }

    // Common track names musicians use, mapped to NSynth families.
    static string? Hint(string trackName) =>
        trackName.Contains("key") || trackName.Contains("piano") ? "keyboard"
        : trackName.Contains("pad") || trackName.Contains("violin") || trackName.Contains("cello") ? "string"
        : trackName.Contains("lead") || trackName.Contains("melody") ? "flute"
        : trackName.Contains("sax") || trackName.Contains("clarinet") ? "reed"
        : null;

    static string FileSafe(string name, int index)
    {
        var s = new string(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray()).Trim('_');
        return s.Length == 0 ? $"track{index}" : s;
    }

    static void Scale(float[] x, float k) => TensorPrimitives.Multiply(x, k, x);

    static double PeakDb(float[] l, float[] r) => 20 * Math.Log10(Math.Max(1e-9f, Math.Max(Magnitude(l), Magnitude(r))));

    static float Magnitude(float[] x) => x.Length == 0 ? 0 : Math.Abs(TensorPrimitives.MaxMagnitude(x)); // NaN stays NaN
}
