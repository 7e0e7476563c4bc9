using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NeuralSynth.Dsp;
using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Dataset;
using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Vocoder;

public sealed record VocoderEvalOptions
{
    public required string ModelDir { get; init; }
    public required string DataDir { get; init; }
    public string Split { get; init; } = "test";
    /// Evaluate at most this many notes, spread evenly over the split (0 = all).
    public int MaxNotes { get; init; }
    public int[] GriffinLimIterations { get; init; } = [32, 100];
    /// Further vocoder model directories to evaluate on the same notes (e.g. the STFT-only pre-training snapshot).
    public string[] CompareModels { get; init; } = [];
    /// Skip PGHI (Griffin-Lim is skipped by passing no iteration counts): vocoder rows only.
    public bool SkipPghi { get; init; }
}

public sealed record SystemScore
{
    public required string System { get; init; }
    public required string Input { get; init; }
    public double MrStft { get; init; }
    public double LogSpectralDistanceDb { get; init; }
    public double MelCepstralDistortionDb { get; init; }
    /// Median |YIN f0 - nominal f0| in cents over notes where YIN found a pitch.
    public double MedianAbsCents { get; init; }
    /// Share of notes whose YIN f0 is within 50 cents of the nominal pitch (unvoiced counts as a miss).
    public double Within50Cents { get; init; }
    public double VoicedShare { get; init; }
    /// Median |cents| per MIDI pitch.
    public SortedDictionary<int, double> PerPitchMedianAbsCents { get; init; } = new();
    public double SecondsPerNote { get; init; }
}

public sealed record VocoderEvalReport
{
    public required string Model { get; init; }
    public required string Data { get; init; }
    public required string Split { get; init; }
    public int Notes { get; init; }
    public required List<SystemScore> Systems { get; init; }
    public double VocoderRealTimeFactor { get; init; }
    public double TorchRealTimeFactor { get; init; }
    public double SynthesisRealTimeFactor { get; init; }
    public double ExcitationRealTimeFactor { get; init; }
    public long VocoderParameters { get; init; }
    /// Dedicated speed runs (Stopwatch, one torch thread): batch 1 and batch 8, excitation cached per pitch, and batch 1 uncached.
    public List<VocoderSpeedResult> Speed { get; init; } = new();

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Vocoder evaluation on `{Data}` split `{Split}` ({Notes} held-out notes, 16 kHz, {Notes * 2.048 / 60:F1} min of audio).");
        sb.AppendLine();
        sb.AppendLine("| system | input | MR-STFT ↓ | LSD (dB) ↓ | MCD (dB) ↓ | YIN median abs cents ↓ | within 50 cents ↑ | s/note |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var s in Systems)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.System} | {s.Input} | {s.MrStft:F3} | {s.LogSpectralDistanceDb:F2} | {s.MelCepstralDistortionDb:F2} | {s.MedianAbsCents:F1} | {100 * s.Within50Cents:F1}% | {s.SecondsPerNote:F3} |"));
        sb.AppendLine();
        sb.AppendLine("MR-STFT: mean over FFT sizes 512/1024/2048 (hop n/4) of spectral convergence + log-magnitude L1 (SpectralMetrics). " +
                      "LSD: log-spectral distance, n_fft 1024 hop 256. MCD: 13 MFCCs without c0. Pitch: YIN median f0 of the output against the note's MIDI pitch.");
        sb.AppendLine("All systems start from the same ground-truth log-mel (80 mels, n_fft 1024, hop 256, 30-8000 Hz). " +
                      "Griffin-Lim and PGHI invert the linear magnitude recovered from that mel (non-negative least squares through the mel matrix), with no phase. " +
                      "The vocoder receives the log-mel and the f0 of the note's MIDI pitch. " +
                      "\"+ mel post-filter\": the vocoder's output with each STFT frame rescaled per mel band until its mel matches the input (MelPostFilter, 2 passes; phase and pitch are the vocoder's).");
        sb.AppendLine();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Vocoder speed during this evaluation (batch 1, first call included, machine shared): {VocoderRealTimeFactor:F0}x real time overall; torch band generators {TorchRealTimeFactor:F0}x, C# SIMD filter-bank synthesis {SynthesisRealTimeFactor:F0}x, excitation {ExcitationRealTimeFactor:F0}x (cached per pitch). {VocoderParameters:N0} parameters."));
        if (Speed.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("| speed run (torch threads = 1) | total | torch band generators | SIMD filter-bank synthesis | excitation | mel post-filter |");
            sb.AppendLine("|---|---|---|---|---|---|");
            foreach (var sp in Speed)
            {
                string what = $"batch {sp.Batch}, {sp.Notes} notes of 2.048 s{(sp.CachedExcitation ? "" : ", excitation not cached")}";
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {what}: x real time by thread CPU time (one core) | {sp.CpuTotalRealTime:F0}x | {sp.CpuTorchRealTime:F0}x | {sp.CpuSynthesisRealTime:F0}x | {sp.CpuExcitationRealTime:F0}x | {(sp.PostFilterCpuMs > 0 ? $"{sp.CpuPostFilterRealTime:F0}x" : "off")} |"));
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {what}: x real time by wall clock (shared machine) | {sp.TotalRealTime:F0}x | {sp.TorchRealTime:F0}x | {sp.SynthesisRealTime:F0}x | {sp.ExcitationRealTime:F0}x | {(sp.PostFilterMs > 0 ? $"{sp.PostFilterRealTime:F0}x" : "off")} |"));
            }
        }
        sb.AppendLine();
        sb.AppendLine("Median abs cents per octave (MIDI range):");
        sb.AppendLine();
        var octaves = Systems.SelectMany(s => s.PerPitchMedianAbsCents.Keys).Distinct().Select(p => p / 12).Distinct().OrderBy(o => o).ToList();
        sb.AppendLine("| system | " + string.Join(" | ", octaves.Select(o => $"{o * 12}-{o * 12 + 11}")) + " |");
        sb.AppendLine("|---|" + string.Concat(octaves.Select(_ => "---|")));
        foreach (var s in Systems)
        {
            var cells = octaves.Select(o =>
            {
                var v = s.PerPitchMedianAbsCents.Where(p => p.Key / 12 == o).Select(p => p.Value).Where(double.IsFinite).OrderBy(x => x).ToList();
                return v.Count == 0 ? "-" : v[v.Count / 2].ToString("F1", CultureInfo.InvariantCulture);
            });
            sb.AppendLine($"| {s.System} | " + string.Join(" | ", cells) + " |");
        }
        return sb.ToString();
    }
}

