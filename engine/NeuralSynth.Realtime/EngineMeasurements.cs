using System.Diagnostics;
using System.Runtime.InteropServices;

namespace NeuralSynth.Realtime;

/// The real-time engine's performance and quality measurements, shared by the BenchmarkDotNet
/// project and `neuralsynth bench` so both report the same numbers the same way. Not used by the
/// engine itself. Notes are synthesized harmonic tones (AdditiveStandInRenderer), not a model.
public static partial class EngineMeasurements
{
    [StructLayout(LayoutKind.Sequential)] struct TimeSpec { public long Sec, Nsec; }
    [LibraryImport("libc", EntryPoint = "clock_gettime")] private static partial int ClockGetTime(int clock, out TimeSpec t);

    /// CPU time consumed by the calling thread (Linux CLOCK_THREAD_CPUTIME_ID), in seconds; falls back
    /// to wall time elsewhere. On a loaded machine wall time counts other processes' time slices;
    /// thread CPU time does not, so the per-core figures below use it.
    public static double ThreadCpuSeconds()
    {
        try { if (ClockGetTime(3, out var t) == 0) return t.Sec + t.Nsec * 1e-9; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    }

    public const string StandInModelId = "additive-stand-in";

    /// The machine's own floor under the process() figures: a thread that does nothing but read its CPU clock. On a
    /// virtual machine, time the hypervisor takes from a vCPU can be charged to the thread running on it; measured here,
    /// such an idle loop saw jumps of 1-3 ms of "CPU" between two consecutive reads a few times a minute. Returns how
    /// many jumps exceeded `thresholdMs` and the largest, over `seconds`.
    public static (int Jumps, double MaxMs) MeasureClockJumps(double seconds, double thresholdMs)
    {
        int jumps = 0; double max = 0;
        var t = new Thread(() =>
        {
            long end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            double last = ThreadCpuSeconds();
            while (Stopwatch.GetTimestamp() < end)
            {
                double c = ThreadCpuSeconds(), step = (c - last) * 1000;
                if (step > thresholdMs) jumps++;
                if (step > max) max = step;
                last = c;
            }
        }) { Name = "bench clock floor", Priority = ThreadPriority.Highest };
        t.Start();
        t.Join();
        return (jumps, max);
    }

    /// A cache holding stand-in notes (2 s at 16 kHz, loops found) for pitches 24-84 in one layer.
    /// With `vibrato`, the string family's median vibrato (8.6 cents at 5.18 Hz) plus the mod wheel at half, and the note-ons spread over
    /// the first block so that each note's vibrato steps (every 128 samples of its own time) fall mid-block: the
    /// pieces a swinging voice is rendered in, at their most.
    public static (VoiceCache Cache, VoiceEngine Engine, Latent Z) PlayingEngine(int voices, double hostRate = 48000, int block = 128, bool vibrato = false)
    {
        var z = Latent.FromSeed(1, 8);
        var cache = new VoiceCache();
        for (int p = 24; p <= 84; p++)
            cache.Add(CachedNote.Create(new NoteKey(StandInModelId, z.Hash, p, 2), AdditiveStandInRenderer.Synthesize(p, 1.0, 16000, 2.0), 16000));
        var engine = new VoiceEngine(cache, null, new VoiceEngineOptions
        {
            RetriggerReleasesPrevious = false, // so N note-ons make N voices even with repeated pitches
            Polyphony = Math.Clamp(voices, 1, 512),
            Model = new ModelInfo(StandInModelId, 16000, 24, 84),
        });
        engine.SetSampleRate(hostRate, block);
        engine.SetTimbre(z);
        if (vibrato) { engine.SetVibrato(8.6, 35, 5.18); engine.ModWheel(0, 0.5f); }
        // Voices spread over the keyboard and beyond it (transposed), all held and looping.
        for (int i = 0; i < voices; i++) engine.NoteOn(vibrato ? 1 + i * 37 % (block - 1) : 0, 24 + (i * 7) % 80, 127);
        var l = new float[block]; var r = new float[block];
        engine.Process(l, r);
        return (cache, engine, z);
    }

    public readonly record struct VoiceLoad(int Voices, double HostRate, int Block, double SecondsPerBlock, double FractionOfCore, double VoicesPerCore);

    /// Time Process() with `voices` held notes and a slowly moving pitch bend (the time-varying
    /// ratio path), single thread. FractionOfCore = CPU time / audio time; VoicesPerCore = voices /
    /// FractionOfCore, i.e. how many such voices one core renders in real time.
    public static VoiceLoad MeasureVoices(int voices, double seconds = 2.0, double hostRate = 48000, int block = 128, bool vibrato = false)
    {
        var (_, engine, _) = PlayingEngine(voices, hostRate, block, vibrato);
        var l = new float[block]; var r = new float[block];
        int blocks = (int)(seconds * hostRate / block);
        // Warm-up long enough for tiered JIT to replace the first-tier code (200 blocks measured tier-0 code: 64
        // voices read 8.7% of a core, against 4% once optimized).
        var warm = System.Diagnostics.Stopwatch.StartNew();
        for (int b = 0; b < 200 || warm.ElapsedMilliseconds < 500; b++) { engine.PitchBend(0, MathF.Sin(b * 0.01f)); engine.Process(l, r); }
        double t0 = ThreadCpuSeconds();
        for (int b = 0; b < blocks; b++) { engine.PitchBend(0, MathF.Sin(b * 0.01f)); engine.Process(l, r); }
        double elapsed = ThreadCpuSeconds() - t0;
        double perBlock = elapsed / blocks, period = block / hostRate;
        double fraction = perBlock / period;
        return new VoiceLoad(engine.ActiveVoices, hostRate, block, perBlock, fraction, engine.ActiveVoices / fraction);
    }

    public readonly record struct ResamplerQuality(double MinSnrDb, double MinStopbandDb);

    /// Quality of any resampler `resample(input, inRate, outRate) -> output`, fed 1 s sines at
    /// frequencies up to 75% of the input Nyquist. SNR: fit the ideal sine (amplitude, phase and DC,
    /// so delay and passband gain do not count) and compare with the residual, worst over the
    /// frequencies. Stopband: how far the strongest image (input rate ± f, folded into the output band)
    /// lies below the tone, worst over the frequencies.
    public static ResamplerQuality MeasureQuality(Func<float[], int, int, float[]> resample, int inRate, int outRate)
    {
        double minSnr = double.PositiveInfinity, minStop = double.PositiveInfinity;
        foreach (double rel in new[] { 0.05, 0.2, 0.45, 0.75 })
        {
            double hz = rel * inRate / 2;
            var input = new float[inRate];
            for (int i = 0; i < input.Length; i++) input[i] = (float)(0.5 * Math.Sin(2 * Math.PI * hz * i / inRate));
            var output = resample(input, inRate, outRate);
            int from = outRate / 5, to = Math.Min(output.Length, outRate * 4 / 5);
            var seg = output.AsSpan(from, to - from);
            minSnr = Math.Min(minSnr, FitSnrDb(seg, hz / outRate, from));
            double tone = ToneAmplitude(seg, hz / outRate);
            foreach (double image in new[] { inRate - hz, inRate + hz, 2.0 * inRate - hz })
            {
                double folded = Math.Abs(((image + outRate / 2.0) % outRate) - outRate / 2.0);
                if (Math.Abs(folded - hz) < 50) continue; // coincides with the tone itself
                minStop = Math.Min(minStop, 20 * Math.Log10(tone / ToneAmplitude(seg, folded / outRate)));
            }
        }
        return new ResamplerQuality(minSnr, minStop);
    }

    static double FitSnrDb(ReadOnlySpan<float> y, double freq, int offset)
    {
        // Least squares on [sin, cos, 1]: normal equations, 3x3.
        Span<double> m = stackalloc double[9]; Span<double> v = stackalloc double[3];
        for (int j = 0; j < y.Length; j++)
        {
            double w = 2 * Math.PI * freq * (j + offset);
            double a = Math.Sin(w), b = Math.Cos(w);
            ReadOnlySpan<double> basis = [a, b, 1];
            for (int p = 0; p < 3; p++) { v[p] += basis[p] * y[j]; for (int q = 0; q < 3; q++) m[p * 3 + q] += basis[p] * basis[q]; }
        }
        var c = Solve3(m, v);
        double sig = 0, err = 0;
        for (int j = 0; j < y.Length; j++)
        {
            double w = 2 * Math.PI * freq * (j + offset);
            double fit = c.A * Math.Sin(w) + c.B * Math.Cos(w) + c.C;
            sig += fit * fit; err += (y[j] - fit) * (y[j] - fit);
        }
        return 10 * Math.Log10(sig / Math.Max(err, 1e-30));
    }

    static (double A, double B, double C) Solve3(Span<double> m, Span<double> v)
    {
        for (int col = 0; col < 3; col++)
        {
            int piv = col;
            for (int r = col + 1; r < 3; r++) if (Math.Abs(m[r * 3 + col]) > Math.Abs(m[piv * 3 + col])) piv = r;
            if (piv != col) { for (int k = 0; k < 3; k++) (m[col * 3 + k], m[piv * 3 + k]) = (m[piv * 3 + k], m[col * 3 + k]); (v[col], v[piv]) = (v[piv], v[col]); }
            for (int r = 0; r < 3; r++)
            {
                if (r == col) continue;
                double f = m[r * 3 + col] / m[col * 3 + col];
                for (int k = 0; k < 3; k++) m[r * 3 + k] -= f * m[col * 3 + k];
                v[r] -= f * v[col];
            }
        }
        return (v[0] / m[0], v[1] / m[4], v[2] / m[8]);
    }

    /// Amplitude of one frequency (cycles/sample) through a 4-term Blackman-Harris window (-92 dB sidelobes).
    public static double ToneAmplitude(ReadOnlySpan<float> x, double freq)
    {
        double re = 0, im = 0, wsum = 0;
        int n = x.Length;
        for (int i = 0; i < n; i++)
        {
            double t = 2 * Math.PI * i / (n - 1);
            double w = 0.35875 - 0.48829 * Math.Cos(t) + 0.14128 * Math.Cos(2 * t) - 0.01168 * Math.Cos(3 * t);
            re += w * x[i] * Math.Cos(2 * Math.PI * freq * i);
            im -= w * x[i] * Math.Sin(2 * Math.PI * freq * i);
            wsum += w;
        }
        return 2 * Math.Sqrt(re * re + im * im) / wsum + 1e-30;
    }

    public readonly record struct CacheFill(int Notes, double Seconds, double NotesPerSecond, double AudioSecondsPerSecond);

    /// Cache fill rate: FillKeyboard for one new timbre in the given layers through a RenderScheduler
    /// (one worker, batches of `batch`), timed until every note is cached.
    public static CacheFill MeasureCacheFill(INoteRenderer model, IReadOnlyList<int> layers, int batch = 8, long seed = 12345)
    {
        var renderer = new CountingRenderer(model);
        var cache = new VoiceCache(4L * 1024 * 1024 * 1024);
        using var scheduler = new RenderScheduler(renderer, cache, new RenderSchedulerOptions { BatchSize = batch });
        var z = Latent.FromSeed(seed, renderer.LatentSize);
        var keys = new List<NoteKey>();
        foreach (int l in layers) for (int p = renderer.MinPitch; p <= renderer.MaxPitch; p++) keys.Add(scheduler.KeyFor(z, p, l));
        long t0 = Stopwatch.GetTimestamp();
        scheduler.FillKeyboard(z, layers);
        scheduler.WaitUntilRendered(keys);
        double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        double audio = Interlocked.Read(ref renderer.Samples) / (double)renderer.SampleRate;
        return new CacheFill(keys.Count, seconds, keys.Count / seconds, audio / seconds);
    }

    /// Counts the samples a renderer produced (the cache keeps only up to the loop end).
    sealed class CountingRenderer(INoteRenderer inner) : INoteRenderer
    {
        public long Samples;
        public string ModelId => inner.ModelId;
        public int SampleRate => inner.SampleRate;
        public int LatentSize => inner.LatentSize;
        public int MinPitch => inner.MinPitch;
        public int MaxPitch => inner.MaxPitch;
        public float[][] Render(IReadOnlyList<NoteRequest> requests, CancellationToken cancel)
        {
            var notes = inner.Render(requests, cancel);
            foreach (var n in notes) Interlocked.Add(ref Samples, n.Length);
            return notes;
        }
    }

    /// Our resampler as a whole-buffer function (for MeasureQuality and throughput).
    public static float[] ResampleWhole(float[] input, int inRate, int outRate, PolyphaseFilter? filter = null, int width = -1)
    {
        filter ??= DefaultFilter;
        var padded = new float[CachedNote.Padding + input.Length + CachedNote.Padding];
        input.CopyTo(padded, CachedNote.Padding);
        var output = new float[(int)((long)input.Length * outRate / inRate)];
        double pos = 0;
        Resampler.Process(filter, padded, CachedNote.Padding, ref pos, (double)inRate / outRate, -1, 0, input.Length, output,
            width < 0 ? Simd.MaxVectorWidth : Simd.Clamp(width));
        return output;
    }

    public static readonly PolyphaseFilter DefaultFilter = new();

    /// Output samples per second of thread CPU time for `resample` on 10 s of noise (mono).
    public static double MeasureThroughput(Func<float[], int, int, float[]> resample, int inRate, int outRate, int repeats = 5)
    {
        var rng = new Random(1);
        var input = new float[inRate * 10];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() - 0.5);
        resample(input, inRate, outRate); // warm-up
        double best = double.MaxValue; long outCount = 0;
        for (int k = 0; k < repeats; k++)
        {
            double t0 = ThreadCpuSeconds();
            outCount = resample(input, inRate, outRate).Length;
            best = Math.Min(best, ThreadCpuSeconds() - t0);
        }
        return outCount / best;
    }

