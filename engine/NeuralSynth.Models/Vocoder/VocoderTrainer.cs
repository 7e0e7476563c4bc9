using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Vocoder;

public sealed record VocoderTrainOptions
{
    public required string DataDir { get; init; }
    public required string OutDir { get; init; }
    /// Overrides config.steps (total steps of the run, resumed runs included).
    public int? Steps { get; init; }
    /// Use at most this many training notes (spread over the split): smoke tests and quick experiments.
    public int? MaxNotes { get; init; }
    /// A vocoder model directory (config.json + generator.safetensors) whose generator starts a fresh run: fine-tuning
    /// on other data without the 65 minutes from scratch. Its architecture must be the run's; the discriminators and
    /// both Adams start afresh. Ignored once the run has a checkpoint, so the same command resumes.
    public string? InitFrom { get; init; }
}

public sealed record VocoderTrainProgress(int Step, int TotalSteps, double SecondsPerStep, IReadOnlyDictionary<string, double> Losses);

/// Trains the multiband vocoder: STFT-only pre-training, then (from adversarial_start_step) LSGAN/hinge with the
/// per-band conditioned discriminators + feature matching + multi-resolution STFT.
/// OUT holds config.json, generator.safetensors (the latest weights: OUT is a model directory VocoderModel.Load
/// reads), checkpoint/ (generator, discriminator, both Adam states, step and wall time: resume is automatic),
/// losses.csv and losses.png. Deterministic: torch seed from the config, batches drawn from Random(seed, step).
public static class VocoderTrainer
{
    public const string CsvHeader = "step,seconds,lr_g,stft_sc,stft_logmag,adv_g,feature_match,loss_d,valid_stft";

