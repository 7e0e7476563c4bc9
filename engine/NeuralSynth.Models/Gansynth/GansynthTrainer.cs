using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NeuralSynth.Formats;
using NeuralSynth.Realtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;
using F = TorchSharp.torch.nn.functional;

namespace NeuralSynth.Models.Gansynth;

public sealed record GansynthTrainOptions
{
    public required string DataDir { get; init; }
    public required string OutDir { get; init; }
    /// Template config for a fresh run; a resumed run uses OutDir/config.json.
    public GansynthConfig Config { get; init; } = new();
    public int Steps { get; init; } = 2000;
    public int Batch { get; init; } = 16;
    public long Seed { get; init; } = 1;
    public int CheckpointEvery { get; init; } = 100;
    public int SampleEvery { get; init; } = 500;
    public int LogEvery { get; init; } = 10;
    /// Use only the first N training notes (0 = all): for smoke tests.
    public int Limit { get; init; }
    /// Training split name (NoteDataset split).
    public string Split { get; init; } = "train";
    /// Whether to write sample grids (PNG + WAV) at SampleEvery and at the end.
    public bool WriteSamples { get; init; } = true;
    /// Stage widths to grow the resumed run to before it goes on (Widening); null, or the run's own widths, = as is.
    public int[]? Widen { get; init; }
}

/// Losses of one step (D step then G step).
/// ModeDistance: mean|G(z1) - G(z2)| / mean|z1 - z2| over the step's same-condition pairs (0 when the mode-seeking term is off).
/// DFamilyCe / GFamilyCe: the family classifier's cross-entropy on real / generated notes (0 without family conditioning).
/// CodeDistance: mean|G(code) - real| of the judged channels over the batch's real notes (0 without timbre codes).
/// PlaneDistance: PlaneTargets.Distance of the same notes (0 without plane_weight).
public readonly record struct GansynthLosses(int Step, float DLoss, float GLoss, float Wasserstein, float GradientPenalty, float DPitchCe, float GPitchCe, float Drift, float ModeDistance = 0, float DFamilyCe = 0, float GFamilyCe = 0, float ImleDistance = 0, float CodeDistance = 0, float PlaneDistance = 0);

/// Trains the generator and discriminator with WGAN-GP (lambda, drift epsilon) + auxiliary pitch/velocity
/// classification (GANSynth), Adam(lr, beta1 0, beta2 0.99). Layout of OutDir:
///   config.json                   the run's config (log_mag_max measured on the data)
///   features_train.safetensors    cached IF-Mel features of the real notes
///   checkpoint/                   generator, discriminator, optimizers, state.json (step, wall time): resume point
///   losses.csv, losses.png        every LogEvery steps
///   samples/step_NNNNNN.{png,wav} fixed latents x pitches
///   model.safetensors             final generator (with config.json it is a loadable GansynthModel directory)
///   TRAINING.md                   command, steps, wall time, final losses
/// Determinism: torch is reseeded from (seed, step) at every step and batches come from our own per-epoch
/// shuffles of (seed, epoch), so a resumed run continues exactly as the uninterrupted one would.
public sealed class GansynthTrainer : IDisposable
{
    readonly GansynthTrainOptions opt;
    /// The run's config; with timbre codes, their current values are written into it at every checkpoint.
    public GansynthConfig Config { get; private set; }
    public Generator G { get; }
    public Discriminator D { get; }
    /// The moving average of G's weights (config ema_decay > 0), or null. It is what samples show and what ships.
    public Generator? GEma { get; }
    /// The critic's projection term (config projection_discriminator), or null: trained with D, by its own Adam so a
    /// resume that turns it on keeps D's optimizer state.
    public ConditionProjection? P { get; }
    /// The critic's family classifier and projection (config family_offset > 0), or null; own Adam, like P.
    public FamilyCritic? Fc { get; }
    readonly Adam optG, optD;
    readonly Adam? optP, optF, optC, optPc;
    /// The critic of the harmonic head's planes (config plane_critic_weight > 0), or null; own Adam.
    public PlaneCritic? Pc { get; }
    /// The training instruments' timbre codes (config code_weight > 0), or null; own Adam, like P.
    public TimbreCodes? Tc { get; }
    long[] codeOfNote = []; // code index of every training note (timbre codes only)
    int[] familyOfNote = []; // config family index of every training note (family conditioning only)
    readonly FeatureCache data;
    readonly Tensor normalized; // [N, 2, n_mels, frames] in [-1, 1]
    readonly PlaneTargets? planeTargets; // config plane_weight or plane_critic_weight > 0
    public int Step { get; private set; }
    /// The learning rate the optimizers step with now (the run's config.json's, also after a resume).
    public double LearningRate => optG.ParamGroups.First().LearningRate;
    double wallSeconds;
    readonly Action<string> log;
    int[]? perm; long permEpoch = -1;

    public string CheckpointDir => Path.Combine(opt.OutDir, "checkpoint");
    public string LossCsv => Path.Combine(opt.OutDir, "losses.csv");
    /// The complete checkpoint to resume from: checkpoint/, or checkpoint.old/ when a kill fell between SaveCheckpoint's
    /// renames; null for a fresh run.
    string? ResumeDir =>
        File.Exists(Path.Combine(CheckpointDir, "state.json")) ? CheckpointDir
        : File.Exists(Path.Combine(CheckpointDir + ".old", "state.json")) ? CheckpointDir + ".old" : null;
    public double WallSeconds => wallSeconds;