    public readonly record struct ProcessUnderLoad(double BlockPeriodMs, int Blocks, int NotesRendered, int Gen0, int Gen1, int Gen2,
        double MeanCpuMs, double P999CpuMs, double MaxCpuMs, double MaxGcPauseMs, double MaxCpuPlusGcMs /* max over blocks of min(wall, cpu + gc) */,
        double P999WallMs, double MaxWallMs, double LoadAverage, long AudioThreadAllocatedBytes = -1, int TimbreChanges = 0,
        double MaxJitMs = 0, double MaxCpuPlusGcWithoutJitMs = 0, int BlocksOverQuarter = -1, double P9999CpuPlusGcMs = 0);

    /// Worst-case Process() time while a render worker is busy: `voices` held voices with bends and
    /// note churn on a paced "audio" thread (one block per block period, like a host), while a
    /// RenderScheduler keeps re-rendering the whole keyboard for new timbres with the CPU-heavy,
    /// allocating AdditiveStandInRenderer (a load generator, not a model).
    /// Per block it records the audio thread's CPU time, the GC pause time that fell inside the call
    /// (a blocking GC suspends the audio thread too), and wall time. On a machine loaded by other
    /// processes wall time mostly measures their time slices, so per block the figure that speaks for
    /// the engine is min(wall, CPU + GC pause) (the GC pause total only moves when a GC ends, so it can
    /// also count pause from before the call); wall time is reported alongside with the load average.
    public static ProcessUnderLoad MeasureProcessWhileRendering(double seconds = 10, int voices = 64, double hostRate = 48000, int block = 128, int workFactor = 4,
        System.Runtime.GCLatencyMode? latencyMode = null, INoteRenderer? renderer = null)
    {
        var previousMode = System.Runtime.GCSettings.LatencyMode;
        if (latencyMode is { } mode) System.Runtime.GCSettings.LatencyMode = mode;
        try { return MeasureUnderLoad(seconds, voices, hostRate, block, workFactor, renderer); }
        finally { System.Runtime.GCSettings.LatencyMode = previousMode; }
    }