    public static void Run(VocoderConfig config, VocoderTrainOptions options, Action<string>? log = null, Action<VocoderTrainProgress>? progress = null)
    {
        config.Validate();
        log ??= _ => { };
        int totalSteps = options.Steps ?? config.Steps;
        Directory.CreateDirectory(options.OutDir);
        string ckptDir = Path.Combine(options.OutDir, "checkpoint");
        string statePath = Path.Combine(ckptDir, "state.json");
        string csvPath = Path.Combine(options.OutDir, "losses.csv");
        string configPath = Path.Combine(options.OutDir, "config.json");

        bool resume = File.Exists(statePath);
        if (resume && File.Exists(configPath))
        {
            var previous = VocoderConfig.Load(configPath);
            if (Schedule(previous).ToJson() != Schedule(config).ToJson())
                throw new ArgumentException($"{options.OutDir} holds a run with a different config ({configPath}); use another --out or the same config");
        }
        config.Save(configPath);

        torch.manual_seed(config.Seed); // threads: the caller's (the CLI's --threads)
        var bank = config.CreateFilterBank();
        using var fb = new FilterBankLayer(bank);
        using var stftLoss = new MultiResolutionStftLoss(config.StftResolutions);
        var g = new VocoderGenerator(config);
        var d = new VocoderDiscriminator(config);
        var optG = optim.Adam(g.parameters(), config.LearningRateG, 0.5, 0.9);
        var optD = optim.Adam(d.parameters(), config.LearningRateD, 0.5, 0.9);
        log($"generator: {g.ParameterCount():N0} parameters; discriminators: {d.parameters().Sum(p => p.numel()):N0} parameters in {d.Count} band/scale discriminators");
        log($"bands: {string.Join(", ", bank.Bands.Select(b => $"{b.LowHz:0}-{b.HighHz:0} Hz @ {b.SampleRate} Hz ({b.Length} taps)"))}");

        int step = 0;
        double elapsedBefore = 0;
        if (resume)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(statePath));
            step = doc.RootElement.GetProperty("step").GetInt32();
            elapsedBefore = doc.RootElement.GetProperty("seconds").GetDouble();
            VocoderWeights.Load(g, Path.Combine(ckptDir, "generator.safetensors"));
            VocoderWeights.Load(d, Path.Combine(ckptDir, "discriminator.safetensors"));
            optG.load_state_dict(Path.Combine(ckptDir, "opt_g.bin"));
            optD.load_state_dict(Path.Combine(ckptDir, "opt_d.bin"));
            TruncateCsv(csvPath, step);
            log($"resumed at step {step} ({elapsedBefore / 60:F1} min of training so far)");
        }
        else if (options.InitFrom is not null)
        {
            var from = VocoderConfig.Load(Path.Combine(options.InitFrom, "config.json"));
            // (the shape is a record of arrays: compared by content through its JSON)
            if (JsonSerializer.Serialize(from.ToShape()) != JsonSerializer.Serialize(config.ToShape()) || from.Spectral != config.Spectral)
                throw new ArgumentException($"{options.InitFrom}: its vocoder architecture or spectral config differs from the run's config; --init needs the same network");
            VocoderWeights.Load(g, Path.Combine(options.InitFrom, "generator.safetensors"));
            log($"generator initialised from {options.InitFrom}");
        }
        if (!File.Exists(csvPath)) File.WriteAllText(csvPath, CsvHeader + "\n");

        log($"loading {options.DataDir} ...");
        var train = VocoderTrainingData.Load(options.DataDir, "train", config.Spectral, options.MaxNotes);
        VocoderTrainingData? valid = null;
        if (File.Exists(Path.Combine(options.DataDir, "valid", "examples.json")))
            valid = VocoderTrainingData.Load(options.DataDir, "valid", config.Spectral, Math.Min(options.MaxNotes ?? 64, 64));
        log($"{train.Count} training notes{(valid is null ? "" : $", {valid.Count} validation notes")}");

        var sums = new Dictionary<string, double>();
        int sumCount = 0;
        var clock = Stopwatch.StartNew();
        int clockStartStep = step;
        g.train(); d.train();
        while (step < totalSteps)
        {
            double lrScale = Math.Pow(config.LearningRateDecay, step / config.LearningRateDecaySteps);
            foreach (var pg in optG.ParamGroups) pg.LearningRate = config.LearningRateG * lrScale;
            // The discriminators start at adversarial_start_step: their schedule counts from there.
            double lrScaleD = Math.Pow(config.LearningRateDecay, Math.Max(0, step - config.AdversarialStartStep) / config.LearningRateDecaySteps);
            foreach (var pg in optD.ParamGroups) pg.LearningRate = config.LearningRateD * lrScaleD;
            bool adversarial = step >= config.AdversarialStartStep;
            string pretrain = Path.Combine(options.OutDir, "pretrain");
            if (step == config.AdversarialStartStep && step > 0 && !Directory.Exists(pretrain))
            {
                // Keep the STFT-only generator: evaluation can compare it with the adversarially fine-tuned one.
                Directory.CreateDirectory(pretrain);
                VocoderWeights.Save(g, Path.Combine(pretrain, "generator.safetensors"));
                config.Save(Path.Combine(pretrain, "config.json"));
            }
            var losses = TrainStep(config, g, d, optG, optD, fb, stftLoss, train, bank, step, adversarial);
            step++;
            foreach (var (k, v) in losses) sums[k] = sums.GetValueOrDefault(k) + v;
            sumCount++;

            double secondsPerStep = clock.Elapsed.TotalSeconds / Math.Max(1, step - clockStartStep);
            progress?.Invoke(new VocoderTrainProgress(step, totalSteps, secondsPerStep, losses));
            bool checkpoint = step % config.CheckpointEvery == 0 || step == totalSteps;
            if (step % config.LogEvery == 0 || checkpoint)
            {
                double validStft = double.NaN;
                if (checkpoint && valid is not null) validStft = Validate(config, g, fb, stftLoss, valid, bank);
                double seconds = elapsedBefore + clock.Elapsed.TotalSeconds;
                string Avg(string k) => sums.TryGetValue(k, out var v) ? (v / sumCount).ToString("G5", CultureInfo.InvariantCulture) : "";
                File.AppendAllText(csvPath, string.Join(",",
                    step.ToString(CultureInfo.InvariantCulture), seconds.ToString("F1", CultureInfo.InvariantCulture),
                    (config.LearningRateG * lrScale).ToString("G4", CultureInfo.InvariantCulture),
                    Avg("stft_sc"), Avg("stft_logmag"), Avg("adv_g"), Avg("feature_match"), Avg("loss_d"),
                    double.IsNaN(validStft) ? "" : validStft.ToString("G5", CultureInfo.InvariantCulture)) + "\n");
                log($"step {step}/{totalSteps} sc {Avg("stft_sc")} logmag {Avg("stft_logmag")}" +
                    (adversarial ? $" adv {Avg("adv_g")} fm {Avg("feature_match")} d {Avg("loss_d")}" : "") +
                    (double.IsNaN(validStft) ? "" : $" valid_stft {validStft:F4}") + $" ({secondsPerStep:F2} s/step)");
                sums.Clear();
                sumCount = 0;
            }
            if (checkpoint)
            {
                SaveCheckpoint(ckptDir, options.OutDir, g, d, optG, optD, step, elapsedBefore + clock.Elapsed.TotalSeconds);
                TrainingPlot.Save(csvPath, Path.Combine(options.OutDir, "losses.png"));
            }
        }
        g.Dispose(); d.Dispose();
    }

    /// The part of a config a resumed run may change: the step budget, the adversarial switch and logging.
    static VocoderConfig Schedule(VocoderConfig c) => c with { Steps = 0, AdversarialStartStep = 0, CheckpointEvery = 1, LogEvery = 1, PostFilter = false };

    static Dictionary<string, double> TrainStep(VocoderConfig cfg, VocoderGenerator g, VocoderDiscriminator d,
        TorchSharp.Modules.Adam optG, TorchSharp.Modules.Adam optD, FilterBankLayer fb, MultiResolutionStftLoss stftLoss,
        VocoderTrainingData data, Dsp.FilterBank.FilterBankDesign bank, int step, bool adversarial)
    {
        using var scope = NewDisposeScope();
        using var batch = data.Sample(bank, cfg.NoiseExcitation, cfg.BatchSize, cfg.SegmentFrames, cfg.Seed, step);
        var result = new Dictionary<string, double>();
        var bands = g.Bands(g.Encode(batch.LogMel, batch.F0), batch.Excitation);
        var fake = fb.Synthesize(bands);

        List<(Tensor Score, List<Tensor> Features)>? realOut = null;
        Tensor[]? realBands = null;
        if (adversarial)
        {
            realBands = Enumerable.Range(0, bank.Bands.Count).Select(k => fb.AnalyzeBand(k, batch.Audio)).ToArray();
            var fakeBandsDetached = Enumerable.Range(0, bank.Bands.Count).Select(k => fb.AnalyzeBand(k, fake.detach())).ToArray();
            var condD = d.Encode(batch.LogMel, batch.F0);
            realOut = d.forward(realBands, condD);
            var fakeOut = d.forward(fakeBandsDetached, condD);
            Tensor lossD = zeros(1);
            for (int i = 0; i < realOut.Count; i++)
            {
                var sr = realOut[i].Score; var sf = fakeOut[i].Score;
                lossD = Add(lossD, cfg.AdversarialLoss == "hinge"
                    ? Add(nn.functional.relu(Rsub(1, sr)).mean(), nn.functional.relu(Add(sf, 1)).mean())
                    : Add((sr - S(1)).pow(S(2)).mean(), sf.pow(S(2)).mean()));
            }
            lossD = lossD / S(realOut.Count);
            NonFiniteLoss.Check(lossD, "discriminator", step, "the run's checkpoint/");
            optD.zero_grad();
            lossD.backward();
            nn.utils.clip_grad_norm_(d.parameters(), cfg.GradClip);
            AdamStep.Step(optD);
            result["loss_d"] = lossD.item<float>();
        }

        var (sc, lm) = stftLoss.forward(batch.Audio, fake);
        Tensor lossG = Add(sc, lm) * S((float)cfg.LambdaStft);
        result["stft_sc"] = sc.item<float>();
        result["stft_logmag"] = lm.item<float>();
        if (adversarial)
        {
            var condD = d.Encode(batch.LogMel, batch.F0);
            var fakeBands = Enumerable.Range(0, bank.Bands.Count).Select(k => fb.AnalyzeBand(k, fake)).ToArray();
            var fakeOut = d.forward(fakeBands, condD);
            List<(Tensor Score, List<Tensor> Features)> realFeat;
            using (no_grad()) realFeat = d.forward(realBands!, condD.detach());
            Tensor adv = zeros(1), fm = zeros(1);
            int fmCount = 0;
            for (int i = 0; i < fakeOut.Count; i++)
            {
                var sf = fakeOut[i].Score;
                adv = Add(adv, cfg.AdversarialLoss == "hinge" ? (-sf).mean() : (sf - S(1)).pow(S(2)).mean());
                for (int l = 0; l < fakeOut[i].Features.Count; l++, fmCount++)
                    fm = Add(fm, (fakeOut[i].Features[l] - realFeat[i].Features[l]).abs().mean());
            }
            adv = adv / S(fakeOut.Count);
            fm = fm / S(Math.Max(1, fmCount));
            lossG = Add(Add(lossG, adv * S((float)cfg.LambdaAdv)), fm * S((float)cfg.LambdaFm));
            result["adv_g"] = adv.item<float>();
            result["feature_match"] = fm.item<float>();
        }
        optG.zero_grad();
        NonFiniteLoss.Check(lossG, "generator", step, "the run's checkpoint/");
        lossG.backward();
        nn.utils.clip_grad_norm_(g.parameters(), cfg.GradClip);
        AdamStep.Step(optG);
        return result;
    }

    /// MR-STFT (SC + log-mag) of the generator on a fixed set of validation segments.
    static double Validate(VocoderConfig cfg, VocoderGenerator g, FilterBankLayer fb, MultiResolutionStftLoss stftLoss,
        VocoderTrainingData valid, Dsp.FilterBank.FilterBankDesign bank)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        g.eval();
        double total = 0;
        const int Batches = 2;
        for (int i = 0; i < Batches; i++)
        {
            using var batch = valid.Sample(bank, cfg.NoiseExcitation, cfg.BatchSize, cfg.SegmentFrames, cfg.Seed + 7919, -1 - i);
            var fake = fb.Synthesize(g.Bands(g.Encode(batch.LogMel, batch.F0), batch.Excitation));
            var (sc, lm) = stftLoss.forward(batch.Audio, fake);
            total += sc.item<float>() + lm.item<float>();
        }
        g.train();
        return total / Batches;
    }

    static void SaveCheckpoint(string ckptDir, string outDir, VocoderGenerator g, VocoderDiscriminator d,
        TorchSharp.Modules.Adam optG, TorchSharp.Modules.Adam optD, int step, double seconds)
    {
        // Write into a fresh directory, then swap it in: an interrupted save never leaves a half checkpoint.
        string tmp = ckptDir + ".tmp";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        var meta = new Dictionary<string, string> { ["step"] = step.ToString(CultureInfo.InvariantCulture) };
        VocoderWeights.Save(g, Path.Combine(tmp, "generator.safetensors"), meta);
        VocoderWeights.Save(d, Path.Combine(tmp, "discriminator.safetensors"), meta);
        optG.save_state_dict(Path.Combine(tmp, "opt_g.bin"));
        optD.save_state_dict(Path.Combine(tmp, "opt_d.bin"));
        File.WriteAllText(Path.Combine(tmp, "state.json"),
            JsonSerializer.Serialize(new { step, seconds = Math.Round(seconds, 1) }));
        string old = ckptDir + ".old";
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(ckptDir)) Directory.Move(ckptDir, old);
        Directory.Move(tmp, ckptDir);
        if (Directory.Exists(old)) Directory.Delete(old, true);
        File.Copy(Path.Combine(ckptDir, "generator.safetensors"), Path.Combine(outDir, "generator.safetensors"), overwrite: true);
    }

    static void TruncateCsv(string path, int step)
    {
        if (!File.Exists(path)) return;
        var lines = File.ReadAllLines(path);
        var keep = lines.Take(1).Concat(lines.Skip(1).Where(l =>
            int.TryParse(l.Split(',')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) && s <= step));
        File.WriteAllLines(path, keep);
    }
}