    public GansynthTrainer(GansynthTrainOptions options, Action<string>? logger = null)
    {
        opt = options;
        log = logger ?? (_ => { });
        if (opt.Batch < 2) throw new ArgumentException("--batch must be >= 2 (minibatch stddev and the gradient penalty need a batch)");
        if (opt.Steps < 1) throw new ArgumentException("--steps must be >= 1");
        Directory.CreateDirectory(opt.OutDir);
        string runCfg = Path.Combine(opt.OutDir, GansynthModel.ConfigFile);
        bool resume = ResumeDir is not null;
        var cfg = resume && File.Exists(runCfg) ? GansynthConfig.Load(runCfg) : opt.Config;
        cfg.Validate();
        if (opt.Widen is { } widen && !widen.SequenceEqual(cfg.Channels))
        {
            if (!resume) throw new ArgumentException($"--widen grows a trained run, and {opt.OutDir} has no checkpoint to grow");
            string dir = ResumeDir!;
            log($"widening the checkpoint from channels [{string.Join(", ", cfg.Channels)}] to [{string.Join(", ", widen)}] (function-preserving; optimizer states start afresh)");
            cfg = Widening.WidenCheckpoint(dir, cfg, widen, opt.Seed);
            cfg.Validate();
            cfg.Save(runCfg);
        }

        if (resume && Generator.ExtendCheckpoint(ResumeDir!, cfg, opt.Seed) is { Count: > 0 } added)
            log($"turned on in the checkpoint: {string.Join(", ", added)} (each starts as the identity: the generator plays as before); the generator's Adam starts afresh");

        data = FeatureCache.LoadOrBuild(opt.DataDir, opt.Split, cfg, Path.Combine(opt.OutDir, opt.Limit > 0 ? $"features_{opt.Split}_first{opt.Limit}.safetensors" : $"features_{opt.Split}.safetensors"), log, opt.Limit);
        if (!resume)
        {
            // The top of the log-magnitude range is measured on the data (rounded up to 0.5) so tanh's range is used fully.
            using var lm = data.Features[.., 0];
            float max = lm.max().item<float>();
            cfg = cfg with { LogMagMax = MathF.Ceiling(max * 2f) / 2f };
            log($"log-mel range of the data: max {max:F3} -> log_mag_max {cfg.LogMagMax}");
        }
        if (cfg.FamilyOffset > 0 && cfg.Families.Length == 0)
        {
            // The families and their shares are the training data's, measured once when conditioning is switched on.
            var ids = data.Families.Distinct().Order().ToArray();
            cfg = cfg with
            {
                Families = ids.Select(i => Dataset.GeneralMidi.Families[i]).ToArray(),
                FamilyShares = ids.Select(i => Math.Round(data.Families.Count(f => f == i) / (double)data.Count, 6)).ToArray(),
            };
            double drift = 1 - cfg.FamilyShares.Sum();
            cfg.FamilyShares[^1] += drift; // the rounding's remainder, so the shares sum to 1
            log($"family conditioning: {string.Join(", ", cfg.Families.Zip(cfg.FamilyShares, (f, x) => $"{f} {x:F3}"))}");
        }
        Config = cfg;
        Config.Save(runCfg);
        if (Config.BalanceFamilies)
            log($"family-balanced sampling: {data.Families.Distinct().Count()} families, an epoch of {EpochLength} notes ({data.Count} distinct)");
        if (Config.FamilyCount > 0)
            familyOfNote = data.Families.Select(id => Config.FamilyIndex(Dataset.GeneralMidi.Families[id])).ToArray();
        normalized = Conditioning.Normalize(Config, data.Features);

        manual_seed(opt.Seed);
        G = new Generator(Config);
        D = new Discriminator(Config);
        if (Config.UsesPlanes)
            planeTargets = PlaneTargets.LoadOrBuild(opt.DataDir, opt.Split, Config, data, G.HarmonicBasis!,
                Path.Combine(opt.OutDir, opt.Limit > 0 ? $"planes_{opt.Split}_first{opt.Limit}.safetensors" : $"planes_{opt.Split}.safetensors"), log, opt.Limit);
        optG = optim.Adam(G.parameters(), Config.LearningRate, Config.AdamBeta1, Config.AdamBeta2, 1e-8);
        optD = optim.Adam(D.parameters(), Config.LearningRate, Config.AdamBeta1, Config.AdamBeta2, 1e-8);
        log($"generator {Count(G):N0} parameters, discriminator {Count(D):N0} parameters, {data.Count} notes, batch {opt.Batch}");
        if (Config.EmaDecay > 0) { GEma = new Generator(Config); SetRequiresGrad(GEma, false); }
        if (Config.ProjectionDiscriminator)
        {
            P = new ConditionProjection(Config);
            optP = optim.Adam(P.parameters(), Config.LearningRate, Config.AdamBeta1, Config.AdamBeta2, 1e-8);
        }
        if (Config.FamilyCount > 0)
        {
            Fc = new FamilyCritic(Config);
            optF = optim.Adam(Fc.parameters(), Config.LearningRate, Config.AdamBeta1, Config.AdamBeta2, 1e-8);
        }
        if (Config.PlaneCriticWeight > 0)
        {
            Pc = new PlaneCritic(Config);
            // beta1 0, as WGAN-GP's critic (Gulrajani et al. 2017): momentum makes a critic trail the generator it tracks.
            optPc = optim.Adam(Pc.parameters(), Config.PlaneCriticLearningRateOrDefault, 0, Config.AdamBeta2, 1e-8);
            log($"plane critic: {Count(Pc):N0} parameters, weight {Config.PlaneCriticWeight}");
        }
        if (Config.CodeWeight > 0)
        {
            Tc = new TimbreCodes(Config, data.Instruments.Distinct().Order(StringComparer.Ordinal).ToArray());
            codeOfNote = Tc.IndexOf(data.Instruments);
            optC = optim.Adam(Tc.parameters(), Config.CodeLearningRateOrDefault, Config.AdamBeta1, Config.AdamBeta2, 1e-8);
            log($"timbre codes: {Tc.Count} instruments, weight {Config.CodeWeight}, prior noise {Config.CodeSigma}, learning rate {Config.CodeLearningRateOrDefault}");
        }
        if (resume) LoadCheckpoint();
        else
        {
            CopyWeights(G, GEma);
            if (opt.WriteSamples) WriteRealGrid();
        }
        if (Config.EnvelopeOnly)
        {
            // Only the envelope head learns; Adam skips the parameters that get no gradient.
            SetRequiresGrad(G, false);
            foreach (var p in G.EnvelopeParameters()) p.requires_grad = true;
            log($"envelope head alone: {G.EnvelopeParameters().Sum(p => p.numel()):N0} parameters, the generator fixed");
        }
    }

    /// samples/real.png: 16 real notes (spread over the data) drawn like the generated grids, for comparison.
    void WriteRealGrid()
    {
        string dir = Path.Combine(opt.OutDir, "samples");
        Directory.CreateDirectory(dir);
        int n = Math.Min(16, data.Count);
        var order = Enumerable.Range(0, data.Count).OrderBy(i => data.Pitches[i]).ToArray();
        using var idx = tensor(Enumerable.Range(0, n).Select(i => (long)order[(long)i * data.Count / n]).ToArray());
        using var f = data.Features.index_select(0, idx);
        using var lm = f[.., 0]; using var ifm = f[.., 1];
        SampleGrid.WritePng(Path.Combine(dir, "real.png"), lm, ifm, 4, Config.LogMagMin, Config.LogMagMax);
    }