    static ProcessUnderLoad MeasureUnderLoad(double seconds, int voices, double hostRate, int block, int workFactor, INoteRenderer? model)
    {
        var (_, engine, _) = PlayingEngine(voices, hostRate, block);
        var standIn = new AdditiveStandInRenderer(StandInModelId + "-load") { WorkFactor = workFactor, AllocateScratch = true };
        var renderer = model ?? standIn;
        int rendered = 0;
        using var scheduler = new RenderScheduler(renderer, new VoiceCache(64L * 1024 * 1024), new RenderSchedulerOptions { BatchSize = 4 });
        scheduler.NoteReady += _ => Interlocked.Increment(ref rendered);
        int blocks = (int)(seconds * hostRate / block);
        var cpu = new double[blocks]; var wall = new double[blocks]; var gc = new double[blocks];
        double period = block / hostRate;
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var audio = new Thread(() =>
        {
            var l = new float[block]; var r = new float[block];
            var rng = new Random(2);
            long start = Stopwatch.GetTimestamp();
            double tick = Stopwatch.Frequency;
            for (int b = 0; b < blocks; b++)
            {
                long deadline = start + (long)(b * period * tick);
                while (Stopwatch.GetTimestamp() < deadline - tick / 2000) Thread.Sleep(0);
                while (Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(20);
                if (b % 8 == 0) { int p = 24 + rng.Next(80); engine.NoteOff(rng.Next(block), p); engine.NoteOn(rng.Next(block), p, 100); }
                engine.PitchBend(rng.Next(block), MathF.Sin(b * 0.01f));
                var pause0 = GC.GetTotalPauseDuration();
                double c0 = ThreadCpuSeconds();
                long t0 = Stopwatch.GetTimestamp();
                engine.Process(l, r);
                wall[b] = (Stopwatch.GetTimestamp() - t0) / tick;
                cpu[b] = ThreadCpuSeconds() - c0;
                gc[b] = (GC.GetTotalPauseDuration() - pause0).TotalSeconds;
            }
        }) { Name = "bench audio", Priority = ThreadPriority.Highest };
        audio.Start();
        // A new timbre whenever the previous keyboard is done, so the worker never idles. (Moving it
        // on a fixed clock instead cancels batches that take longer than the clock on a loaded machine,
        // and then nothing is rendered at all.)
        for (int s = 0; audio.IsAlive; )
        {
            if (scheduler.PendingCount == 0) scheduler.FillKeyboard(Latent.FromSeed(100 + s++, renderer.LatentSize));
            audio.Join(100);
        }
        return Summarize(period, rendered, (gen0, gen1, gen2), cpu, wall, gc);
    }

    /// First blocks of a process() run left out of its figures: JIT tiering of the audio path.
    const int SkipBlocks = 100;

    /// Per-block seconds (CPU, wall, GC pause) -> the run's figures in ms, with the GC counts since `gcAtStart`.
    static ProcessUnderLoad Summarize(double period, int rendered, (int, int, int) gcAtStart, double[] cpu, double[] wall, double[] gc)
    {
        int blocks = cpu.Length;
        var cpuS = cpu.Skip(SkipBlocks); var wallS = wall.Skip(SkipBlocks);
        double load = 0;
        try { load = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture); } catch (IOException) { }
        return new ProcessUnderLoad(period * 1000, blocks, rendered,
            GC.CollectionCount(0) - gcAtStart.Item1, GC.CollectionCount(1) - gcAtStart.Item2, GC.CollectionCount(2) - gcAtStart.Item3,
            cpuS.Average() * 1000, QuantileMs(cpuS, 0.999), cpuS.Max() * 1000, gc.Skip(SkipBlocks).Max() * 1000,
            Enumerable.Range(SkipBlocks, blocks - SkipBlocks).Max(b => Math.Min(wall[b], cpu[b] + gc[b])) * 1000,
            QuantileMs(wallS, 0.999), wallS.Max() * 1000, load);
    }

