using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using NeuralSynth.Dsp;
using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Dataset;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Models.Timbre;
using NeuralSynth.Models.Vocoder;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Evaluation;

/// Everything `eval gansynth` reports, as written to eval.json.
public sealed record EvalReport
{
    [JsonPropertyName("created_utc")] public required string CreatedUtc { get; init; }
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("model_id")] public string? ModelId { get; init; }
    [JsonPropertyName("inversion_path")] public string? InversionPath { get; init; }
    [JsonPropertyName("vocoder")] public string? Vocoder { get; init; }
    [JsonPropertyName("data")] public required string Data { get; init; }
    [JsonPropertyName("classifier")] public required string Classifier { get; init; }
    [JsonPropertyName("generated_notes")] public int GeneratedNotes { get; init; }
    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("ndb_k")] public int NdbK { get; init; }
    /// FID(real test, real train) on the classifier's features: the yardstick generated sets are judged against.
    [JsonPropertyName("fid_train_vs_test")] public double FidTrainVsTest { get; init; }
    /// Precision and recall vs the real test notes of as many real train notes as generated ones (a fixed draw): the
    /// bar for a generated row's precision/recall, since both depend on the set sizes.
    [JsonPropertyName("train_draw_notes")] public int TrainDrawNotes { get; init; }
    [JsonPropertyName("train_precision_vs_test")] public double? TrainPrecision { get; init; }
    [JsonPropertyName("train_recall_vs_test")] public double? TrainRecall { get; init; }
    [JsonPropertyName("train_recall_vs_test_by_family")] public IReadOnlyDictionary<string, double>? TrainRecallByFamily { get; init; }
    /// FID(generated, real test) / FID(real test, real train); the target is <= 1.5.
    [JsonPropertyName("fid_ratio")] public double? FidRatio { get; init; }
    /// FID(the fixed draw of as many real train notes as generated ones, real test): the yardstick at the generated
    /// set's own size (FID is biased upward in a small set; the yardstick above uses every train note).
    [JsonPropertyName("train_draw_fid_vs_test")] public double? TrainDrawFidVsTest { get; init; }
    /// FID(generated, real test) / TrainDrawFidVsTest: the ratio measured like with like in set size.
    [JsonPropertyName("fid_ratio_same_size")] public double? FidRatioSameSize { get; init; }
    /// With --reconstruct (a model with timbre codes): the train draw's notes played from their instruments' codes at
    /// their pitch and velocity, against those very notes (FID) and as a row; and the floor, the real draw against the
    /// whole train split. How closely the model plays the instruments it was trained on, as the judge hears it.
    [JsonPropertyName("reconstruction_fid_vs_draw")] public double? ReconstructionFidVsDraw { get; init; }
    [JsonPropertyName("train_draw_fid_vs_train")] public double? TrainDrawFidVsTrain { get; init; }
    /// With --reconstruct: the drawn train notes' own log-mel through the inversion path, against those very notes
    /// (what the path costs a perfect copy; its row's FID vs the test notes is the floor of a generator of train-like notes).
    [JsonPropertyName("path_floor_fid_vs_draw")] public double? PathFloorFidVsDraw { get; init; }
    [JsonPropertyName("wall_seconds")] public double WallSeconds { get; init; }
    [JsonPropertyName("rows")] public required IReadOnlyList<EvalRow> Rows { get; init; }
}

/// `eval gansynth`: generates notes (random z from the model's prior, GansynthConfig.PriorLatent, moved into a family drawn by the training shares
/// for a family-conditioned model; pitches uniform over the model's range,
/// velocities drawn from the dataset's layers) through the IF or the vocoder path, and reports the GANSynth
/// metrics for them and for the real test notes (the reference row), both against the real notes.
public static class GansynthEvaluation
{
    public sealed record Options(string DataDir, string ClassifierDir, string? ModelDir = null, InversionPath Path = InversionPath.If,
        string? VocoderDir = null, int Count = 1000, int Seed = 0, int NdbK = 50, int BatchSize = 16, string? CacheDir = null, bool RoundTrip = true,
        bool Reconstruct = false, VibratoSource Vibrato = VibratoSource.None, bool Detail = true);

