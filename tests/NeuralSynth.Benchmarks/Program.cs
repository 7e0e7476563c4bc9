using BenchmarkDotNet.Running;
using NeuralSynth.Benchmarks;
using NeuralSynth.Realtime;

// dotnet run -c Release --project tests/NeuralSynth.Benchmarks -- quick      (the figures of the issue targets, ~1 min; "load": only the process-while-rendering part)
// dotnet run -c Release --project tests/NeuralSynth.Benchmarks -- --filter '*'  (BenchmarkDotNet suites)
if (args.Length > 0 && args[0] is "quick" or "load")
{
    bool all = args[0] == "quick";
    Console.WriteLine($"CPU vector width: {Simd.Detected} bits, {Environment.ProcessorCount} cores");
    if (all) foreach (int voices in new[] { 64, 512 })
    {
        var m = EngineMeasurements.MeasureVoices(voices);
        Console.WriteLine($"voices {m.Voices,4} @48k/128: {m.SecondsPerBlock * 1e6,8:F1} us/block = {m.FractionOfCore * 100,6:F2}% of one core -> {m.VoicesPerCore,7:F0} voices per core");
    }
    Console.WriteLine();
    Console.WriteLine($"{"resampler",-28} {"rates",-12} {"SNR dB",8} {"stopband dB",12} {"Msamples/s",11} {"x libsamplerate",16}");
    if (all) foreach (var (inRate, outRate) in new[] { (16000, 48000), (44100, 48000) })
    {
        var candidates = new (string Name, Func<float[], int, int, float[]> F)[]
        {
            ("NeuralSynth (SIMD " + Simd.Detected + ")", (x, a, b) => EngineMeasurements.ResampleWhole(x, a, b)),
            ("NeuralSynth (scalar)", (x, a, b) => EngineMeasurements.ResampleWhole(x, a, b, width: 0)),
            ("libsamplerate SINC_FASTEST", ReferenceResamplers.LibSampleRateSincFastest),
            ("soxr HQ", (x, a, b) => ReferenceResamplers.Soxr(x, a, b, ReferenceResamplers.SOXR_HQ)),
            ("soxr LQ", (x, a, b) => ReferenceResamplers.Soxr(x, a, b, ReferenceResamplers.SOXR_LQ)),
        };
        double reference = EngineMeasurements.MeasureThroughput(candidates[2].F, inRate, outRate);
        foreach (var (name, f) in candidates)
        {
            var q = EngineMeasurements.MeasureQuality(f, inRate, outRate);
            double t = f == candidates[2].F ? reference : EngineMeasurements.MeasureThroughput(f, inRate, outRate);
            Console.WriteLine($"{name,-28} {inRate / 1000.0:F1}->{outRate / 1000}k {q.MinSnrDb,8:F1} {q.MinStopbandDb,12:F1} {t / 1e6,11:F1} {t / reference,16:F2}");
        }
    }
    Console.WriteLine();
    foreach (var mode in new[] { System.Runtime.GCSettings.LatencyMode, System.Runtime.GCLatencyMode.SustainedLowLatency })
    {
    var w = EngineMeasurements.MeasureProcessWhileRendering(latencyMode: mode);
    Console.WriteLine($"Process() with 64 voices while rendering (GC latency mode {mode}, concurrent GC {System.Runtime.GCSettings.IsServerGC switch { _ => AppContext.GetData("System.GC.Concurrent") ?? "default" }}): {w.Blocks} blocks, {w.NotesRendered} notes rendered meanwhile, GCs gen0/1/2 {w.Gen0}/{w.Gen1}/{w.Gen2}, load average {w.LoadAverage:F1}");
    Console.WriteLine($"  block period {w.BlockPeriodMs:F3} ms");
    Console.WriteLine($"  audio-thread CPU: mean {w.MeanCpuMs:F3} ms, p99.9 {w.P999CpuMs:F3} ms, max {w.MaxCpuMs:F3} ms");
    Console.WriteLine($"  GC pause inside a call: max {w.MaxGcPauseMs:F3} ms; worst CPU + GC pause {w.MaxCpuPlusGcMs:F3} ms = {w.MaxCpuPlusGcMs / w.BlockPeriodMs * 100:F1}% of the period");
    Console.WriteLine($"  wall (includes other processes' time slices): p99.9 {w.P999WallMs:F3} ms, max {w.MaxWallMs:F3} ms");
    }
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(ResamplerBenchmarks).Assembly).Run(args);
