using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using NeuralSynth.Models.Dataset;
using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Evaluation;

/// Accuracy of the classifier on one split.
public sealed record SplitAccuracy(
    [property: JsonPropertyName("split")] string Split,
    [property: JsonPropertyName("notes")] int Notes,
    [property: JsonPropertyName("pitch_accuracy")] double PitchAccuracy,
    [property: JsonPropertyName("pitch_accuracy_within_1")] double PitchAccuracyWithin1,
    [property: JsonPropertyName("family_accuracy")] double FamilyAccuracy,
    [property: JsonPropertyName("family_notes")] int FamilyNotes);

public sealed record ClassifierTrainResult(
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("wall_seconds")] double WallSeconds,
    [property: JsonPropertyName("parameters")] long Parameters,
    [property: JsonPropertyName("splits")] IReadOnlyList<SplitAccuracy> Splits);

/// Trains the pitch + family classifier on a note dataset's train split, watching the valid split and
/// reporting every split at the end. Deterministic from config.seed: batch order comes from a per-epoch
/// System.Random and torch's generator is re-seeded per step, so a resumed run draws the same batches.
/// A run writes into `outDir`: config.json + model.safetensors (final), checkpoint/ (every
/// checkpointEvery steps; a killed run resumes from it losing at most one interval; Adam's moments
/// restart from zero on resume), losses.csv, eval.csv and metrics.json.
public sealed class ClassifierTrainer
{
    public sealed record Options(string DataDir, string OutDir, int Steps = 3000, int CheckpointEvery = 250, int EvalEvery = 250,
        ClassifierConfig? Config = null, int? MaxNotesPerSplit = null);

    /// Where training is: a phase name, units done, units in the phase.
    public delegate void Progress(string phase, int done, int total);

    sealed class Split(string name, Tensor inputs, long[] pitch, long[] family) : IDisposable
    {
        public string Name { get; } = name;
        public Tensor Inputs { get; } = inputs;  // [n, 1, freq, frames]
        public long[] Pitch { get; } = pitch;    // class index
        public long[] Family { get; } = family;  // class index, -1 for a family the train split lacks
        public int Count => Pitch.Length;
        public void Dispose() => Inputs.Dispose();
    }

    public static ClassifierTrainResult Run(Options o, Progress? progress = null)
    {
        var start = DateTime.UtcNow;
        if (o.Steps < 1) throw new ArgumentException($"--steps must be >= 1, got {o.Steps}");
        System.IO.Directory.CreateDirectory(o.OutDir);
        var datasets = NoteDataset.Splits.Select(s => NoteDataset.Load(o.DataDir, s)).ToList();
        var families = datasets[0].Examples.Select(e => e.InstrumentFamilyStr).Distinct().OrderBy(f => f, StringComparer.Ordinal).ToArray();
        if (families.Length == 0) throw new ArgumentException($"{o.DataDir}: the train split has no notes");
        var config = (o.Config ?? new ClassifierConfig()) with { Families = families };
        config.Validate("classifier config");

        string checkpointDir = Path.Combine(o.OutDir, "checkpoint");
        string statePath = Path.Combine(checkpointDir, "state.json");
        int startStep = 0;
        if (File.Exists(statePath))
        {
            // Resume: the checkpoint's config wins so the architecture matches its weights.
            config = ClassifierConfig.Load(Path.Combine(checkpointDir, ClassifierModel.ConfigFile));
            startStep = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(statePath)).GetProperty("step").GetInt32();
        }

        manual_seed(config.Seed);
        using var model = new ClassifierModel(config);
        if (startStep > 0) ClassifierWeights.Load(model.Network, Path.Combine(checkpointDir, ClassifierModel.WeightsFileName));
        var splits = datasets.Select(d => LoadSplit(d, model, families, o.MaxNotesPerSplit, progress)).ToList();
        var train = splits[0];
        if (train.Count < config.BatchSize) throw new ArgumentException($"{o.DataDir}: train split has {train.Count} notes, fewer than a batch ({config.BatchSize})");

        var net = model.Network;
        var optimizer = optim.AdamW(net.parameters(), config.LearningRate, weight_decay: config.WeightDecay);
        string lossPath = Path.Combine(o.OutDir, "losses.csv"), evalPath = Path.Combine(o.OutDir, "eval.csv");
        if (startStep == 0 || !File.Exists(lossPath)) File.WriteAllText(lossPath, "step,lr,loss,pitch_loss,family_loss,batch_pitch_accuracy\n");
        if (startStep == 0 || !File.Exists(evalPath)) File.WriteAllText(evalPath, "step,valid_pitch_accuracy,valid_family_accuracy\n");