    /// Whose vibrato the generated notes are played with (`eval gansynth --vibrato`): none (as the generator and
    /// renderer make them), their family's presets' (PresetBank.Style), or their own training instrument's (the
    /// model folder's vibrato.json, `eval vibrato --model`); a note's family and instrument are those of the code
    /// nearest its latent.
    public enum VibratoSource { None, Family, Instrument }

    public delegate void Progress(string phase, int done, int total);

    public static EvalReport Run(Options o, Progress? progress = null)
    {
        var start = DateTime.UtcNow;
        if (o.Count < 2) throw new ArgumentException($"--count must be >= 2, got {o.Count}");
        using var classifier = ClassifierModel.Load(o.ClassifierDir);
        using var model = o.ModelDir is null ? null : GansynthModel.Load(o.ModelDir);
        using var vocoder = o.Path == InversionPath.Vocoder && model != null
            ? VocoderModel.Load(o.VocoderDir ?? throw new ArgumentException("--path vocoder needs --vocoder DIR"))
            : null;
        var spectral = model?.Config.Spectral ?? SpectralConfig.Default;
        if (spectral.SampleRate != classifier.Config.SampleRate)
            throw new ArgumentException($"the model renders at {spectral.SampleRate} Hz, the classifier expects {classifier.Config.SampleRate} Hz");
        if (vocoder != null && vocoder.Config.Spectral != spectral)
            throw new ArgumentException($"{o.VocoderDir}: the vocoder's spectral config differs from the generator's");

        var train = NoteDataset.Load(o.DataDir, "train");
        var test = NoteDataset.Load(o.DataDir, "test");
        using var evaluator = new NoteSetEvaluator(classifier, spectral);
        int lo = classifier.Config.MinPitch, hi = classifier.Config.MaxPitch;
        // The notes of a split the classifier can judge, in the dataset's order (the order of a split's features).
        List<NoteExample> Judged(NoteDataset d) => d.Examples.Where(e => e.Pitch >= lo && e.Pitch <= hi).ToList();

        NoteSetFeatures Real(NoteDataset d, string name)
        {
            var ex = Judged(d);
            foreach (var e in ex)
                if (e.SampleRate != spectral.SampleRate) throw new ArgumentException($"{d.AudioPath(e)}: {e.SampleRate} Hz, the evaluation runs at {spectral.SampleRate} Hz");
            string? cachePath = o.CacheDir is null ? null : Path.Combine(o.CacheDir,
                $"{d.Split}-{NoteSetCache.Key(o.ClassifierDir, spectral.ToString(), Path.Combine(o.DataDir, d.Split, "examples.json"))}.safetensors");
            var families = ex.Select(e => Array.IndexOf(classifier.Config.Families, e.InstrumentFamilyStr)).ToArray();
            if (cachePath != null && NoteSetCache.TryLoad(cachePath, name) is { } cached && cached.Count == ex.Count)
            {
                progress?.Invoke(name + " (cached)", ex.Count, ex.Count);
                cached.Family = families;
                return cached;
            }
            var set = evaluator.Extract(name, ex.Select(e => (spectral.FitLength(d.LoadAudio(e, spectral.SampleRate)), e.Pitch)), n => progress?.Invoke(name, n, ex.Count));
            if (cachePath != null) NoteSetCache.Save(set, cachePath);
            set.Family = families;
            return set;
        }
        var trainSet = Real(train, "real train");
        var testSet = Real(test, "real test");
        progress?.Invoke("NDB k-means", 0, 1);
        var bins = new Ndb(trainSet.NdbVectors, o.NdbK, o.Seed);
        progress?.Invoke("NDB k-means", 1, 1);

        var rows = new List<EvalRow> { evaluator.Row(testSet, trainSet, testSet, bins) };
        double yardstick = rows[0].FidVsTrain!.Value;
        var order = Enumerable.Range(0, trainSet.Count).ToArray();
        new Random(0).Shuffle(order);
        var draw = order.Take(Math.Min(o.Count, trainSet.Count)).Select(i => trainSet.Features[i]).ToList();
        var trainPr = PrecisionRecall.Enough(testSet.Count, draw.Count) ? PrecisionRecall.Compute(testSet.Features, draw) : null;
        double drawVsTest = FrechetDistance.Compute(draw, testSet.Features);
        double? ratio = null, recVsDraw = null, floorVsDraw = null, drawVsTrain = null;
        string? rendererId = null;
        if (model != null)
        {
            if (model.Config.MinPitch < lo || model.Config.MaxPitch > hi)
                throw new ArgumentException($"the model's pitch range {model.Config.MinPitch}-{model.Config.MaxPitch} exceeds the classifier's {lo}-{hi}");
            var velocities = train.Examples.Select(e => e.Velocity).Distinct().Order().ToArray();
            // The notes as users hear them: the torch-free renderer the plug-in and `render` play (C# generator and
            // vocoder graphs, equal to the torch modules to 1e-4), two notes at a time.
            using var renderer = NoteRenderer.Load(o.ModelDir!, o.Path, vocoderDir: o.VocoderDir, detail: o.Detail);
            rendererId = renderer.ModelId;
            string name = $"generated ({o.Path.ToString().ToLowerInvariant()}{(renderer.Detail is null ? "" : ", with the training notes' detail")}{o.Vibrato switch { VibratoSource.Family => ", with its family's vibrato", VibratoSource.Instrument => ", with its instrument's vibrato", _ => "" }})";
            var vibrato = VibratoOf(renderer.Config, o);
            var asked = new List<int>();
            var gen = evaluator.Extract(name, Render(renderer, Generate(renderer.Config, o, velocities, asked), o.BatchSize, vibrato), n => progress?.Invoke(name, n, o.Count));
            if (renderer.Config.FamilyCount > 0)
                gen.Family = asked.Select(f => Array.IndexOf(classifier.Config.Families, renderer.Config.Families[f])).ToArray();
            var row = evaluator.Row(gen, trainSet, testSet, bins);
            // Round trips go through the path as it plays this generator's notes: the post-filter only where it would.
            bool postFilter = vocoder is not null && NoteRenderer.UsesPostFilter(renderer.Config, vocoder.Config);
            // The additive path plays a harmonic head's planes, which real notes do not have: no round trip exists for it.
            bool hasRoundTrip = o.Path != InversionPath.Additive;
            if (o.RoundTrip && hasRoundTrip)
            {
                // The inversion path's ceiling: real test notes encoded to the generator's representation and
                // inverted by the same path. A generated row can hardly beat it; a gap between the two is the
                // generator's, a bad round trip is the representation's/inversion's.
                string rtName = $"real test, {o.Path.ToString().ToLowerInvariant()} round trip";
                var ex = Judged(test);
                var rt = evaluator.Extract(rtName, RoundTrip(test, ex, spectral, vocoder, postFilter, o.BatchSize), n => progress?.Invoke(rtName, n, ex.Count));
                rows.Add(evaluator.Row(rt, trainSet, testSet, bins));
            }
            if (o.Reconstruct)
            {
                if (!renderer.Config.HasCodes || renderer.Config.CodeNames.Length != renderer.Config.Codes.Length)
                    throw new ArgumentException($"{o.ModelDir}: --reconstruct needs a model with named timbre codes (config codes / code_names)");
                var trainEx = Judged(train);
                var drawIndex = order.Take(draw.Count).ToArray();
                string recName = "train notes played from their codes (reconstruction)";
                var rec = evaluator.Extract(recName, Render(renderer, Reconstruct(renderer.Config, drawIndex.Select(i => trainEx[i])), o.BatchSize, vibrato), n => progress?.Invoke(recName, n, drawIndex.Length));
                rows.Add(evaluator.Row(rec, trainSet, testSet, bins));
                // The floor of that row: the same notes' own log-mel through the same path, i.e. a generator that
                // copied its training notes exactly. What the path alone costs them, as the judge hears it.
                if (hasRoundTrip)
                {
                    string floorName = "the same train notes' real log-mel through the path (a perfect copy's floor)";
                    var floorNotes = drawIndex.Select(i => trainEx[i]).ToList();
                    var floor = evaluator.Extract(floorName, RoundTrip(train, floorNotes, spectral, vocoder, postFilter, o.BatchSize), n => progress?.Invoke(floorName, n, floorNotes.Count));
                    rows.Add(evaluator.Row(floor, trainSet, testSet, bins));
                    floorVsDraw = FrechetDistance.Compute(floor.Features, draw);
                }
                else if (renderer.Config.IsHarmonic)
                {
                    // The additive path's floor: each note's own measured planes (every harmonic's level and the
                    // noise between them, HarmonicAnalysis) played by the same renderer.
                    string floorName = "the same train notes' measured planes through the path (a perfect copy's floor)";
                    var floorNotes = drawIndex.Select(i => trainEx[i]).ToList();
                    var floor = evaluator.Extract(floorName, Measured(train, floorNotes, spectral, renderer, o.BatchSize, realAttack: false), n => progress?.Invoke(floorName, n, floorNotes.Count));
                    rows.Add(evaluator.Row(floor, trainSet, testSet, bins));
                    floorVsDraw = FrechetDistance.Compute(floor.Features, draw);
                    // What the attack costs that floor: the same with each note's own first 64 ms spliced in.
                    string attackName = "the same, each note's first 64 ms its real audio (what the path's attack costs)";
                    var attack = evaluator.Extract(attackName, Measured(train, floorNotes, spectral, renderer, o.BatchSize, realAttack: true), n => progress?.Invoke(attackName, n, floorNotes.Count));
                    rows.Add(evaluator.Row(attack, trainSet, testSet, bins));
                }
                recVsDraw = FrechetDistance.Compute(rec.Features, draw);
                drawVsTrain = FrechetDistance.Compute(draw, trainSet.Features);
            }
            rows.Add(row);
            ratio = row.FidVsTest / yardstick;
        }
        return new EvalReport
        {
            CreatedUtc = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC",
            Model = o.ModelDir, ModelId = rendererId, InversionPath = model is null ? null : o.Path.ToString().ToLowerInvariant(),
            Vocoder = vocoder is null && o.Path != InversionPath.Additive ? null : o.VocoderDir, Data = o.DataDir, Classifier = o.ClassifierDir,
            GeneratedNotes = model is null ? 0 : o.Count, Seed = o.Seed, NdbK = o.NdbK, FidTrainVsTest = yardstick, FidRatio = ratio,
            TrainDrawFidVsTest = drawVsTest, FidRatioSameSize = ratio is null ? null : ratio * yardstick / drawVsTest,
            TrainDrawNotes = draw.Count, TrainPrecision = trainPr?.Precision, TrainRecall = trainPr?.Recall,
            TrainRecallByFamily = evaluator.RecallByFamily(trainPr, testSet),
            ReconstructionFidVsDraw = recVsDraw, PathFloorFidVsDraw = floorVsDraw, TrainDrawFidVsTrain = drawVsTrain,
            WallSeconds = (DateTime.UtcNow - start).TotalSeconds, Rows = rows,
        };
    }

