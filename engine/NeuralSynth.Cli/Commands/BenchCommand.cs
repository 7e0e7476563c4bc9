using System.CommandLine;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Vocoder;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Realtime;
using Spectre.Console;
using static TorchSharp.torch;

namespace NeuralSynth.Cli.Commands;

/// `neuralsynth bench [--quick] [--seconds 10] [--model DIR]`: the real-time engine's figures against
/// the targets, measured the way tests/NeuralSynth.Benchmarks measures them (shared code in
/// NeuralSynth.Realtime.EngineMeasurements). The comparison with libsamplerate and soxr needs their
/// native libraries and lives in the benchmark project only:
///   dotnet run -c Release --project tests/NeuralSynth.Benchmarks -- quick
public sealed class BenchCommand : ICliCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Shorter runs (noisier figures)" };
        var seconds = new Option<double>("--seconds") { Description = "Length of the process-while-rendering run", DefaultValueFactory = _ => 10.0 };
        var model = new Option<string?>("--model") { Description = "Generator folder: also measure the cache fill rate and the load with the real NoteRenderer" };
        var threads = new Option<int>("--threads") { Description = "Torch threads for --model's torch reference row", DefaultValueFactory = _ => 1 };
        var song = new Option<string?>("--song") { Description = "MIDI file to render with `render` (cold and warm) and with FluidSynth, timed in the same run", DefaultValueFactory = _ => "presets/demo/demo.mid" };
        var cmd = new Command("bench", "Measure the real-time engine: voices per core, resampler quality and speed, process() time while rendering, cache fill rate.")
        {
            quick, seconds, model, threads, song,
        };
        cmd.SetAction(r =>
        {
            bool q = r.GetValue(quick);
            double loadSeconds = q ? Math.Min(3, r.GetValue(seconds)) : r.GetValue(seconds);
            if (loadSeconds <= 0) throw new CliException("--seconds must be positive");
            string? modelDir = r.GetValue(model);
            var table = new Table().AddColumns("measure", "value", "target", "");
            void Row(string what, string value, string target, bool? ok) =>
                table.AddRow(Markup.Escape(what), Markup.Escape(value), Markup.Escape(target), ok switch { true => "[green]met[/]", false => "[red]missed[/]", _ => "" });

            AnsiConsole.Status().Start("measuring voices", ctx =>
            {
                var v64 = EngineMeasurements.MeasureVoices(64, q ? 0.5 : 2);
                Row("64 voices, 48 kHz / 128: CPU of one core", $"{v64.FractionOfCore * 100:F2}% ({v64.SecondsPerBlock * 1e6:F0} us per 2667 us block)", "<= 5%", v64.FractionOfCore <= 0.05);
                var v64v = EngineMeasurements.MeasureVoices(64, q ? 0.5 : 2, vibrato: true);
                Row("64 voices with vibrato and the mod wheel (notes staggered)", $"{v64v.FractionOfCore * 100:F2}% of a core, {v64v.FractionOfCore / v64.FractionOfCore:F2}x without", "<= 5%", v64v.FractionOfCore <= 0.05);
                var v512 = EngineMeasurements.MeasureVoices(512, q ? 0.5 : 2);
                Row("voices per core in real time (512 playing)", $"{v512.VoicesPerCore:F0} ({v512.FractionOfCore * 100:F1}% of a core for 512)", ">= 1000", v512.VoicesPerCore >= 1000);
                Row("note-on to sound, cached note", "0 samples (starts at its event offset; tested)", "0", true);

                ctx.Status("measuring the resampler");
                foreach (var (inRate, outRate) in new[] { (16000, 48000), (44100, 48000) })
                {
                    var quality = EngineMeasurements.MeasureQuality((x, a, b) => EngineMeasurements.ResampleWhole(x, a, b), inRate, outRate);
                    double simd = EngineMeasurements.MeasureThroughput((x, a, b) => EngineMeasurements.ResampleWhole(x, a, b), inRate, outRate, q ? 2 : 5);
                    double scalar = EngineMeasurements.MeasureThroughput((x, a, b) => EngineMeasurements.ResampleWhole(x, a, b, width: 0), inRate, outRate, q ? 2 : 5);
                    string rates = $"{inRate / 1000.0:0.##} -> {outRate / 1000.0:0.##} kHz";
                    Row($"resampler SNR / stopband, {rates}", $"{quality.MinSnrDb:F1} dB / {quality.MinStopbandDb:F1} dB", ">= 97 dB SNR", quality.MinSnrDb >= 97);
                    Row($"resampler speed, {rates}", $"{simd / 1e6:F1} M samples/s ({Simd.Detected}-bit SIMD), {scalar / 1e6:F1} scalar", "2x libsamplerate: see benchmark project", null);
                }

                ctx.Status($"measuring process() while rendering ({loadSeconds:F0} s)");
                var w = EngineMeasurements.MeasureProcessWhileRendering(loadSeconds);
                AddLoad(Row, "stand-in load: additive renderer", w);

                if (modelDir is not null)
                {
                    set_num_threads(Math.Max(1, r.GetValue(threads)));
                    bool hasVocoder = NoteRenderer.HasDefaultVocoder(modelDir);
                    var firstPath = NoteRenderer.DefaultPath(modelDir); // what the plug-in plays
                    ctx.Status($"loading the model to its first note (C# graphs, {firstPath} path)");
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    using var renderer = NoteRenderer.Load(modelDir, firstPath);
                    double loadMs = clock.Elapsed.TotalMilliseconds;
                    renderer.RenderOne(new NoteRequest(Latent.FromSeed(7, renderer.LatentSize), 60, 90));
                    double firstNoteMs = clock.Elapsed.TotalMilliseconds;
                    Row($"model load -> first note playable ({firstPath} path, first load in this process: code not yet compiled, files cached)",
                        $"{firstNoteMs / 1000:F2} s (load {loadMs:F0} ms, first note {firstNoteMs - loadMs:F0} ms)", "<= 0.5 s", firstNoteMs <= 500);

                    var keyboard = Enumerable.Range(renderer.MinPitch, renderer.MaxPitch - renderer.MinPitch + 1)
                        .Select(p => new NoteRequest(Latent.FromSeed(7, renderer.LatentSize), p, 90)).ToList();
                    double audioSeconds = keyboard.Count * renderer.Config.Samples / (double)renderer.SampleRate;
                    double Timed(Action a) { var sw = System.Diagnostics.Stopwatch.StartNew(); a(); return sw.Elapsed.TotalSeconds; }
                    ctx.Status("timing a keyboard fill: C# graphs on 1 and 2 threads, torch (same run)");
                    renderer.Render(keyboard.Take(4).ToList(), default);
                    double one = Timed(() => renderer.Render(keyboard, default));
                    double two = Timed(() => Parallel.ForEach(keyboard, new ParallelOptions { MaxDegreeOfParallelism = 2 }, n => renderer.RenderOne(n)));
                    double torchFill = double.NaN, vocoderFill = double.NaN;
                    if (hasVocoder && firstPath != InversionPath.Vocoder)
                    {
                        using var vocoderPath = NoteRenderer.Load(modelDir, InversionPath.Vocoder);
                        vocoderPath.Render(keyboard.Take(4).ToList(), default);
                        vocoderFill = Timed(() => Parallel.ForEach(keyboard, new ParallelOptions { MaxDegreeOfParallelism = 2 }, n => vocoderPath.RenderOne(n)));
                    }
                    if (hasVocoder)
                    {
                        using var torchPath = new TorchNoteRenderer(GansynthModel.Load(modelDir), VocoderModel.Load(NoteRenderer.DefaultVocoderDir(modelDir)), InversionPath.Vocoder);
                        torchPath.Render(keyboard.Take(4).ToList(), default);
                        torchFill = Timed(() => torchPath.Render(keyboard, default));
                    }
                    Row($"keyboard fill, {keyboard.Count} notes of {renderer.Config.Samples / (double)renderer.SampleRate:F2} s, {firstPath} path as played (everything a note needs: generator, vocoder, its post-filter where used)",
                        $"{two:F2} s on 2 threads ({audioSeconds / two:F0}x real time), {one:F2} s on 1" +
                        (double.IsNaN(vocoderFill) ? "" : $"; C# vocoder path {vocoderFill:F2} s on 2 threads ({vocoderFill / two:F2}x)") +
                        $"; torch vocoder path {torchFill:F2} s on {get_num_threads()} torch thread(s) ({torchFill / two:F1}x the 2-thread time)",
                        "<= 1 s", two <= 1);

                    ctx.Status("cache fill rate, IF path");
                    using (var ifRenderer = NoteRenderer.Load(modelDir, InversionPath.If))
                    {
                        var fill = EngineMeasurements.MeasureCacheFill(ifRenderer, [1]);
                        Row("cache fill rate, IF path (one layer, whole range, 1 thread)", $"{fill.NotesPerSecond:F2} notes/s, {fill.AudioSecondsPerSecond:F2} audio s/s ({fill.Notes} notes in {fill.Seconds:F1} s)", "", null);
                    }
                    ctx.Status($"process() while the timbre moves and the model renders ({loadSeconds:F0} s)");
                    var auto = EngineMeasurements.MeasureProcessWithTimbreAutomation(renderer, loadSeconds);
                    AddLoad(Row, $"{firstPath} path, timbre moved every 0.25 s ({auto.TimbreChanges} moves), 16 notes re-struck, GC SustainedLowLatency (the plug-in's)", auto);
                    Row("  same run: bytes allocated by the audio thread in process()", $"{auto.AudioThreadAllocatedBytes} bytes over {auto.Blocks} blocks", "0", auto.AudioThreadAllocatedBytes == 0);
                    Row("  same run: JIT compilation inside process()", $"max {auto.MaxJitMs:F3} ms in a block; worst case of the blocks without JIT {auto.MaxCpuPlusGcWithoutJitMs:F3} ms = {auto.MaxCpuPlusGcWithoutJitMs / auto.BlockPeriodMs * 100:F1}%", "", null);
                    Row("  same run: blocks over 25% of their period", $"{auto.BlocksOverQuarter} of {auto.Blocks}; p99.99 {auto.P9999CpuPlusGcMs:F3} ms = {auto.P9999CpuPlusGcMs / auto.BlockPeriodMs * 100:F1}%", "0", auto.BlocksOverQuarter == 0);
                    ctx.Status($"the machine's floor: an idle loop reading its CPU clock ({loadSeconds:F0} s)");
                    var floor = EngineMeasurements.MeasureClockJumps(loadSeconds, 0.25 * auto.BlockPeriodMs);
                    Row("  reference: an idle loop reading its thread CPU clock for as long", $"{floor.Jumps} jumps over 25% of a block between two reads (max {floor.MaxMs:F3} ms): time the VM takes from a thread counts as its CPU", "", null);

                    if (r.GetValue(song) is { } songFile && File.Exists(songFile))
                    {
                        ctx.Status($"render {songFile}: ours cold and warm, FluidSynth (same run)");
                        var (cold, warm, fluid) = RenderVersusFluidSynth(songFile, modelDir);
                        Row($"render {Path.GetFileName(songFile)} at 48 kHz, cold (empty note cache) vs FluidSynth (same run, whole processes)",
                            $"{cold:F2} s vs {fluid:F2} s ({cold / fluid:F1}x)", "<= 10x", cold <= 10 * fluid);
                        Row("  warm (notes on disk from the cold run)", $"{warm:F2} s vs {fluid:F2} s ({warm / fluid:F2}x)", "<= 1x", warm <= fluid);
                    }
                }
            });
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine("[grey]CPU figures are thread CPU time (robust on a shared machine); the process() worst case adds GC pauses that fell inside a call. Reference resamplers: dotnet run -c Release --project tests/NeuralSynth.Benchmarks -- quick[/]");
            return 0;
        });
        return cmd;
    }

    /// Wall time of whole processes, as a user would run them: `neuralsynth render` with an empty note cache, again with
    /// the cache it left, and `fluidsynth -ni -F out.wav -r 48000 SF2 song.mid`.
    static (double Cold, double Warm, double FluidSynth) RenderVersusFluidSynth(string songFile, string modelDir)
    {
        string tmp = Path.Combine(Path.GetTempPath(), "ns-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            string sf2 = new[] { "/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/default-GM.sf2" }.FirstOrDefault(File.Exists)
                ?? throw new CliException("no General MIDI SoundFont for FluidSynth (apt-get install fluid-soundfont-gm)");
            string self = Environment.ProcessPath ?? throw new CliException("cannot locate the neuralsynth executable");
            double Run(string exe, params string[] args)
            {
                var psi = new System.Diagnostics.ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var a in args) psi.ArgumentList.Add(a);
                var sw = System.Diagnostics.Stopwatch.StartNew();
                System.Diagnostics.Process p;
                try { p = System.Diagnostics.Process.Start(psi)!; }
                catch (System.ComponentModel.Win32Exception) { throw new CliException($"{exe} not found (FluidSynth: apt-get install fluidsynth)"); }
                var err = p.StandardError.ReadToEndAsync();
                p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0) throw new CliException($"{exe} {string.Join(' ', args)} failed: {err.Result.Trim()}");
                return sw.Elapsed.TotalSeconds;
            }
            string cache = Path.Combine(tmp, "cache");
            double cold = Run(self, "render", songFile, "--model", modelDir, "--out", Path.Combine(tmp, "cold"), "--cache", cache);
            double warm = Run(self, "render", songFile, "--model", modelDir, "--out", Path.Combine(tmp, "warm"), "--cache", cache);
            double fluid = Run("fluidsynth", "-ni", "-F", Path.Combine(tmp, "fluidsynth.wav"), "-r", "48000", sf2, songFile);
            return (cold, warm, fluid);
        }
        finally { if (Directory.Exists(tmp)) Directory.Delete(tmp, true); }
    }

    static void AddLoad(Action<string, string, string, bool?> row, string what, EngineMeasurements.ProcessUnderLoad w)
    {
        row($"process() worst case while rendering ({what})",
            $"{w.MaxCpuPlusGcMs:F3} ms = {w.MaxCpuPlusGcMs / w.BlockPeriodMs * 100:F1}% of the block (CPU max {w.MaxCpuMs:F3} ms, GC pause max {w.MaxGcPauseMs:F3} ms)",
            "<= 25%", w.MaxCpuPlusGcMs <= 0.25 * w.BlockPeriodMs);
        row($"  same run: wall time, load average {w.LoadAverage:F1}",
            $"p99.9 {w.P999WallMs:F3} ms, max {w.MaxWallMs:F3} ms; {w.NotesRendered} notes rendered, {w.Gen0}/{w.Gen1}/{w.Gen2} GCs", "", null);
    }
}