/// `eval vocoder`: held-out notes -> log-mel -> each system -> metrics against the original recording.
public static class VocoderEvaluator
{
    public static VocoderEvalReport Run(VocoderEvalOptions options, Action<int, int>? progress = null)
    {
        using var vocoder = VocoderModel.Load(options.ModelDir);
        var spectral = vocoder.Config.Spectral;
        var others = options.CompareModels.Select(VocoderModel.Load).ToList();
        // Raw rows are the network alone; the post-filter gets its own row whatever config.json says.
        vocoder.PostFilter = false;
        foreach (var o in others) o.PostFilter = false;
        foreach (var o in others)
            if (o.Config.Spectral != spectral) throw new ArgumentException($"{o.Directory}: its spectral config differs from {options.ModelDir}'s");
        var ds = NoteDataset.Load(options.DataDir, options.Split);
        var examples = ds.Examples.ToList();
        if (options.MaxNotes > 0 && examples.Count > options.MaxNotes)
            examples = Enumerable.Range(0, options.MaxNotes).Select(i => examples[(int)((long)i * examples.Count / options.MaxNotes)]).ToList();
        if (examples.Count == 0) throw new ArgumentException($"{options.DataDir}/{options.Split}: no notes");

        using var mel = new MelSpectrogram(spectral);
        using var inverse = new MelInverse(mel.MelMatrix);
        var systems = new List<(string Name, string Input)>
        {
            ("ground truth", "the recording itself"),
            ("multiband vocoder (ours)", "log-mel + MIDI f0"),
            ("multiband vocoder + mel post-filter", "log-mel + MIDI f0"),
        };
        foreach (var o in others) systems.Add(($"vocoder `{o.Directory}`", "log-mel + MIDI f0"));
        foreach (int it in options.GriffinLimIterations) systems.Add(($"Griffin-Lim {it} it.", "NNLS linear magnitude from the mel"));
        if (!options.SkipPghi) systems.Add(("PGHI", "NNLS linear magnitude from the mel"));
        var scores = systems.Select(_ => new Accumulator()).ToArray();
        MelPostFilter? postFilter = null;
        double excitationMs = 0, torchMs = 0, synthMs = 0;
        long vocodedSamples = 0;

        for (int n = 0; n < examples.Count; n++)
        {
            var e = examples[n];
            if (e.SampleRate != spectral.SampleRate) throw new ArgumentException($"{ds.AudioPath(e)}: {e.SampleRate} Hz, the vocoder works at {spectral.SampleRate} Hz");
            var reference = spectral.FitLength(ds.LoadAudio(e, spectral.SampleRate));
            float f0 = (float)Yin.MidiToHz(e.Pitch);
            var logMel = mel.LogMel(reference);
            int frames = logMel.GetLength(1);
            var magnitude = inverse.LinearMagnitude(logMel); // [frames + 1, bins] frame-major

            var outputs = new List<(float[] Audio, double Seconds)>();
            outputs.Add((reference, 0));
            var clock = Stopwatch.StartNew();
            var ours = vocoder.Synthesize(logMel, [f0]);
            outputs.Add((ours, clock.Elapsed.TotalSeconds));
            var t = vocoder.LastTimings!;
            excitationMs += t.ExcitationMs; torchMs += t.TorchMs; synthMs += t.SynthesisMs; vocodedSamples += t.Samples;
            clock.Restart();
            postFilter ??= new MelPostFilter(spectral);
            var filtered = postFilter.Apply(ours, logMel);
            outputs.Add((filtered, outputs[1].Seconds + clock.Elapsed.TotalSeconds));
            foreach (var o in others)
            {
                clock.Restart();
                var y = o.Synthesize(logMel, [f0]);
                outputs.Add((y, clock.Elapsed.TotalSeconds));
            }
            foreach (int it in options.GriffinLimIterations)
            {
                clock.Restart();
                var gl = GriffinLim.Reconstruct(magnitude, frames + 1, spectral.NFft, spectral.Hop, it, length: reference.Length);
                outputs.Add((gl, clock.Elapsed.TotalSeconds));
            }
            if (!options.SkipPghi)
            {
                clock.Restart();
                var pghi = Pghi.Reconstruct(magnitude, frames + 1, spectral.NFft, spectral.Hop, length: reference.Length);
                outputs.Add((pghi, clock.Elapsed.TotalSeconds));
            }

            for (int s = 0; s < outputs.Count; s++)
                scores[s].Add(reference, outputs[s].Audio, spectral.SampleRate, e.Pitch, f0, outputs[s].Seconds);
            progress?.Invoke(n + 1, examples.Count);
        }

        double audioSeconds = vocodedSamples / (double)spectral.SampleRate;
        var speed = new List<VocoderSpeedResult>
        {
            VocoderSpeed.Measure(vocoder, 1, 8),
            VocoderSpeed.Measure(vocoder, 8, 2),
            VocoderSpeed.Measure(vocoder, 1, 8, cachedExcitation: false),
        };
        vocoder.PostFilter = true;
        speed.Add(VocoderSpeed.Measure(vocoder, 1, 8));
        vocoder.PostFilter = false;
        var report = new VocoderEvalReport
        {
            Model = options.ModelDir,
            Data = options.DataDir,
            Split = options.Split,
            Notes = examples.Count,
            Systems = systems.Select((s, i) => scores[i].Result(s.Name, s.Input)).ToList(),
            VocoderRealTimeFactor = audioSeconds / ((excitationMs + torchMs + synthMs) / 1000),
            TorchRealTimeFactor = audioSeconds / (torchMs / 1000),
            SynthesisRealTimeFactor = audioSeconds / (synthMs / 1000),
            ExcitationRealTimeFactor = audioSeconds / Math.Max(1e-9, excitationMs / 1000),
            VocoderParameters = vocoder.ParameterCount,
            Speed = speed,
        };
        foreach (var o in others) o.Dispose();
        return report;
    }