    /// The generated notes' requests, made lazily: seed-derived latents, uniform pitches over the model's range,
    /// velocities drawn from the dataset's layers.
    static IEnumerable<NoteRequest> Generate(GansynthConfig cfg, Options o, int[] velocities, List<int> askedFamilies)
    {
        var rng = new Random(o.Seed);
        // A family-conditioned model plays each family in its training share (its prior); drawn from a separate
        // generator so pitches and velocities are the same notes as for a model without families.
        var familyRng = new Random(o.Seed + 17);
        for (int i = 0; i < o.Count; i++)
        {
            var z = cfg.PriorLatent(o.Seed * 1_000_003L + i); // the model's prior: timbre codes or Gaussian
            if (cfg.FamilyCount > 0)
            {
                int f = cfg.FamilyAt(familyRng.NextDouble());
                z = cfg.FamilyLatent(z, f);
                askedFamilies.Add(f);
            }
            yield return new NoteRequest(z, rng.Next(cfg.MinPitch, cfg.MaxPitch + 1),
                velocities.Length > 0 ? velocities[rng.Next(velocities.Length)] : 100);
        }
    }

    /// Real train notes played again from their instrument's code (no prior noise), at their pitch and velocity.
    static IEnumerable<NoteRequest> Reconstruct(GansynthConfig cfg, IEnumerable<NoteExample> notes) =>
        notes.Select(e =>
        {
            int code = Array.IndexOf(cfg.CodeNames, e.InstrumentStr);
            if (code < 0) throw new ArgumentException($"train instrument '{e.InstrumentStr}' has no timbre code in the model's config");
            return new NoteRequest(new Latent(cfg.Codes[code]), e.Pitch, e.Velocity);
        });