    static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());

    /// Runs until opt.Steps, calling onStep after each step. Honours cancellation between steps (checkpointing first).
    public void Train(Action<GansynthLosses>? onStep = null, CancellationToken cancel = default)
    {
        if (Step == 0) File.WriteAllText(LossCsv, LossHeader + "\n");
        var sw = Stopwatch.StartNew();
        double wallAtStart = wallSeconds;
        var pending = new List<GansynthLosses>();
        while (Step < opt.Steps)
        {
            cancel.ThrowIfCancellationRequested();
            var l = TrainStep();
            wallSeconds = wallAtStart + sw.Elapsed.TotalSeconds;
            pending.Add(l);
            if (Step % opt.LogEvery == 0 || Step == opt.Steps) { AppendLosses(pending); pending.Clear(); }
            if (Step % opt.CheckpointEvery == 0 || Step == opt.Steps) { SaveCheckpoint(); PlotLosses(); }
            if (opt.WriteSamples && (Step % opt.SampleEvery == 0 || Step == opt.Steps)) WriteSamples();
            onStep?.Invoke(l);
        }
        SaveFinal();
    }

    /// One D step and one G step on the next batch; returns the losses.
    public GansynthLosses TrainStep()
    {
        Step++;
        manual_seed(opt.Seed * 1_000_003L + Step);
        G.train(); D.train();
        using var scope = NewDisposeScope();
        var idx = BatchIndices(Step);
        using var idxT = tensor(idx.Select(i => (long)i).ToArray());
        var real = normalized.index_select(0, idxT);
        var pitches = idx.Select(i => data.Pitches[i]).ToArray();
        var vels = idx.Select(i => data.Velocities[i]).ToArray();
        var pitchOh = Conditioning.PitchOneHot(Config, pitches);
        var velOh = Conditioning.VelocityOneHot(Config, vels);
        var pitchTarget = tensor(pitches.Select(p => (long)Config.PitchIndex(p)).ToArray());
        var velTarget = tensor(vels.Select(v => (long)Config.VelocityIndex(v)).ToArray());
        int b = idx.Length, np = Config.PitchCount;
        var ownCode = Tc is null ? null : tensor(idx.Select(i => codeOfNote[i]).ToArray()); // each real note's instrument code
        var codeIdx = ownCode;
        var famTarget = tensor(idx.Select(i => (long)(Fc is null ? 0 : familyOfNote[i])).ToArray());
        Tensor? famOh = Fc is null ? null : F.one_hot(famTarget, Config.FamilyCount).to_type(ScalarType.Float32);
        if (Config.EnvelopeOnly) return EnvelopeOnlyStep(ownCode!, pitchOh, velOh, idxT);
        if (Config.CodeOnly) return CodeOnlyStep(ownCode!, real, pitchOh, velOh, idxT);
        if (Pc is not null) PlaneCriticStep(ownCode!, pitchOh, velOh, idxT);

        // ---- discriminator: E[D(fake)] - E[D(real)] + lambda GP + eps E[D(real)^2] + w_ac CE(real)
        SetCriticRequiresGrad(true);
        optD.zero_grad();
        optP?.zero_grad();
        optF?.zero_grad();
        Tensor fake;
        using (no_grad()) fake = G.forward(Latents(b, famOh, codeIdx), pitchOh, velOh);
        var (outReal, dReal, famReal) = Critic(real, pitchOh, velOh, famOh);
        var (_, dFake, _) = Critic(fake, pitchOh, velOh, famOh);
        var wass = dFake.mean() - dReal.mean();
        var alpha = rand(b, 1, 1, 1);
        var mix = Add(alpha * real, Rsub(1, alpha) * fake).detach().requires_grad_(true);
        var (_, dMix, _) = Critic(mix, pitchOh, velOh, famOh);
        var grads = torch.autograd.grad([dMix.sum()], [mix], retain_graph: true, create_graph: true)[0];
        var gradNorm = Add(Ops.Square(grads.flatten(1)).sum([1L]), 1e-12).sqrt();
        var gp = Ops.Square(gradNorm - S(1)).mean();
        var drift = Ops.Square(dReal).mean();
        var (dPitchCe, dVelocityCe) = AcLosses(outReal, pitchTarget, velTarget, np);
        var dCe = dVelocityCe is null ? dPitchCe : Add(dPitchCe, dVelocityCe);
        var dLoss = Add(wass, S(Config.GpLambda) * gp);
        dLoss = Add(dLoss, S(Config.DriftEpsilon) * drift);
        dLoss = Add(dLoss, S(Config.AcWeightD) * dCe);
        float dFamilyCe = 0;
        if (famReal is not null)
        {
            var ce = F.cross_entropy(famReal, famTarget);
            dLoss = Add(dLoss, S(Config.AcWeightD) * ce);
            dFamilyCe = ce.item<float>();
        }
        NonFiniteLoss.Check(dLoss, "discriminator", Step, CheckpointDir);
        dLoss.backward();
        NonFiniteLoss.CheckGradients(D, "discriminator", Step, CheckpointDir);
        if (P is not null) NonFiniteLoss.CheckGradients(P, "discriminator's projection", Step, CheckpointDir);
        if (Fc is not null) NonFiniteLoss.CheckGradients(Fc, "discriminator's family critic", Step, CheckpointDir);
        AdamStep.Step(optD);
        if (optP is not null) AdamStep.Step(optP);
        if (optF is not null) AdamStep.Step(optF);

        // ---- generator: -E[D(G(z))] + w_ac CE(D(G(z))) [+ w_ms / mode distance]
        SetCriticRequiresGrad(false);
        optG.zero_grad();
        optC?.zero_grad();
        var (askedPitch, askedVelocity, askedFamily) = (pitchOh, velOh, famOh);  // the real notes' own conditions
        bool seekModes = Config.ModeSeekingWeight > 0;
        int half = b / 2;
        if (seekModes)
        {
            // The second half of the batch repeats the first half's conditions, so notes i and i + half are a pair.
            var pairOf = tensor(Enumerable.Range(0, b).Select(i => (long)(i < 2 * half ? i % half : i)).ToArray());
            pitchOh = pitchOh.index_select(0, pairOf);
            velOh = velOh?.index_select(0, pairOf);
            pitchTarget = pitchTarget.index_select(0, pairOf);
            velTarget = velTarget.index_select(0, pairOf);
            famTarget = famTarget.index_select(0, pairOf);
            famOh = famOh?.index_select(0, pairOf);
            codeIdx = codeIdx?.index_select(0, pairOf);
        }
        var zG = Latents(b, famOh, codeIdx);
        var fake2 = G.forward(zG, pitchOh, velOh);
        var (outG, criticG, famG) = Critic(fake2, pitchOh, velOh, famOh);
        var (gPitchCe, gVelocityCe) = AcLosses(outG, pitchTarget, velTarget, np);
        var gCe = gVelocityCe is null ? gPitchCe : Add(gPitchCe, gVelocityCe);
        var gLoss = Add(-criticG.mean(), S(Config.AcWeightG) * gPitchCe);
        if (gVelocityCe is not null) gLoss = Add(gLoss, S(Config.AcWeightGVelocityOrDefault) * gVelocityCe);
        float gFamilyCe = 0;
        if (famG is not null)
        {
            var ce = F.cross_entropy(famG, famTarget);
            gLoss = Add(gLoss, S(Config.AcWeightGFamilyOrDefault) * ce);
            gFamilyCe = ce.item<float>();
        }
        float modeDistance = 0;
        if (seekModes)
        {
            var judged = fake2[.., ..Config.DiscriminatorChannels];
            var lz = (judged[..half] - judged[half..(2 * half)]).abs().mean() / (zG[..half] - zG[half..(2 * half)]).abs().mean();
            gLoss = Add(gLoss, Rdiv(Config.ModeSeekingWeight, Add(lz, 1e-5)));
            modeDistance = lz.item<float>();
        }
        float imleDistance = 0;
        if (Config.ImleWeight > 0)
        {
            // Candidates c = 0..m-1 of real note i are rows i * m + c. The nearest is chosen without a graph and only it
            // is generated again with one (the same notes: same latents, same weights), so many candidates cost forward
            // passes alone and only the nearest of each real note is pulled.
            int m = Config.ImleCandidatesOrDefault;
            var rep = tensor(Enumerable.Range(0, b * m).Select(i => (long)(i / m)).ToArray());
            var zAll = Latents(b * m, askedFamily?.index_select(0, rep), ownCode?.index_select(0, rep));
            var target = ImleView(real);
            Tensor pick;
            using (no_grad())
            {
                // In slices of at most 32 notes: a 64-note pass's activations (> 32 MB, glibc's largest mmap threshold)
                // are mmap'd and page-faulted anew every step; 8 candidates in one pass ran at 0.45 steps/s, in slices
                // at 1.9 (2 threads, batch 8).
                var rows = new List<Tensor>();
                for (int start = 0; start < b * m; start += ImleSlice)
                {
                    int n = Math.Min(ImleSlice, b * m - start);
                    var of = rep.narrow(0, start, n);
                    var notes = ImleView(G.forward(zAll.narrow(0, start, n), askedPitch.index_select(0, of), askedVelocity?.index_select(0, of)));
                    rows.Add((notes.reshape(n, -1) - target.reshape(b, -1).index_select(0, of)).abs().mean([1L]));
                }
                var distance = cat(rows, 0).reshape(b, m);
                pick = Add(distance.argmin(1), arange(SI(b), dtype: ScalarType.Int64) * SI(m)); // int64: integer Scalars
            }
            var chosen = ImleView(G.forward(zAll.index_select(0, pick), askedPitch, askedVelocity));
            var nearest = (chosen.reshape(b, -1) - target.reshape(b, -1)).abs().mean();
            gLoss = Add(gLoss, S(Config.ImleWeight) * nearest);
            imleDistance = nearest.item<float>();
        }
        float codeDistance = 0, planeDistance = 0;
        if (Pc is not null) gLoss = Add(gLoss, PlaneAdversarial(ownCode!, askedPitch, askedVelocity));
        if (Tc is not null)
        {
            var (weighted, distance, planeLoss, planeReported) = CodeDistance(ownCode!, real, askedPitch, askedVelocity, idxT);
            gLoss = Add(gLoss, S(Config.CodeWeight) * weighted);
            codeDistance = distance.item<float>();
            if (planeLoss is not null) { gLoss = Add(gLoss, planeLoss); planeDistance = planeReported; }
        }
        NonFiniteLoss.Check(gLoss, "generator", Step, CheckpointDir);
        gLoss.backward();
        NonFiniteLoss.CheckGradients(G, "generator", Step, CheckpointDir);
        if (Tc is not null) NonFiniteLoss.CheckGradients(Tc, "timbre codes", Step, CheckpointDir);
        AdamStep.Step(optG);
        if (optC is not null) { AdamStep.Step(optC); Tc!.Renormalize(); }
        UpdateEma();
        SetCriticRequiresGrad(true);

        return new GansynthLosses(Step, dLoss.item<float>(), gLoss.item<float>(), -wass.item<float>(), gp.item<float>(),
            dCe.item<float>(), gCe.item<float>(), drift.item<float>(), modeDistance, dFamilyCe, gFamilyCe, imleDistance, codeDistance, planeDistance);
    }

    /// Every real note of the batch played from its instrument's code: mean |G(code) - real| of the judged channels
    /// (Distance, what the log reports) and the same with the attack frames weighted (Loss, what is minimised; equal
    /// without attack_weight), differentiable in G and in the codes; with plane_weight / plane_mean_weight also the
    /// weighted plane terms (PlaneTargets: G's planes against the notes' measured ones, PlaneLoss) and the distance
    /// losses.csv reports (plane_weight's when it is on, else the mean distance), else null and 0.
    (Tensor Loss, Tensor Distance, Tensor? PlaneLoss, float PlaneDistance) CodeDistance(Tensor ownCode, Tensor real, Tensor pitchOh, Tensor? velOh, Tensor noteIdx)
    {
        var own = Tc!.Codes.index_select(0, ownCode);
        Tensor output, planes = null!;
        bool withPlanes = Config.PlaneWeight > 0 || Config.PlaneMeanWeight > 0;
        if (!withPlanes) output = G.forward(own, pitchOh, velOh);
        else (output, planes) = G.ForwardWithPlanes(own, pitchOh, velOh);
        var played = output[.., ..Config.DiscriminatorChannels];
        var error = (played - real[.., ..Config.DiscriminatorChannels]).abs();
        var distance = error.mean();
        Tensor? planeLoss = null; float reported = 0;
        if (Config.PlaneWeight > 0)
        {
            var d = planeTargets!.Distance(planes, noteIdx, pitchOh.argmax(1));
            planeLoss = S(Config.PlaneWeight) * d; reported = d.item<float>();
        }
        if (Config.PlaneMeanWeight > 0)
        {
            var d = planeTargets!.MeanDistance(planes, noteIdx, pitchOh.argmax(1));
            planeLoss = planeLoss is null ? S(Config.PlaneMeanWeight) * d : Add(planeLoss, S(Config.PlaneMeanWeight) * d);
            if (Config.PlaneWeight == 0) reported = d.item<float>();
        }
        if (Config.AttackFrames == 0 || Config.AttackWeight == 0) return (distance, distance, planeLoss, reported);
        return ((error * AttackWeights(Config)).mean(), distance, planeLoss, reported);
    }

    /// [frames] weights: 1 + attack_weight for the first attack_frames frames, 1 after.
    public static Tensor AttackWeights(GansynthConfig cfg)
    {
        var w = new float[cfg.Frames];
        for (int t = 0; t < w.Length; t++) w[t] = t < cfg.AttackFrames ? 1 + cfg.AttackWeight : 1;
        return tensor(w);
    }

    /// A step of the generator and the codes on the code distance alone (config code_only): no critic step, D and its
    /// optimizer untouched. A resume stays exact: torch's RNG is drawn only by the plane critic, and TrainStep
    /// reseeds it from (seed, step) at every step.
    GansynthLosses CodeOnlyStep(Tensor ownCode, Tensor real, Tensor pitchOh, Tensor? velOh, Tensor noteIdx)
    {
        var planeCritic = Pc is null ? default : PlaneCriticStep(ownCode, pitchOh, velOh, noteIdx);
        optG.zero_grad();
        optC!.zero_grad();
        var (weighted, distance, planeLoss, planeReported) = CodeDistance(ownCode, real, pitchOh, velOh, noteIdx);
        var loss = S(Config.CodeWeight) * weighted;
        if (planeLoss is not null) loss = Add(loss, planeLoss);
        if (Pc is not null) loss = Add(loss, PlaneAdversarial(ownCode, pitchOh, velOh));
        NonFiniteLoss.Check(loss, "generator", Step, CheckpointDir);
        loss.backward();
        NonFiniteLoss.CheckGradients(G, "generator", Step, CheckpointDir);
        NonFiniteLoss.CheckGradients(Tc!, "timbre codes", Step, CheckpointDir);
        AdamStep.Step(optG);
        AdamStep.Step(optC);
        Tc!.Renormalize();
        UpdateEma();
        float d = distance.item<float>();
        // Without the log-mel critic its columns of losses.csv carry the plane critic's loss, Wasserstein estimate and penalty.
        return new GansynthLosses(Step, planeCritic.Loss, loss.item<float>(), planeCritic.Wasserstein, planeCritic.Penalty, 0, 0, 0, CodeDistance: d, PlaneDistance: planeReported);
    }

    /// A step of the envelope head alone (config envelope_only): notes drawn from the prior around each real note's
    /// instrument code (so the head learns what the prior's neighbourhood of a code should sound like, not the code
    /// alone), at the note's pitch and velocity, their rows' note-long levels pulled toward the measured ones
    /// (PlaneTargets.MeanDistance). The generator, the codes and the critics are untouched; the weight average of the
    /// fixed parameters stays equal to them (the envelope is added to a checkpoint on the average, Generator.ExtendCheckpoint).
    GansynthLosses EnvelopeOnlyStep(Tensor ownCode, Tensor pitchOh, Tensor? velOh, Tensor noteIdx)
    {
        optG.zero_grad();
        var planes = G.ForwardPlanes(Latents((int)ownCode.shape[0], null, ownCode), pitchOh, velOh);
        var distance = planeTargets!.MeanDistance(planes, noteIdx, pitchOh.argmax(1));
        NonFiniteLoss.Check(distance, "envelope head", Step, CheckpointDir);
        distance.backward();
        NonFiniteLoss.CheckGradients(G, "envelope head", Step, CheckpointDir);
        AdamStep.Step(optG);
        UpdateEma();
        float d = distance.item<float>();
        return new GansynthLosses(Step, 0, d, 0, 0, 0, 0, 0, PlaneDistance: d);
    }

    /// One step of the plane critic (WGAN-GP, drift): the batch's real notes' measured planes against notes drawn from
    /// the prior around their instruments' codes, at their pitches and velocities.
    (float Loss, float Wasserstein, float Penalty) PlaneCriticStep(Tensor ownCode, Tensor pitchOh, Tensor? velOh, Tensor noteIdx)
    {
        using var scope = NewDisposeScope();
        SetRequiresGrad(Pc!, true);
        optPc!.zero_grad();
        var pitchIdx = pitchOh.argmax(1);
        var real = planeTargets!.Real(noteIdx, pitchIdx);
        Tensor fake;
        using (no_grad()) fake = planeTargets.Generated(G.ForwardPlanes(Latents((int)real.shape[0], null, ownCode), pitchOh, velOh), pitchIdx);
        var dReal = Pc!.forward(real, pitchOh, velOh);
        var wass = Pc.forward(fake, pitchOh, velOh).mean() - dReal.mean();
        var alpha = rand(real.shape[0], 1, 1, 1);
        var mix = Add(alpha * real, Rsub(1, alpha) * fake).detach().requires_grad_(true);
        var grads = torch.autograd.grad([Pc.forward(mix, pitchOh, velOh).sum()], [mix], retain_graph: true, create_graph: true)[0];
        var gp = Ops.Square(Add(Add(Ops.Square(grads.flatten(1)).sum([1L]), 1e-12).sqrt(), -1.0)).mean();
        var loss = Add(Add(wass, S(Config.GpLambda) * gp), S(Config.DriftEpsilon) * Ops.Square(dReal).mean());
        NonFiniteLoss.Check(loss, "plane critic", Step, CheckpointDir);
        loss.backward();
        NonFiniteLoss.CheckGradients(Pc, "plane critic", Step, CheckpointDir);
        AdamStep.Step(optPc);
        SetRequiresGrad(Pc, false);
        return (loss.item<float>(), -wass.item<float>(), gp.item<float>());
    }

    /// The generator's side of the plane critic: plane_critic_weight x -score of notes drawn from the prior.
    Tensor PlaneAdversarial(Tensor ownCode, Tensor pitchOh, Tensor? velOh)
    {
        using var scope = NewDisposeScope();
        var planes = G.ForwardPlanes(Latents((int)ownCode.shape[0], null, ownCode), pitchOh, velOh);
        var score = Pc!.forward(planeTargets!.Generated(planes, pitchOh.argmax(1)), pitchOh, velOh);
        return (score.mean() * S(-Config.PlaneCriticWeight)).MoveToOuterDisposeScope();
    }

    /// b Gaussian latents, each moved into its note's family region (z + family_offset e_f) when famOh is given; with
    /// timbre codes, the prior's latents instead: each note's instrument code plus code_sigma Gaussian noise.
    Tensor Latents(int b, Tensor? famOh, Tensor? codeIdx = null)
    {
        var z = randn(b, Config.LatentSize);
        if (codeIdx is not null) return Add(Tc!.Codes.detach().index_select(0, codeIdx), S(Config.CodeSigma) * z);
        if (famOh is null) return z;
        return Add(z, S(Config.FamilyOffset) * F.pad(famOh, [0, Config.LatentSize - Config.FamilyCount]));
    }

    /// The recall term's candidates are generated at most this many notes at a time (see TrainStep).
    const int ImleSlice = 32;

    /// What the recall term compares: the judged channels, average-pooled over (mel bands, frames) by `imle_pool` when
    /// set, so the distance is the notes' coarse spectral envelope and its course in time rather than every bin's detail.
    Tensor ImleView(Tensor notes)
    {
        var judged = notes[.., ..Config.DiscriminatorChannels];
        if (Config.ImlePool is not { } pool) return judged;
        return F.avg_pool2d(judged, [pool[0], pool[1]]);
    }

    /// D's outputs and the critic score: column 0, plus the projection terms when the config has them; and the family
    /// logits (null without family conditioning).
    (Tensor Outputs, Tensor Score, Tensor? FamilyLogits) Critic(Tensor x, Tensor pitchOh, Tensor? velOh, Tensor? famOh)
    {
        var (outputs, features) = D.Judge(x);
        var score = outputs[.., 0];
        if (P is not null) score = Add(score, P.forward(features, pitchOh, velOh));
        Tensor? familyLogits = null;
        if (Fc is not null)
        {
            var (logits, projection) = Fc.forward(features, famOh!);
            score = Add(score, projection);
            familyLogits = logits;
        }
        return (outputs, score, familyLogits);
    }

    void SetCriticRequiresGrad(bool on)
    {
        SetRequiresGrad(D, on);
        if (P is not null) SetRequiresGrad(P, on);
        if (Fc is not null) SetRequiresGrad(Fc, on);
    }

    /// The auxiliary classifier's cross-entropies: pitch, and velocity layer (null when the config has no layers).
    (Tensor Pitch, Tensor? Velocity) AcLosses(Tensor outD, Tensor pitchTarget, Tensor velTarget, int np) =>
        (F.cross_entropy(outD[.., 1..(1 + np)], pitchTarget),
         Config.VelocityCount > 0 ? F.cross_entropy(outD[.., (1 + np)..], velTarget) : null);

    /// ema = d ema + (1 - d) w after every generator step.
    void UpdateEma()
    {
        if (GEma is null) return;
        using var _ = no_grad();
        float d = Config.EmaDecay;
        foreach (var (e, w) in GEma.parameters().Zip(G.parameters())) e.mul_(S(d)).add_(w, alpha: S(1 - d));
    }

    static void CopyWeights(Generator from, Generator? to)
    {
        if (to is null) return;
        using var _ = no_grad();
        foreach (var (e, w) in to.parameters().Zip(from.parameters())) e.copy_(w);
    }

    static void SetRequiresGrad(nn.Module m, bool on)
    {
        foreach (var p in m.parameters()) p.requires_grad = on;
    }

    /// Sample j of the run is perm(epoch = j / N)[j % N]; each epoch's permutation comes from our own RNG seeded
    /// with (seed, epoch), so batches depend only on (seed, step). With `balance_families` an epoch holds every family
    /// equally often: each family's notes, shuffled and cycled to the largest family's count.
    int[] BatchIndices(int step)
    {
        var r = new int[opt.Batch];
        for (int i = 0; i < r.Length; i++)
        {
            long j = (long)(step - 1) * opt.Batch + i;
            long n = EpochLength;
            long epoch = j / n;
            if (epoch != permEpoch)
            {
                perm = EpochOrder(new Random((int)((opt.Seed * 1_000_003L + epoch * 7919L) & 0x7FFFFFFF))); // seeded System.Random is stable across runs
                permEpoch = epoch;
            }
            r[i] = perm![j % n];
        }
        return r;
    }

    long EpochLength => epochLength ??= EpochLengthOf(data.Families, Config.BalanceFamilies);
    long? epochLength;

    /// Notes per epoch: every note once, or, balanced, the largest family's count for each family.
    public static int EpochLengthOf(int[] familyOfNote, bool balance) =>
        balance ? familyOfNote.Distinct().Count() * familyOfNote.GroupBy(f => f).Max(g => g.Count()) : familyOfNote.Length;

    int[] EpochOrder(Random rng) => EpochOrder(data.Families, Config.BalanceFamilies, rng);

    /// One epoch's note order: every note once, shuffled; or, balanced, each family's notes shuffled and cycled to the
    /// largest family's count, then all shuffled together.
    public static int[] EpochOrder(int[] familyOfNote, bool balance, Random rng)
    {
        if (!balance)
        {
            var all = Enumerable.Range(0, familyOfNote.Length).ToArray();
            rng.Shuffle(all);
            return all;
        }
        var groups = Enumerable.Range(0, familyOfNote.Length).GroupBy(i => familyOfNote[i]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToList();
        int largest = groups.Max(g => g.Length);
        var order = new int[groups.Count * largest];
        int o = 0;
        foreach (var notes in groups)
        {
            rng.Shuffle(notes);
            for (int k = 0; k < largest; k++) order[o++] = notes[k % notes.Length];
        }
        rng.Shuffle(order);
        return order;
    }

    void AppendLosses(List<GansynthLosses> rows)
    {
        var ci = CultureInfo.InvariantCulture;
        using var w = File.AppendText(LossCsv);
        foreach (var l in rows)
            w.WriteLine(string.Join(",", new[] { l.Step.ToString(ci), F6(l.DLoss), F6(l.GLoss), F6(l.Wasserstein), F6(l.GradientPenalty), F6(l.DPitchCe), F6(l.GPitchCe), F6(l.Drift), wallSeconds.ToString("F1", ci), F6(l.ModeDistance), F6(l.DFamilyCe), F6(l.GFamilyCe), F6(l.ImleDistance), F6(l.CodeDistance), F6(l.PlaneDistance) }));
        static string F6(float v) => v.ToString("G6", CultureInfo.InvariantCulture);
    }

    public static List<double[]> ReadLosses(string csv)
    {
        var rows = new List<double[]>();
        foreach (var line in File.ReadLines(csv).Skip(1))
        {
            var parts = line.Split(',');
            if (parts.Length < 9) continue;
            // Columns added by later phases are empty in earlier rows (a shipped losses.csv holds every phase): NaN.
            rows.Add(parts.Select(p => p.Length == 0 ? double.NaN : double.Parse(p, CultureInfo.InvariantCulture)).ToArray());
        }
        return rows;
    }

    public void PlotLosses()
    {
        var rows = ReadLosses(LossCsv);
        if (rows.Count < 2) return;
        var plt = new ScottPlot.Plot();
        double[] xs = rows.Select(r => r[0]).ToArray();
        (int col, string name)[] series = [(3, "Wasserstein estimate"), (4, "gradient penalty"), (5, "D pitch CE (real)"), (6, "G pitch CE (fake)")];
        foreach (var (col, name) in series)
        {
            var s = plt.Add.Scatter(xs, Smooth(rows.Select(r => r[col]).ToArray(), 10));
            s.MarkerSize = 0; s.LegendText = name;
        }
        plt.Title("GANSynth training losses (moving average of 10 logged points)");
        plt.XLabel("step");
        plt.ShowLegend();
        plt.SavePng(Path.Combine(opt.OutDir, "losses.png"), 1000, 600);
    }

    static double[] Smooth(double[] v, int k)
    {
        var r = new double[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            int lo = Math.Max(0, i - k + 1);
            double s = 0; for (int j = lo; j <= i; j++) s += v[j];
            r[i] = s / (i - lo + 1);
        }
        return r;
    }

    /// 4 fixed latents (seeds 1-4) x pitches 36, 48, 60, 72 at velocity 90 (or the configured layer nearest to it).
    public void WriteSamples()
    {
        SyncCodes();
        string dir = Path.Combine(opt.OutDir, "samples");
        Directory.CreateDirectory(dir);
        int[] pitchSet = new[] { 36, 48, 60, 72 }.Where(p => p >= Config.MinPitch && p <= Config.MaxPitch).DefaultIfEmpty(Config.MinPitch).ToArray();
        var zs = new List<Latent>(); var ps = new List<int>(); var vs = new List<int>();
        for (int s = 1; s <= 4; s++)
        {
            // With family conditioning each row is a family, spread over the list.
            var z = Config.PriorLatent(s);
            if (Config.FamilyCount > 0) z = Config.FamilyLatent(z, (s - 1) * Config.FamilyCount / 4);
            foreach (int p in pitchSet) { zs.Add(z); ps.Add(p); vs.Add(90); }
        }
        var shown = GEma ?? G;
        shown.eval();
        using var model = new GansynthModel(Config, shown);
        var (lm, ifm) = model.GenerateTensors(zs, ps, vs);
        using (lm) using (ifm)
        {
            string stem = Path.Combine(dir, $"step_{Step:D6}");
            SampleGrid.WritePng(stem + ".png", lm, ifm, pitchSet.Length, Config.LogMagMin, Config.LogMagMax);
            var waves = model.ToWaveformIf(lm, ifm);
            var all = waves.SelectMany(w => w).ToArray();
            float peak = all.Length == 0 ? 0 : all.Max(MathF.Abs);
            if (peak > 0.99f) for (int i = 0; i < all.Length; i++) all[i] *= 0.99f / peak;
            WavFile.Write(stem + ".wav", [all], Config.Spectral.SampleRate);
        }
        G.train();
    }

    public void SaveCheckpoint()
    {
        string tmp = CheckpointDir + ".tmp", old = CheckpointDir + ".old";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        WeightsFile.Save(G, Path.Combine(tmp, "generator.safetensors"));
        WeightsFile.Save(D, Path.Combine(tmp, "discriminator.safetensors"));
        if (GEma is not null) WeightsFile.Save(GEma, Path.Combine(tmp, EmaFile));
        optG.save_state_dict(Path.Combine(tmp, "optimizer_g.bin"));
        optD.save_state_dict(Path.Combine(tmp, "optimizer_d.bin"));
        if (P is not null)
        {
            WeightsFile.Save(P, Path.Combine(tmp, ProjectionFile));
            optP!.save_state_dict(Path.Combine(tmp, ProjectionOptimizerFile));
        }
        if (Fc is not null)
        {
            WeightsFile.Save(Fc, Path.Combine(tmp, FamilyFile));
            optF!.save_state_dict(Path.Combine(tmp, FamilyOptimizerFile));
        }
        if (Pc is not null)
        {
            WeightsFile.Save(Pc, Path.Combine(tmp, PlaneCriticFile));
            optPc!.save_state_dict(Path.Combine(tmp, PlaneCriticOptimizerFile));
        }
        if (Tc is not null)
        {
            WeightsFile.Save(Tc, Path.Combine(tmp, CodesFile));
            optC!.save_state_dict(Path.Combine(tmp, CodesOptimizerFile));
        }
        File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(new CheckpointState(Step, wallSeconds, opt.Seed, opt.Batch)));
        // Swap in with renames only, so a kill at any moment leaves a complete checkpoint or checkpoint.old.
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(CheckpointDir)) Directory.Move(CheckpointDir, old);
        Directory.Move(tmp, CheckpointDir);
        if (Directory.Exists(old)) Directory.Delete(old, true);
        // The codes beside the checkpoint's weights in the run's config.json, so a mid-run checkpoint's generator can be
        // evaluated and sampled with its prior.
        if (Tc is not null) { SyncCodes(); Config.Save(Path.Combine(opt.OutDir, GansynthModel.ConfigFile)); }
    }

    /// Config.Codes = the codes' current values.
    void SyncCodes()
    {
        if (Tc is not null) Config = Config with { Codes = Tc.ToArrays(), CodeNames = Tc.Names };
    }

    const string LossHeader = "step,d_loss,g_loss,wasserstein,gradient_penalty,d_pitch_ce,g_pitch_ce,drift,wall_seconds,mode_distance,d_family_ce,g_family_ce,imle_distance,code_distance,plane_distance";
    const string EmaFile = "generator_ema.safetensors";
    const string ProjectionFile = "projection.safetensors", ProjectionOptimizerFile = "optimizer_p.bin";
    const string FamilyFile = "family_critic.safetensors", FamilyOptimizerFile = "optimizer_f.bin";
    const string CodesFile = "timbre_codes.safetensors", CodesOptimizerFile = "optimizer_c.bin";
    const string PlaneCriticFile = "plane_critic.safetensors", PlaneCriticOptimizerFile = "optimizer_pc.bin";

    sealed record CheckpointState(int Step, double WallSeconds, long Seed, int Batch);

    void LoadCheckpoint()
    {
        string dir = ResumeDir!;
        string statePath = Path.Combine(dir, "state.json");
        CheckpointState? st;
        try { st = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(statePath)); }
        catch (JsonException e) { throw new InvalidFileException(statePath, 0, "malformed checkpoint state: " + e.Message); }
        if (st == null) throw new InvalidFileException(statePath, 0, "empty checkpoint state");
        if (st.Seed != opt.Seed || st.Batch != opt.Batch)
            throw new ArgumentException($"{opt.OutDir} holds a run with --seed {st.Seed} --batch {st.Batch}; resume with the same values or use a new --out");
        WeightsFile.Load(G, Path.Combine(dir, "generator.safetensors"));
        WeightsFile.Load(D, Path.Combine(dir, "discriminator.safetensors"));
        // A run that turns the average on at a resume starts it from the weights it resumes from.
        if (GEma is not null)
        {
            if (File.Exists(Path.Combine(dir, EmaFile))) WeightsFile.Load(GEma, Path.Combine(dir, EmaFile));
            else { CopyWeights(G, GEma); log($"ema_decay {Config.EmaDecay}: the weight average starts at this checkpoint"); }
        }
        // A widened checkpoint (Widening) has no optimizer states: Adam starts afresh there.
        if (File.Exists(Path.Combine(dir, "optimizer_g.bin"))) optG.load_state_dict(Path.Combine(dir, "optimizer_g.bin"));
        else log("no generator optimizer state in the checkpoint: Adam starts afresh");
        if (File.Exists(Path.Combine(dir, "optimizer_d.bin"))) optD.load_state_dict(Path.Combine(dir, "optimizer_d.bin"));
        else log("no discriminator optimizer state in the checkpoint: Adam starts afresh");
        // A run that turns the projection on at a resume starts it at zero: the critic's scores are unchanged.
        if (P is not null)
        {
            if (File.Exists(Path.Combine(dir, ProjectionFile)))
            {
                WeightsFile.Load(P, Path.Combine(dir, ProjectionFile));
                optP!.load_state_dict(Path.Combine(dir, ProjectionOptimizerFile));
            }
            else log("projection_discriminator: the critic's projection term starts at zero at this checkpoint");
        }
        if (Fc is not null)
        {
            if (File.Exists(Path.Combine(dir, FamilyFile)))
            {
                WeightsFile.Load(Fc, Path.Combine(dir, FamilyFile));
                optF!.load_state_dict(Path.Combine(dir, FamilyOptimizerFile));
            }
            else log("family_offset: the critic's family classifier and projection start at this checkpoint");
        }
        if (Pc is not null)
        {
            if (File.Exists(Path.Combine(dir, PlaneCriticFile)))
            {
                WeightsFile.Load(Pc, Path.Combine(dir, PlaneCriticFile));
                optPc!.load_state_dict(Path.Combine(dir, PlaneCriticOptimizerFile));
            }
            else log("plane_critic_weight: the plane critic starts at this checkpoint");
        }
        if (Tc is not null)
        {
            if (Tc.Added.Length > 0)
                log($"timbre codes: {Tc.Added.Length} instruments new to the run ({string.Join(", ", Tc.Added.Take(3))}...) start random, the others keep theirs; the codes' Adam starts afresh");
            else if (File.Exists(Path.Combine(dir, CodesFile)))
            {
                WeightsFile.Load(Tc, Path.Combine(dir, CodesFile));
                optC!.load_state_dict(Path.Combine(dir, CodesOptimizerFile));
            }
            else log("code_weight: the timbre codes start at this checkpoint");
        }
        // The run's config governs the learning rate of a resumed run (a saved optimizer state carries the rate it was
        // made with), so a later phase can lower it by editing config.json.
        // The betas too, so a regression phase (code_only) can give Adam momentum.
        foreach (var o in new[] { optG, optD, optP, optF, optC, optPc })
            if (o is not null)
                foreach (var g in o.ParamGroups)
                {
                    g.LearningRate = o == optC ? Config.CodeLearningRateOrDefault : o == optPc ? Config.PlaneCriticLearningRateOrDefault : Config.LearningRate;
                    var options = (Adam.Options)((ParamGroup)g).Options;
                    options.beta1 = o == optPc ? 0 : Config.AdamBeta1;
                    options.beta2 = Config.AdamBeta2;
                }
        Step = st.Step; wallSeconds = st.WallSeconds;
        // Drop loss rows logged after the checkpoint: they will be recomputed identically.
        if (File.Exists(LossCsv))
        {
            var lines = File.ReadAllLines(LossCsv);
            // The header is today's: a run begun before a column existed (mode_distance) has rows with more fields.
            var keep = new[] { LossHeader }.Concat(lines.Skip(1).Where(l => int.TryParse(l.Split(',')[0], out int s) && s <= Step));
            File.WriteAllLines(LossCsv, keep);
        }
        log($"resumed from {dir} at step {Step} ({wallSeconds:F0} s of training so far)");
    }

    void SaveFinal()
    {
        SyncCodes();
        var shipped = GEma ?? G;
        shipped.eval();
        var meta = new Dictionary<string, string> { ["format"] = "pt", ["model"] = "gansynth-generator", ["step"] = Step.ToString(CultureInfo.InvariantCulture) };
        if (GEma is not null) meta["ema_decay"] = Config.EmaDecay.ToString(CultureInfo.InvariantCulture);
        WeightsFile.Save(shipped, Path.Combine(opt.OutDir, GansynthModel.WeightsFileName), meta);
        Config.Save(Path.Combine(opt.OutDir, GansynthModel.ConfigFile));
    }

    public void Dispose()
    {
        G.Dispose(); GEma?.Dispose(); D.Dispose(); P?.Dispose(); Fc?.Dispose(); Pc?.Dispose(); optPc?.Dispose(); Tc?.Dispose(); optF?.Dispose(); optC?.Dispose(); optG.Dispose(); optD.Dispose(); optP?.Dispose(); data.Dispose(); normalized.Dispose(); planeTargets?.Dispose();
    }
}