    public static void Write(VocoderEvalReport report, string outDir)
    {
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "vocoder_eval.md"), report.ToMarkdown());
        File.WriteAllText(Path.Combine(outDir, "vocoder_eval.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions
        {
            WriteIndented = true,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
    }

    sealed class Accumulator
    {
        readonly List<double> mrStft = new(), lsd = new(), mcd = new(), cents = new();
        readonly Dictionary<int, List<double>> perPitch = new();
        int notes, within50, voiced;
        double seconds;

        public void Add(float[] reference, float[] estimate, int sampleRate, int pitch, float f0, double secs)
        {
            notes++;
            seconds += secs;
            mrStft.Add(SpectralMetrics.MultiResolutionStftDistance(reference, estimate).Total);
            lsd.Add(SpectralMetrics.LogSpectralDistance(reference, estimate));
            mcd.Add(SpectralMetrics.MelCepstralDistortion(reference, estimate, sampleRate));
            float est = Yin.MedianPitch(estimate, sampleRate, 25f, 2000f);
            if (float.IsNaN(est) || !(est > 0)) return;
            voiced++;
            double c = Math.Abs(Yin.Cents(est, f0));
            cents.Add(c);
            if (c <= 50) within50++;
            if (!perPitch.TryGetValue(pitch, out var list)) perPitch[pitch] = list = new();
            list.Add(c);
        }

        public SystemScore Result(string name, string input) => new()
        {
            System = name,
            Input = input,
            MrStft = mrStft.Average(),
            LogSpectralDistanceDb = lsd.Average(),
            MelCepstralDistortionDb = mcd.Average(),
            MedianAbsCents = Median(cents),
            Within50Cents = notes == 0 ? 0 : within50 / (double)notes,
            VoicedShare = notes == 0 ? 0 : voiced / (double)notes,
            PerPitchMedianAbsCents = new SortedDictionary<int, double>(perPitch.ToDictionary(p => p.Key, p => Median(p.Value))),
            SecondsPerNote = notes == 0 ? 0 : seconds / notes,
        };

        static double Median(List<double> v)
        {
            if (v.Count == 0) return double.NaN;
            var s = v.OrderBy(x => x).ToList();
            return s.Count % 2 == 1 ? s[s.Count / 2] : 0.5 * (s[s.Count / 2 - 1] + s[s.Count / 2]);
        }
    }
}

/// Log-mel -> linear STFT magnitude for the phase-retrieval baselines: non-negative least squares through the mel
/// matrix (projected gradient from the clamped pseudo-inverse), the usual way to give Griffin-Lim a mel input.
public sealed class MelInverse : IDisposable
{
    readonly Tensor mel, melT, pinv;
    readonly float step;
    const int Iterations = 100;

    public MelInverse(Tensor melMatrix)
    {
        mel = melMatrix.detach().clone();       // [n_mels, bins]
        melT = mel.t().contiguous();            // [bins, n_mels]
        pinv = linalg.pinv(mel);                // [bins, n_mels]
        using var gram = mel.matmul(melT);
        step = 1f / linalg.eigvalsh(gram).max().item<float>();
    }

    /// [n_mels, frames] log-mel -> frame-major [frames + 1, bins] magnitude (the last frame repeated: a centred STFT
    /// of frames * hop samples has frames + 1 frames; MelSpectrogram drops the last, padding-only one).
    public float[] LinearMagnitude(float[,] logMel)
    {
        using var scope = NewDisposeScope();
        int mels = logMel.GetLength(0), frames = logMel.GetLength(1);
        var flat = new float[mels * frames];
        Buffer.BlockCopy(logMel, 0, flat, 0, flat.Length * sizeof(float));
        var y = tensor(flat, [mels, frames]).exp();
        var x = pinv.matmul(y).clamp_min(S(0f));
        using var stepSize = step.ToScalar(); // computed from the matrix: held for the call, not a cached constant (see TorchScalars)
        for (int i = 0; i < Iterations; i++)
            x = (x - melT.matmul(mel.matmul(x) - y) * stepSize).clamp_min(S(0f));
        x = cat([x, x.narrow(1, frames - 1, 1)], 1); // [bins, frames + 1]
        return x.t().contiguous().data<float>().ToArray();
    }

    public void Dispose() { mel.Dispose(); melT.Dispose(); pinv.Dispose(); }
}