    /// The vibrato (peak cents, Hz) each note is played with, from the code nearest its latent; null = none.
    static Func<Latent, (double Cents, double Hz)>? VibratoOf(GansynthConfig cfg, Options o)
    {
        if (o.Vibrato == VibratoSource.None) return null;
        if (!cfg.HasCodes || cfg.CodeNames.Length != cfg.Codes.Length)
            throw new ArgumentException($"{o.ModelDir}: --vibrato needs a model with named timbre codes (a note's family and instrument are its nearest code's)");
        var prior = cfg.Prior; // made once: GansynthConfig.Prior builds a new one on each call
        string Code(Latent z) => cfg.CodeNames[prior.NearestCode(z)];
        if (o.Vibrato == VibratoSource.Family)
            return z => { var s = PresetBank.Style(GansynthConfig.FamilyOf(Code(z))); return (s.VibratoCents, s.VibratoHz); };
        var rows = FamilyVibrato.LoadInstruments(o.ModelDir!)
            ?? throw new ArgumentException($"{o.ModelDir}: no {FamilyVibrato.FileName}; make it with `neuralsynth eval vibrato --data DIR --model {o.ModelDir}`");
        var missing = cfg.CodeNames.Where(n => !rows.ContainsKey(n)).ToList();
        if (missing.Count > 0) throw new ArgumentException($"{Path.Combine(o.ModelDir!, FamilyVibrato.FileName)}: no vibrato for the model's instruments {string.Join(", ", missing)}");
        return z => rows[Code(z)].Plays;
    }