        int batchesPerEpoch = train.Count / config.BatchSize;
        int[] order = [];
        int orderEpoch = -1;
        net.train();
        for (int step = startStep; step < o.Steps; step++)
        {
            using var scope = NewDisposeScope();
            int epoch = step / batchesPerEpoch, slot = step % batchesPerEpoch;
            if (epoch != orderEpoch)
            {
                order = Enumerable.Range(0, train.Count).ToArray();
                new Random(HashCode.Combine(config.Seed, epoch)).Shuffle(order);
                orderEpoch = epoch;
            }
            manual_seed(config.Seed * 1_000_003L + step);
            var idx = order.AsSpan(slot * config.BatchSize, config.BatchSize).ToArray().Select(i => (long)i).ToArray();
            using var index = tensor(idx);
            var x = train.Inputs.index_select(0, index);
            x = Add(x, randn_like(x) * S(0.05f)); // a little noise so the net does not hang on exact rendering artefacts
            var pitchTarget = tensor(idx.Select(i => train.Pitch[i]).ToArray());
            var familyTarget = tensor(idx.Select(i => train.Family[i]).ToArray());

            // Cosine decay to 5% of the base rate over the run.
            double lr = config.LearningRate * (0.05 + 0.95 * 0.5 * (1 + Math.Cos(Math.PI * step / o.Steps)));
            foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;

            var (pitchLogits, familyLogits) = net.Heads(net.call(x));
            var pitchLoss = nn.functional.cross_entropy(pitchLogits, pitchTarget);
            var familyLoss = nn.functional.cross_entropy(familyLogits, familyTarget);
            var loss = Add(pitchLoss, familyLoss * S(config.FamilyLossWeight));
            NonFiniteLoss.Check(loss, "classifier", step + 1, checkpointDir);
            optimizer.zero_grad();
            loss.backward();
            AdamStep.Step(optimizer);

            int done = step + 1;
            if (done % 10 == 0 || done == o.Steps)
            {
                double acc = pitchLogits.argmax(1).eq(pitchTarget).to_type(ScalarType.Float32).mean().item<float>();
                File.AppendAllText(lossPath, string.Create(CultureInfo.InvariantCulture,
                    $"{done},{lr:G5},{loss.item<float>():G6},{pitchLoss.item<float>():G6},{familyLoss.item<float>():G6},{acc:G4}\n"));
            }
            if ((done % o.EvalEvery == 0 || done == o.Steps) && splits[1].Count > 0)
            {
                var v = Evaluate(net, splits[1]);
                File.AppendAllText(evalPath, string.Create(CultureInfo.InvariantCulture, $"{done},{v.PitchAccuracy:G4},{v.FamilyAccuracy:G4}\n"));
                net.train();
            }
            if (done % o.CheckpointEvery == 0 && done < o.Steps)
            {
                var tmpDir = checkpointDir + ".tmp";
                if (System.IO.Directory.Exists(tmpDir)) System.IO.Directory.Delete(tmpDir, true);
                model.Save(tmpDir);
                File.WriteAllText(Path.Combine(tmpDir, "state.json"), $"{{\"step\": {done}}}\n");
                // Swap whole directories so a kill mid-save leaves the previous checkpoint intact.
                if (System.IO.Directory.Exists(checkpointDir)) System.IO.Directory.Delete(checkpointDir, true);
                System.IO.Directory.Move(tmpDir, checkpointDir);
            }
            progress?.Invoke("train", done, o.Steps);
        }

        net.eval();
        model.Save(o.OutDir);
        var results = splits.Where(s => s.Count > 0).Select(s => Evaluate(net, s)).ToList();
        long parameters = net.parameters().Sum(p => p.numel());
        var result = new ClassifierTrainResult(o.Steps, (DateTime.UtcNow - start).TotalSeconds, parameters, results);
        File.WriteAllText(Path.Combine(o.OutDir, "metrics.json"), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        foreach (var s in splits) s.Dispose();
        return result;
    }

    static Split LoadSplit(NoteDataset d, ClassifierModel model, string[] families, int? max, Progress? progress)
    {
        var c = model.Config;
        var examples = d.Examples.Where(e => e.Pitch >= c.MinPitch && e.Pitch <= c.MaxPitch).ToList();
        if (max is int m && examples.Count > m)
        {
            // An even spread over the (sorted) notes so a capped smoke run still sees every instrument.
            examples = Enumerable.Range(0, m).Select(i => examples[(int)((long)i * examples.Count / m)]).ToList();
        }
        var parts = new List<Tensor>();
        const int chunk = 64;
        for (int s = 0; s < examples.Count; s += chunk)
        {
            var audio = examples.Skip(s).Take(chunk).Select(e => d.LoadAudio(e, c.SampleRate)).ToList();
            using (no_grad()) parts.Add(model.FrontEnd.Forward(audio));
            progress?.Invoke($"load {d.Split}", Math.Min(s + chunk, examples.Count), examples.Count);
        }
        var inputs = parts.Count > 0 ? cat(parts, 0) : zeros(0, 1, c.FreqBins, c.Frames);
        foreach (var p in parts) p.Dispose();
        var pitch = examples.Select(e => (long)(e.Pitch - c.MinPitch)).ToArray();
        var family = examples.Select(e => (long)Array.IndexOf(families, e.InstrumentFamilyStr)).ToArray();
        return new Split(d.Split, inputs, pitch, family);
    }


    static SplitAccuracy Evaluate(PitchClassifier net, Split s)
    {
        net.eval();
        using var noGrad = no_grad();
        int correct = 0, within1 = 0, famCorrect = 0, famCount = 0;
        for (int start = 0; start < s.Count; start += 128)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(128, s.Count - start);
            var (p, f) = net.Heads(net.call(s.Inputs.narrow(0, start, n)));
            var pp = p.argmax(1).data<long>().ToArray();
            var ff = f.argmax(1).data<long>().ToArray();
            for (int i = 0; i < n; i++)
            {
                long truth = s.Pitch[start + i];
                if (pp[i] == truth) correct++;
                if (Math.Abs(pp[i] - truth) <= 1) within1++;
                if (s.Family[start + i] >= 0) { famCount++; if (ff[i] == s.Family[start + i]) famCorrect++; }
            }
        }
        return new SplitAccuracy(s.Name, s.Count, correct / (double)s.Count, within1 / (double)s.Count,
            famCount > 0 ? famCorrect / (double)famCount : double.NaN, famCount);
    }
}
