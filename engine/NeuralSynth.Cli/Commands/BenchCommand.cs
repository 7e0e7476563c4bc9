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
        var threads = new Option<int>("--threads") { Description = "Torch threads for --model (leave a core to the audio thread)", DefaultValueFactory = _ => 1 };
        var cmd = new Command("bench", "Measure the real-time engine: voices per core, resampler quality and speed, process() time while rendering, cache fill rate.")
        {
            quick, seconds, model, threads,
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
                    ctx.Status("loading the model");
                    set_num_threads(Math.Max(1, r.GetValue(threads)));
                    using var renderer = NoteRenderer.Load(modelDir);
                    ctx.Status("filling the keyboard");
                    var fill = EngineMeasurements.MeasureCacheFill(renderer, [1]);
                    Row("cache fill rate (one layer, whole range)", $"{fill.NotesPerSecond:F2} notes/s, {fill.AudioSecondsPerSecond:F2} audio s/s ({fill.Notes} notes in {fill.Seconds:F1} s)", "", null);
                    ctx.Status($"measuring process() while the model renders ({loadSeconds:F0} s)");
                    AddLoad(Row, "NoteRenderer load", EngineMeasurements.MeasureProcessWhileRendering(loadSeconds, renderer: renderer));
                    // The plug-in's configuration: vocoder path, and the GC kept from blocking gen-2 collections; the
                    // runtime's default GC mode is measured in the same run as the reference.
                    if (NoteRenderer.HasDefaultVocoder(modelDir))
                    {
                        ctx.Status("loading the vocoder path");
                        using var vocoderPath = NoteRenderer.Load(modelDir, InversionPath.Vocoder);
                        ctx.Status("timing a keyboard fill, C# generator graph vs torch (same run)");
                        using var torchPath = new TorchNoteRenderer(GansynthModel.Load(modelDir), VocoderModel.Load(NoteRenderer.DefaultVocoderDir(modelDir)), InversionPath.Vocoder);
                        var keyboard = Enumerable.Range(vocoderPath.MinPitch, vocoderPath.MaxPitch - vocoderPath.MinPitch + 1)
                            .Select(p => new NoteRequest(NeuralSynth.Realtime.Latent.FromSeed(7, vocoderPath.LatentSize), p, 90)).ToList();
                        double Fill(INoteRenderer nr) { nr.Render(keyboard.Take(8).ToList(), default); var sw = System.Diagnostics.Stopwatch.StartNew(); nr.Render(keyboard, default); return sw.Elapsed.TotalSeconds; }
                        double graphFill = Fill(vocoderPath), torchFill = Fill(torchPath);
                        Row($"keyboard fill, {keyboard.Count} notes, vocoder path (generator + vocoder, as played), {get_num_threads()} torch thread(s)",
                            $"{graphFill:F2} s with the C# generator graph, {torchFill:F2} s with the torch generator ({torchFill / graphFill:F2}x); {keyboard.Count * 2.048 / graphFill:F0}x real time",
                            "<= 1 s", graphFill <= 1);
                        ctx.Status($"measuring process() while the vocoder path renders, two GC modes ({2 * loadSeconds:F0} s)");
                        AddLoad(Row, "vocoder path, GC Interactive (runtime default)",
                            EngineMeasurements.MeasureProcessWhileRendering(loadSeconds, renderer: vocoderPath, latencyMode: System.Runtime.GCLatencyMode.Interactive));
                        AddLoad(Row, "vocoder path, GC SustainedLowLatency (the plug-in's)",
                            EngineMeasurements.MeasureProcessWhileRendering(loadSeconds, renderer: vocoderPath, latencyMode: System.Runtime.GCLatencyMode.SustainedLowLatency));
                    }
                }
            });
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine("[grey]CPU figures are thread CPU time (robust on a shared machine); the process() worst case adds GC pauses that fell inside a call. Reference resamplers: dotnet run -c Release --project tests/NeuralSynth.Benchmarks -- quick[/]");
            return 0;
        });
        return cmd;
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