    /// Notes rendered batch by batch, so only one batch of audio is alive at a time, two at once.
    /// vibrato: each note played again with its vibrato (Vibrato.Apply: the depth grown over VoiceEngine's onset, a
    /// phase per note as VoiceEngine's voices have); the harmonic head's rows sit at exact multiples of the note's f0
    /// and cannot carry the real notes' swing, which the presets add at playback.
    static IEnumerable<(float[] Audio, int Pitch)> Render(NoteRenderer renderer, IEnumerable<NoteRequest> requests, int batch,
        Func<Latent, (double Cents, double Hz)>? vibrato = null)
    {
        int index = 0, sr = renderer.Config.Spectral.SampleRate;
        foreach (var part in requests.Chunk(batch))
        {
            var audio = new float[part.Length][];
            Parallel.For(0, part.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => audio[i] = renderer.RenderOne(part[i]));
            for (int i = 0; i < part.Length; i++, index++)
            {
                if (vibrato?.Invoke(part[i].Z) is { Cents: > 0 } v)
                    audio[i] = Vibrato.Apply(audio[i], sr, v.Cents, v.Hz, 2 * Math.PI * (index * 0.6180339887498949 % 1.0), VoiceEngine.VibratoOnsetSeconds);
                yield return (renderer.Config.Spectral.FitLength(audio[i]), part[i].Pitch);
            }
        }
    }

    /// Real notes played from their measured planes on the additive path (NoteRenderer.RenderMeasured), two at a time.
    /// realAttack: the first RealAttackSamples samples are the real note's, crossfaded into the played one over 16 ms.
    static IEnumerable<(float[] Audio, int Pitch)> Measured(NoteDataset d, List<NoteExample> ex, SpectralConfig spectral, NoteRenderer renderer, int batch, bool realAttack)
    {
        int attackEnd = spectral.SampleRate * 64 / 1000, fade = spectral.SampleRate * 16 / 1000;
        using var mel = new MelSpectrogram(spectral);
        for (int start = 0; start < ex.Count; start += batch)
        {
            var part = ex.Skip(start).Take(batch).ToList();
            var audio = part.Select(e => spectral.FitLength(d.LoadAudio(e, spectral.SampleRate))).ToArray();
            var logMel = mel.LogMels(audio);
            var played = new float[part.Count][];
            Parallel.For(0, part.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            {
                played[i] = renderer.RenderMeasured(audio[i], logMel[i], part[i].Pitch);
                if (!realAttack) return;
                for (int j = 0; j < Math.Min(attackEnd + fade, played[i].Length); j++)
                {
                    float w = j < attackEnd ? 1f : 1f - (j - attackEnd) / (float)fade;
                    played[i][j] = w * audio[i][j] + (1 - w) * played[i][j];
                }
            });
            for (int i = 0; i < part.Count; i++) yield return (spectral.FitLength(played[i]), part[i].Pitch);
        }
    }