    static double QuantileMs(IEnumerable<double> seconds, double q)
    {
        var a = seconds.Order().ToArray();
        return a[Math.Min(a.Length - 1, (int)(q * a.Length))] * 1000;
    }

    /// The plug-in's situation while a musician automates timbre: a VoiceEngine wired to a RenderScheduler (one worker,
    /// as in the plug-in) on the real renderer, `voices` notes held and re-struck across the model's range on the
    /// audio thread, and an automation thread moving the timbre along a morph path every `moveSeconds` the whole time
    /// (each move fills a new keyboard and cancels the previous one, as SetTimbre does in the plug-in). Per block:
    /// Process() wall, thread CPU, GC pause and the bytes the audio thread allocated (GC.GetAllocatedBytesForCurrentThread).
    public static ProcessUnderLoad MeasureProcessWithTimbreAutomation(INoteRenderer renderer, double seconds = 60, int voices = 16, double hostRate = 48000,
        int block = 128, double moveSeconds = 0.25, System.Runtime.GCLatencyMode latencyMode = System.Runtime.GCLatencyMode.SustainedLowLatency)
    {
        var previousMode = System.Runtime.GCSettings.LatencyMode;
        System.Runtime.GCSettings.LatencyMode = latencyMode;
        try
        {
            var cache = new VoiceCache(128L * 1024 * 1024);
            int rendered = 0;
            using var scheduler = new RenderScheduler(renderer, cache, new RenderSchedulerOptions { Workers = 1 });
            scheduler.NoteReady += _ => Interlocked.Increment(ref rendered);
            var model = ModelInfo.From(renderer);
            var engine = new VoiceEngine(cache, scheduler, new VoiceEngineOptions { Model = model, Polyphony = 64, CancelOtherTimbres = false });
            engine.SetSampleRate(hostRate, block);
            // A morph path between four seeds, walked back and forth: every step is a new timbre (a new keyboard).
            var corners = Enumerable.Range(0, 4).Select(i => Latent.FromSeed(500 + i, renderer.LatentSize)).ToArray();
            var path = Enumerable.Range(0, 64).Select(i =>
            {
                double t = i / 63.0;
                return Timbre.TimbreControls.Morph(corners[0], corners[1], corners[2], corners[3], t, 0.5 + 0.5 * Math.Sin(6 * t));
            }).ToArray();
            engine.SetTimbre(path[0]);
            int blocks = (int)(seconds * hostRate / block);
            var cpu = new double[blocks]; var wall = new double[blocks]; var gc = new double[blocks]; var jit = new double[blocks];
            long allocated = 0;
            double period = block / hostRate;
            int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
            int moves = 0;
            var done = new ManualResetEventSlim();
            var automation = new Thread(() =>
            {
                for (int i = 1; !done.Wait(TimeSpan.FromSeconds(moveSeconds)); i++)
                {
                    int k = i % (2 * path.Length - 2);
                    engine.SetTimbre(path[k < path.Length ? k : 2 * path.Length - 2 - k]);
                    moves++;
                }
            }) { Name = "bench automation", IsBackground = true };
            var audio = new Thread(() =>
            {
                var l = new float[block]; var r = new float[block];
                var rng = new Random(3);
                var held = new int[voices];
                for (int v = 0; v < voices; v++) { held[v] = model.MinPitch + rng.Next(model.MaxPitch - model.MinPitch + 1); engine.NoteOn(0, held[v], 100); }
                long start = Stopwatch.GetTimestamp();
                double tick = Stopwatch.Frequency;
                for (int b = 0; b < blocks; b++)
                {
                    long deadline = start + (long)(b * period * tick);
                    while (Stopwatch.GetTimestamp() < deadline - tick / 2000) Thread.Sleep(0);
                    while (Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(20);
                    var pause0 = GC.GetTotalPauseDuration();
                    long bytes0 = GC.GetAllocatedBytesForCurrentThread();
                    var jit0 = System.Runtime.JitInfo.GetCompilationTime(currentThread: true);
                    double c0 = ThreadCpuSeconds();
                    long t0 = Stopwatch.GetTimestamp();
                    if (b % 16 == 0)
                    {
                        int v = rng.Next(voices);
                        engine.NoteOff(0, held[v]);
                        held[v] = model.MinPitch + rng.Next(model.MaxPitch - model.MinPitch + 1);
                        engine.NoteOn(rng.Next(block), held[v], 40 + rng.Next(88));
                    }
                    engine.Process(l, r);
                    wall[b] = (Stopwatch.GetTimestamp() - t0) / tick;
                    cpu[b] = ThreadCpuSeconds() - c0;
                    if (b >= SkipBlocks) allocated += GC.GetAllocatedBytesForCurrentThread() - bytes0;
                    jit[b] = (System.Runtime.JitInfo.GetCompilationTime(currentThread: true) - jit0).TotalSeconds;
                    gc[b] = (GC.GetTotalPauseDuration() - pause0).TotalSeconds;
                }
            }) { Name = "bench audio", Priority = ThreadPriority.Highest };
            automation.Start();
            audio.Start();
            audio.Join();
            done.Set();
            automation.Join();
            var kept = Enumerable.Range(SkipBlocks, blocks - SkipBlocks);
            double Worst(int b) => Math.Min(wall[b], cpu[b] + gc[b]);
            return Summarize(period, rendered, (gen0, gen1, gen2), cpu, wall, gc) with
            {
                AudioThreadAllocatedBytes = allocated,
                TimbreChanges = moves,
                MaxJitMs = jit.Skip(SkipBlocks).Max() * 1000,
                MaxCpuPlusGcWithoutJitMs = kept.Where(b => jit[b] == 0).Select(Worst).DefaultIfEmpty(0).Max() * 1000,
                BlocksOverQuarter = kept.Count(b => Worst(b) > 0.25 * period),
                P9999CpuPlusGcMs = QuantileMs(kept.Select(Worst), 0.9999),
            };
        }
        finally { System.Runtime.GCSettings.LatencyMode = previousMode; }
    }
}