    static IEnumerable<(float[] Audio, int Pitch)> RoundTrip(NoteDataset d, List<NoteExample> ex, SpectralConfig spectral, VocoderModel? vocoder, bool postFilter, int batch)
    {
        using var ifMel = new IfMel(spectral);
        for (int start = 0; start < ex.Count; start += batch)
        {
            var part = ex.Skip(start).Take(batch).ToList();
            var flat = new float[part.Count * spectral.Samples];
            for (int i = 0; i < part.Count; i++) spectral.FitLength(d.LoadAudio(part[i], spectral.SampleRate)).CopyTo(flat, i * spectral.Samples);
            float[][] audio;
            using (var scope = TorchSharp.torch.NewDisposeScope())
            using (TorchSharp.torch.no_grad())
            {
                var x = TorchSharp.torch.tensor(flat, new long[] { part.Count, spectral.Samples });
                var (logMel, ifm) = ifMel.Forward(x);
                if (vocoder is null)
                {
                    var w = ifMel.ToWaveform(logMel, ifm);
                    audio = Enumerable.Range(0, part.Count).Select(i => w[i].contiguous().data<float>().ToArray()).ToArray();
                }
                else audio = vocoder.Synthesize(logMel, part.Select(e => (float)NeuralSynth.Dsp.Yin.MidiToHz(e.Pitch)).ToArray(), postFilter);
            }
            for (int i = 0; i < part.Count; i++) yield return (spectral.FitLength(audio[i]), part[i].Pitch);
        }
    }

    public static void Write(EvalReport report, string dir)
    {
        Directory.CreateDirectory(dir);
        // A metric a small set leaves undefined (a same-pitch spread with no pitch played twice, the FID of a handful
        // of notes) is written as "NaN" / "Infinity" rather than failing the whole evaluation after its rendering.
        var options = new JsonSerializerOptions
        {
            WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        File.WriteAllText(Path.Combine(dir, "eval.json"), JsonSerializer.Serialize(report, options) + "\n");
        File.WriteAllText(Path.Combine(dir, "EVAL.md"), Markdown(report));
    }

    static string F(double? v, string format) => v is double d ? d.ToString(format, CultureInfo.InvariantCulture) : "—";

    public static string Markdown(EvalReport r)
    {
        var s = new StringBuilder();
        s.AppendLine("# GANSynth evaluation");
        s.AppendLine();
        s.AppendLine($"{r.CreatedUtc}. Model: `{r.Model ?? "(none: reference rows only)"}`" + (r.ModelId is null ? "" : $" (id {r.ModelId}), inversion path: {r.InversionPath}" + (r.Vocoder is null ? "" : $" (vocoder `{r.Vocoder}`)")) + ".");
        s.AppendLine($"Data: `{r.Data}`; classifier: `{r.Classifier}`; {r.GeneratedNotes} generated notes (seed {r.Seed}); NDB with K = {r.NdbK}; {r.WallSeconds:F0} s.");
        s.AppendLine();
        s.AppendLine("| set | notes | YIN pitch acc (±50 ct) | classifier pitch acc | pitch entropy (nats) | Inception Score | FID vs real test (of it: means) | FID vs real train | NDB/K | same-pitch spread | precision / recall vs real test |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in r.Rows)
            s.AppendLine($"| {row.Set} | {row.Notes} | {F(row.YinPitchAccuracy, "F3")} | {F(row.PitchAccuracy, "F3")} | {F(row.PitchEntropy, "F3")} | {F(row.InceptionScore, "F2")} | {F(row.FidVsTest, "F2")}{(row.FidVsTestMeanTerm is double m ? $" ({m:F1})" : "")} | {F(row.FidVsTrain, "F2")} | {F(row.NdbOverK, "F2")} ({row.Ndb}/{r.NdbK}) | {F(row.SamePitchSpread, "F2")} | {(row.Precision is double pp ? $"{pp:F3} / {row.Recall:F3}" : "—")} |");
        s.AppendLine();
        var families = r.Rows.FirstOrDefault(x => x.FamilyShares is not null)?.FamilyShares?.Keys.ToList();
        if (families is not null)
        {
            s.AppendLine("Families the notes sound like (share of notes by the classifier's most likely family; family accuracy: " +
                         "share whose most likely family is the note's own, for generated notes the family asked for):");
            s.AppendLine();
            s.AppendLine("| set | " + string.Join(" | ", families) + " | family accuracy |");
            s.AppendLine("|---|" + string.Concat(families.Select(_ => "---:|")) + "---:|");
            foreach (var row in r.Rows.Where(x => x.FamilyShares is not null))
                s.AppendLine($"| {row.Set} | " + string.Join(" | ", families.Select(f => row.FamilyShares![f].ToString("F2", CultureInfo.InvariantCulture))) + $" | {F(row.FamilyAccuracy, "F3")} |");
            s.AppendLine();
        }
        var recallRows = r.Rows.Where(x => x.RecallByFamily is not null).ToList();
        if (recallRows.Count > 0)
        {
            var fams = recallRows[0].RecallByFamily!.Keys.ToList();
            s.AppendLine("Recall by the real test note's family (the share of each family's test notes a set comes near; the test split holds one unseen instrument per family):");
            s.AppendLine();
            s.AppendLine("| set | " + string.Join(" | ", fams) + " |");
            s.AppendLine("|---|" + string.Concat(fams.Select(_ => "---:|")));
            string Cells(IReadOnlyDictionary<string, double> d) => string.Join(" | ", fams.Select(f => d.TryGetValue(f, out var v) ? v.ToString("F2", CultureInfo.InvariantCulture) : "—"));
            if (r.TrainRecallByFamily is not null) s.AppendLine($"| {r.TrainDrawNotes} real train notes (the bar) | {Cells(r.TrainRecallByFamily)} |");
            foreach (var row in recallRows) s.AppendLine($"| {row.Set} | {Cells(row.RecallByFamily!)} |");
            s.AppendLine();
        }
        s.AppendLine($"Yardstick: FID(real test, real train) = {F(r.FidTrainVsTest, "F2")}." + (r.FidRatio is double q ? $" Generated FID vs real test = {q:F2} x the yardstick (target <= 1.5)." : "") +
                     (r.TrainDrawFidVsTest is double dt ? $" At the generated set's size, {r.TrainDrawNotes} real train notes score {dt:F2} against the real test notes" + (r.FidRatioSameSize is double qs ? $": the generated set {qs:F2} x that." : ".") : "") +
                     $" Precision / recall vs the real test notes of {r.TrainDrawNotes} real train notes (a fixed draw; the bar for a row of as many generated notes): {F(r.TrainPrecision, "F3")} / {F(r.TrainRecall, "F3")}.");
        if (r.ReconstructionFidVsDraw is double rec)
            s.AppendLine($"Reconstruction: the {r.TrainDrawNotes} drawn train notes played from their instruments' codes score FID {rec:F2} against those very notes; " + (r.PathFloorFidVsDraw is double pf ? $"their own real log-mel (on the additive path: their measured planes) through the same path {pf:F2} (what the path costs a perfect copy); " : "") + $"the drawn real notes themselves score {F(r.TrainDrawFidVsTrain, "F2")} against the whole train split (the judge's floor for {r.TrainDrawNotes} notes).");
        s.AppendLine();
        s.AppendLine("How the figures are made: pitch accuracy/entropy and Inception Score use the classifier's 61-way pitch head; " +
                     "the Fréchet distance uses its 128-d penultimate features (in brackets its mean term ||mu1 - mu2||^2: what every note shares; the rest is the spread's size and shape); NDB bins are k-means clusters of the real train notes' " +
                     $"log-mel (80 x 128 average-pooled to {80 / NoteSetEvaluator.NdbPoolMels} x {128 / NoteSetEvaluator.NdbPoolFrames}), a bin differs at p < 0.05 (two-proportion z-test); " +
                     "YIN accuracy is the share of notes whose median YIN f0 is within 50 cents of the asked pitch; " +
                     "precision (the share of a set's notes inside the real test notes' manifold: balls reaching each real note's 3rd nearest neighbour) and recall (the share of real test notes inside the set's manifold) are Kynkäänniemi et al.'s, on the same features: low precision is notes unlike any real one, low recall is real notes the set never comes near. " +
                     "The real test notes come from instruments the train split (and the classifier) never saw.");
        return s.ToString();
    }
}
