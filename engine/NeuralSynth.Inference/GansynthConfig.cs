using System.Text.Json;
using System.Text.Json.Serialization;
using NeuralSynth.Formats;
using NeuralSynth.Models.Audio;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Gansynth;

/// Everything that says what a GANSynth-style model is: spectral representation, conditioning, layer widths,
/// the normalisation constants of its outputs and the training hyper-parameters. Stored as config.json next to
/// model.safetensors (snake_case keys so a Python/PyTorch twin can read and write it too).
///
/// Output layout of the generator: [batch, 2, n_mels, frames] (the layout of MelSpectrogram.LogMel), both channels in [-1, 1]
/// (tanh; with the harmonic head the stack's tanh output goes through HarmonicMel first, which yields the same layout):
///   channel 0: log-mel magnitude, normalised: n = 2 (ln(max(mel_mag, 1e-5)) - log_mag_min) / (log_mag_max - log_mag_min) - 1
///   channel 1: mel instantaneous frequency (IF-Mel of the GANSynth paper), already in [-1, 1] (phase advance per hop / pi).
/// The "mel head" for the vocoder path is channel 0 denormalised: it is exactly the shared log-mel representation
/// (SpectralConfig) the vocoder consumes, so there is no third output channel to keep consistent with the first.
public sealed record GansynthConfig
{
    [JsonPropertyName("model")] public string Model { get; init; } = "gansynth";
    [JsonPropertyName("latent_size")] public int LatentSize { get; init; } = 64;
    [JsonPropertyName("min_pitch")] public int MinPitch { get; init; } = 24;
    [JsonPropertyName("max_pitch")] public int MaxPitch { get; init; } = 84;
    /// Velocity layers the generator is conditioned on (one-hot, nearest layer); empty = no velocity input.
    [JsonPropertyName("velocities")] public int[] Velocities { get; init; } = [50, 90, 127];

    /// The shared spectral representation (sample rate, STFT, mel bins, frames, log floor).
    [JsonPropertyName("spectral")] public SpectralConfig Spectral { get; init; } = SpectralConfig.Default;
    /// Log-magnitude range mapped to [-1, 1]: the bottom is ln(log_floor); the top is measured on the training
    /// data when a run starts (train gansynth writes it into the run's config.json).
    [JsonPropertyName("log_mag_min")] public float LogMagMin { get; init; } = -11.512925f;
    [JsonPropertyName("log_mag_max")] public float LogMagMax { get; init; } = 5f;

    /// Channel width per resolution stage, lowest resolution first. The first stage is
    /// n_mels / 2^(n-1) x frames / 2^(n-1), each later stage doubles both axes.
    [JsonPropertyName("channels")] public int[] Channels { get; init; } = [128, 128, 64, 32, 16];

    /// What the convolutional stack paints, see the header of this file: "if_mel" (GANSynth's IF-Mel, the literature
    /// baseline) or "harmonic" (per-harmonic log amplitudes + per-band noise levels, turned into the log-mel at the
    /// note's exact f0 by the fixed HarmonicMel layer; the discriminator then judges the log-mel only).
    [JsonPropertyName("head")] public string Head { get; init; } = HeadIfMel;
    public const string HeadIfMel = "if_mel", HeadHarmonic = "harmonic";
    [JsonIgnore] public bool IsHarmonic => Head == HeadHarmonic;
    /// Channels the discriminator judges: log-mel and IF for the IF-Mel head, the log-mel alone for the harmonic head
    /// (its IF is derived from the same amplitudes, and real noise bands' random IF would be a cue G cannot follow).
    [JsonIgnore] public int DiscriminatorChannels => IsHarmonic ? 1 : 2;

    /// 3x3 convolutions per upsampling (generator) / downsampling (discriminator) stage: 2 as in progressive GAN,
    /// 1 halves the cost for CPU training.
    [JsonPropertyName("convs_per_stage")] public int ConvsPerStage { get; init; } = 2;

    // Training (WGAN-GP + auxiliary classifier, as in GANSynth / progressive GAN).
    [JsonPropertyName("learning_rate")] public float LearningRate { get; init; } = 8e-4f;
    [JsonPropertyName("adam_beta1")] public float AdamBeta1 { get; init; } = 0f;
    [JsonPropertyName("adam_beta2")] public float AdamBeta2 { get; init; } = 0.99f;
    [JsonPropertyName("gp_lambda")] public float GpLambda { get; init; } = 10f;
    [JsonPropertyName("drift_epsilon")] public float DriftEpsilon { get; init; } = 1e-3f;
    [JsonPropertyName("ac_weight_d")] public float AcWeightD { get; init; } = 10f;
    /// Weight of the generator's auxiliary pitch loss. With the harmonic head the pitch is exact by construction, so
    /// the term was suspected of AC-GAN's known pull toward each pitch's most classifiable timbre (at 47,000 steps G's
    /// notes had pitch CE 0.17 in D where real notes had 0.44); measured, switching it off made FID worse (3.74x vs
    /// 3.46x after 2,000 steps), so the shipped model keeps 2.
    [JsonPropertyName("ac_weight_g")] public float AcWeightG { get; init; } = 10f;
    /// Weight of the generator's auxiliary velocity-layer loss; absent = ac_weight_g (one weight for both, as before).
    /// The critic is not told the asked velocity, so this term is what makes the layers follow it.
    [JsonPropertyName("ac_weight_g_velocity"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public float? AcWeightGVelocity { get; init; }
    [JsonIgnore] public float AcWeightGVelocityOrDefault => AcWeightGVelocity ?? AcWeightG;
    /// Weight of the generator's auxiliary family loss (family conditioning); absent = ac_weight_g. Measured need: with 2,
    /// 5,000 steps after family conditioning was switched on, the eval classifier heard the asked family in 0.35 of the
    /// notes (real test notes: 0.89) and G's family cross-entropy in D was 0.85 against 0.14 for real notes.
    [JsonPropertyName("ac_weight_g_family"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public float? AcWeightGFamily { get; init; }
    [JsonIgnore] public float AcWeightGFamilyOrDefault => AcWeightGFamily ?? AcWeightG;
    /// Decay of the exponential moving average of the generator's weights that the trainer ships (progressive GAN's
    /// 0.999); 0 = off, the last step's weights ship. The average smooths the step-to-step wander of an adversarial
    /// run, which the raw weights carry into every note.
    [JsonPropertyName("ema_decay")] public float EmaDecay { get; init; }
    /// Weight of the mode-seeking term (MSGAN, Mao et al. 2019) in the generator's loss: pairs of latents with the same
    /// pitch and velocity are pushed apart in output by 1 / (mean|G(z1) - G(z2)| / mean|z1 - z2|). Measured need: at
    /// 28,000 steps two notes of one condition differed by 1.5 ln-units rms where real ones differ by 2.2. 0 = off.
    [JsonPropertyName("mode_seeking_weight")] public float ModeSeekingWeight { get; init; }
    /// Weight of a recall term (IMLE, Li & Malik 2018) in the generator's loss: for each real note of the batch,
    /// `imle_candidates` generated notes of its pitch and velocity, and the nearest (mean |difference| of the judged
    /// channels) is pulled toward it, so every real timbre gets a latent that plays it. Measured need (EVAL.md,
    /// precision/recall): the 60,000-step model's notes are as real as real ones (precision 0.97) but reach a third of
    /// the real test notes (recall 0.31, real 0.88), and the mode-seeking term buys spread with softer attacks. 0 = off.
    [JsonPropertyName("imle_weight"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public float ImleWeight { get; init; }
    [JsonPropertyName("imle_candidates"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int ImleCandidates { get; init; }
    /// Average-pooling (mel bands, frames) of the notes before the recall term compares them, e.g. [4, 8]: 80 x 128 ->
    /// 20 x 16. Absent = every bin. Why: measured at 63,000 steps, the every-bin distance stayed at 0.18 (its floor is
    /// the notes' fine detail, which no latent reproduces) and recall did not move; the coarse envelope is what tells
    /// one instrument from another.
    [JsonPropertyName("imle_pool"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int[]? ImlePool { get; init; }
    /// Train on every family equally often (each epoch cycles each family's notes to the largest family's count)
    /// instead of in the data's shares. Measured need (`eval gansynth`, recall by family): the 60,000-step model comes
    /// near none of the unseen organ's test notes (recall 0.00, the real train notes' bar 0.69) and 0.03 of the
    /// guitar's (bar 0.84); organ is the rarest family of gm3's train split (4.3 % of the notes).
    [JsonPropertyName("balance_families"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool BalanceFamilies { get; init; }
    [JsonIgnore] public int ImleCandidatesOrDefault => ImleCandidates > 0 ? ImleCandidates : 4;

    /// The critic is told the asked pitch and velocity by a projection term (ConditionProjection) instead of judging
    /// every note against all real notes alike; false = the unconditional critic of the models trained before it.
    [JsonPropertyName("projection_discriminator")] public bool ProjectionDiscriminator { get; init; }

    /// Family conditioning through the latent: during training every note's latent is z + family_offset e_f, with e_f
    /// the f-th unit vector of the latent space and f the note's instrument family in `families` (measured on the
    /// training data, like `family_shares`, each family's share of its notes); the critic is told the family (FamilyCritic).
    /// A timbre stays one latent vector (presets, morphs, plug-in state and cache keys need nothing new), and every
    /// family is asked for in its share of the data instead of the generator choosing which families to play. 0 = off.
    /// Measured (EVAL.md, phase 5): 4 on the 60,000-step model for 10,400 steps did not improve FID (3.47x / 3.61x vs
    /// 3.29x / 3.49x) and the eval classifier heard the asked family in 0.40 of notes; the shipped model has it off.
    [JsonPropertyName("family_offset")] public float FamilyOffset { get; init; }
    [JsonPropertyName("families")] public string[] Families { get; init; } = [];
    [JsonPropertyName("family_shares")] public double[] FamilyShares { get; init; } = [];
    [JsonIgnore] public int FamilyCount => FamilyOffset > 0 ? Families.Length : 0;

    /// Timbre codes (GLO, Bojanowski et al. 2018): every training instrument owns a learned latent, its code, and the
    /// generator is also trained to play that instrument's real notes from it (mean |difference| of the judged log-mel,
    /// weight `code_weight`), so every training timbre has a latent that plays it. The model's prior is then the codes'
    /// own distribution (RAE's ex-post density, Ghosh et al. 2020): a random timbre is a code drawn uniformly plus
    /// Gaussian noise of `code_sigma` per dimension, which is also where the critic judges the generator's notes during
    /// training. Measured need (EVAL.md, phase 10): no latent of the GAN-only generator plays even the train split's
    /// organ or guitar (inversion distance 0.97 / 0.90 where a string is 0.70), and its notes reach 0.31 of the real test
    /// notes (recall; real train notes 0.88). 0 = off: random timbres are spherical Gaussian latents.
    [JsonPropertyName("code_weight"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public float CodeWeight { get; init; }
    [JsonPropertyName("code_sigma"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public float CodeSigma { get; init; }
    /// The prior's noise per dimension when it differs from the training's code_sigma (absent = code_sigma). The trainer
    /// judges the generator at code_sigma around its codes; which of that neighbourhood a random timbre is drawn from is
    /// the prior's choice, made after training (RAE's ex-post density), so changing it leaves a resumed run as it was.
    [JsonPropertyName("prior_sigma"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public float? PriorSigma { get; init; }
    [JsonIgnore] public float PriorSigmaOrDefault => PriorSigma ?? CodeSigma;
    /// The prior blends each seed's code with another code of the same family (code_names' family) by a weight up to
    /// code_mix (0-0.5; 0 = each seed near one training instrument): timbres between a family's instruments, where an
    /// instrument the generator never heard is likelier to be than at any one of them. Prior only: no training loss
    /// reads it (the trainer's sample grids draw from the prior). Measured on the shipped weights (EVAL.md phases 24-25): code_mix 0.3 with prior noise 0.1 brings the generated set
    /// from 1.78x / 1.74x the yardstick to 1.71x / 1.68x (seeds 0 / 1), but a bank chosen under it keeps 94.6 % of the
    /// scale's onsets instead of 98.2 % (no string or flute seed keeps the legato attacks), so the shipped config blends
    /// (code_mix 0.3, prior_sigma 0.1) while its presets hold the latents chosen under the unblended prior (BankOptions.Prior).
    [JsonPropertyName("code_mix"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public float CodeMix { get; init; }
    /// The codes' Adam learning rate (GLO moves its codes faster than the network's weights); absent = 10 x learning_rate.
    [JsonPropertyName("code_learning_rate"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public float? CodeLearningRate { get; init; }
    [JsonIgnore] public float CodeLearningRateOrDefault => CodeLearningRate ?? 10 * LearningRate;
    /// Train the generator and the codes on the code distance alone, without the critic: a regression phase at about
    /// three times the steps per second (no critic step, no gradient penalty), for a run whose codes' notes are still far
    /// from the real ones. The critic and its optimizer are left as they are for when this is switched off again.
    [JsonPropertyName("code_only"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool CodeOnly { get; init; }
    /// The code distance counts the first attack_frames frames (1 + attack_weight) times: a regression flattens a note's
    /// attack most (its first frames miss the real ones by half again the sustain's error), and a renderer that follows
    /// the mel (the additive path) plays that as a slow onset.
    [JsonPropertyName("attack_frames"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int AttackFrames { get; init; }
    [JsonPropertyName("attack_weight"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public float AttackWeight { get; init; }
    /// With timbre codes and the harmonic head: the code distance also compares the generator's planes with the real
    /// notes' measured ones (HarmonicAnalysis: each harmonic's level and the noise between them), plane_weight x their
    /// mean |difference| on the normalised scale. The log-mel alone leaves a band's energy free to go to any of its
    /// harmonics or to noise; the judge hears each harmonic.
    [JsonPropertyName("plane_weight"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public float PlaneWeight { get; init; }
    /// With timbre codes and the harmonic head: only each harmonic row's level averaged over the note is pulled toward
    /// the measured one (PlaneTargets.MeanDistance), plane_mean_weight x the mean |difference| on the normalised scale;
    /// the course over time stays the mel regression's. The 80-band mel leaves the spectral envelope within a band free,
    /// and swapping planes put two thirds of what the copies lose to the measured planes there (EVAL.md phase 17),
    /// while the full plane regression (plane_weight) traded the mel for the frame-by-frame rows.
    [JsonPropertyName("plane_mean_weight"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public float PlaneMeanWeight { get; init; }
    /// With timbre codes and the harmonic head: a second critic (PlaneCritic) judges the generator's harmonic rows, as
    /// heard over their band's noise, against the real notes' measured ones, WGAN-GP with a pitch and velocity projection,
    /// and the generator pays plane_critic_weight x its score beside the code distance. Where plane_weight pulls each
    /// note's rows toward its own measured ones, the critic asks only that they look like some real note's of that pitch.
    [JsonPropertyName("plane_critic_weight"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public float PlaneCriticWeight { get; init; }
    /// The plane critic's Adam learning rate; absent = 4 x learning_rate. A critic that learns no faster than the
    /// generator it judges falls behind it: at the network's rate (1e-4) and weight 10 the generated planes outscored
    /// the measured ones within 300 steps while the code distance rose 0.051 -> 0.064 (EVAL.md phase 19).
    [JsonPropertyName("plane_critic_learning_rate"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public float? PlaneCriticLearningRate { get; init; }
    [JsonIgnore] public float PlaneCriticLearningRateOrDefault => PlaneCriticLearningRate ?? 4 * LearningRate;
    /// Whether a run needs the measured planes (PlaneTargets).
    [JsonIgnore] public bool UsesPlanes => PlaneWeight > 0 || PlaneMeanWeight > 0 || PlaneCriticWeight > 0 || EnvelopeOnly;
    /// The latent also modulates every convolution's output (FiLM: x (1 + s) + b per channel, s and b linear in the
    /// pixel-normed latent), not only the dense input layer, so a timbre's detail at every scale need not pass through
    /// the first 5 x 8 grid. Turned on at a resume it starts at s = b = 0: the same function (GansynthTrainer).
    [JsonPropertyName("modulation"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool Modulation { get; init; }
    /// Hidden layers of a mapping network on the conditioning vector (pixel-normed latent ++ pitch ++ velocity one-hots):
    /// the dense input layer then reads c + MLP(c) instead of c. Without it the dense layer is linear in the latent and
    /// the pitch separately, so an instrument's pitch-dependent detail (a SoundFont's key zones) must come from the
    /// convolutions' nonlinearities alone. The MLP's last layer starts at zero: turned on at a resume it plays as before.
    [JsonPropertyName("mapping_layers"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int MappingLayers { get; init; }
    /// Width of the mapping network's hidden layers.
    public const int MappingWidth = NeuralSynth.Dsp.Neural.GeneratorGraph.MappingWidth;
    /// Harmonic head with timbre codes: hidden layers of an envelope head, an MLP on the conditioning vector (pixel-normed
    /// latent ++ pitch ++ velocity one-hots) whose output, one value per harmonic row, is added to every frame of the rows
    /// plane: a level per harmonic for the whole note, the spectral envelope. The 80-band mel leaves a band's energy free
    /// to go to any of its harmonics, and the copies of the training notes lose two thirds of what separates them from
    /// their measured planes there (EVAL.md phase 17); pulling the generator itself toward the measured envelope
    /// (plane_mean_weight) traded the mel for it. The head learns the envelope alone, with the generator fixed
    /// (envelope_only). Its last layer starts at zero: turned on at a resume it plays as before.
    [JsonPropertyName("envelope_layers"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int EnvelopeLayers { get; init; }
    /// Train the envelope head alone (PlaneTargets.MeanDistance on notes drawn from the prior around each real note's
    /// instrument code), the generator, its weight average's other parameters, the codes and the critics fixed.
    [JsonPropertyName("envelope_only"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool EnvelopeOnly { get; init; }
    /// Width of the envelope head's hidden layers.
    public const int EnvelopeWidth = NeuralSynth.Dsp.Neural.GeneratorGraph.EnvelopeWidth;
    /// Harmonic head with a third plane: a filter on the absolute (mel) frequency axis that scales the harmonics of each
    /// band, mel = exp(filter) (M exp(harmonics)) + exp(noise). The harmonic plane is pitch-relative, so a resonance or a
    /// frequency-dependent decay that sits at a fixed frequency moves across its rows from pitch to pitch; on the mel
    /// axis it stays put. Zero at the start of a resume that turns it on (the same function).
    [JsonPropertyName("filter"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool Filter { get; init; }
    /// Planes the generator's output convolution paints (2, or 3 with the filter).
    [JsonIgnore] public int OutputPlanes => Filter ? 3 : 2;
    /// The learned codes, one per training instrument (`code_names`, the dataset's instrument_str), each of norm
    /// sqrt(latent_size) (the generator pixel-norms its latent, so only a code's direction matters); written by the trainer.
    [JsonPropertyName("codes"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public float[][] Codes { get; init; } = [];
    [JsonPropertyName("code_names"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string[] CodeNames { get; init; } = [];
    [JsonIgnore] public bool HasCodes => Codes.Length > 0;

    /// What the torch-free generator graph needs of this config.
    [JsonIgnore] public NeuralSynth.Dsp.Neural.GeneratorShape GraphShape => new(LatentSize, PitchCount, VelocityCount, Channels, ConvsPerStage,
        MelBins, Frames, LogMagMin, LogMagMax, Spectral.LogFloor, IsHarmonic, Modulation, MappingLayers, Filter, EnvelopeLayers);

    /// The model's prior over timbres (LatentPrior): its codes plus code_sigma noise, or the spherical Gaussian.
    /// Made anew on each call: a cached one would be copied stale by `with`.
    [JsonIgnore] public LatentPrior Prior => PriorWith(PriorSigmaOrDefault, CodeMix);

    /// The prior over this model's codes with another noise and mix (e.g. the bank drawing its presets' timbres from
    /// the unblended prior they were chosen under, PresetCommand's --prior-sigma / --prior-mix).
    public LatentPrior PriorWith(float sigma, float mix) =>
        LatentPrior.FromCodes(LatentSize, Codes, sigma, CodeNames.Length == Codes.Length ? CodeNames.Select(FamilyOf).ToArray() : null, mix);

    /// The family of an NSynth-style instrument name ("family_source_number").
    public static string FamilyOf(string name) { int cut = name.IndexOf('_'); return cut > 0 ? name[..cut] : name; }

    /// A random timbre from the model's prior for a seed.
    public Latent PriorLatent(long seed) => Prior.Sample(seed);

    /// The instrument family of the training instrument a seed's code stands for (code_names are NSynth-style,
    /// "family_source_number"), or null without named codes.
    public string? CodeFamily(long seed) => CodeName(seed) is string name ? FamilyOf(name) : null;

    /// The training instrument a seed's code stands for, or null without named codes.
    public string? CodeName(long seed) => CodeNames.Length == 0 ? null : CodeNames[Prior.CodeOf(seed)];

    /// The training instrument whose code is nearest a latent in direction (LatentPrior.NearestCode: the generator
    /// pixel-norms its latent), or null without named codes: what an explicit corner plays near.
    public string? CodeNameNear(Latent z) => CodeNames.Length == 0 || CodeNames.Length != Codes.Length ? null : CodeNames[Prior.NearestCode(z)];

    const string NotFamilyConditioned = "the model is not conditioned on instrument family (config family_offset is 0)";

    /// z moved into a family's region: z + family_offset e_family.
    public Latent FamilyLatent(Latent z, int family)
    {
        if (FamilyCount == 0) throw new ArgumentException(NotFamilyConditioned);
        if (family < 0 || family >= FamilyCount) throw new ArgumentException($"family index {family} is outside 0-{FamilyCount - 1}");
        var v = z.ToArray();
        v[family] += FamilyOffset;
        return new Latent(v);
    }

    /// The index of a family name in `families`; throws naming the known ones.
    public int FamilyIndex(string name)
    {
        int i = Array.IndexOf(Families, name);
        if (FamilyCount == 0 || i < 0)
            throw new ArgumentException(FamilyCount == 0 ? NotFamilyConditioned : $"family '{name}' is not one of the model's: {string.Join(", ", Families)}");
        return i;
    }

    /// A family drawn in proportion to family_shares from a uniform number u in [0, 1).
    public int FamilyAt(double u)
    {
        double acc = 0;
        for (int i = 0; i < FamilyCount; i++) { acc += FamilyShares[i]; if (u < acc) return i; }
        return FamilyCount - 1;
    }

    [JsonIgnore] public int PitchCount => MaxPitch - MinPitch + 1;
    [JsonIgnore] public int VelocityCount => Velocities.Length;
    [JsonIgnore] public int Stages => Channels.Length;
    [JsonIgnore] public int StartFrames => Frames >> (Stages - 1);
    [JsonIgnore] public int StartMels => MelBins >> (Stages - 1);
    [JsonIgnore] public int Frames => Spectral.Frames;
    [JsonIgnore] public int MelBins => Spectral.NMels;
    [JsonIgnore] public int Samples => Spectral.Samples;

    /// Index of the velocity layer nearest to a MIDI velocity (ties go to the lower layer).
    public int VelocityIndex(int velocity)
    {
        if (Velocities.Length == 0) return 0;
        int best = 0;
        for (int i = 1; i < Velocities.Length; i++)
            if (Math.Abs(Velocities[i] - velocity) < Math.Abs(Velocities[best] - velocity)) best = i;
        return best;
    }

    public int PitchIndex(int pitch)
    {
        if (pitch < MinPitch || pitch > MaxPitch)
            throw new ArgumentException($"pitch {pitch} is outside the model's range {MinPitch}-{MaxPitch}");
        return pitch - MinPitch;
    }

    /// Throws one ArgumentException naming the first inconsistent field.
    public void Validate()
    {
        if (Model != "gansynth") throw new ArgumentException($"config model is '{Model}', expected 'gansynth'");
        if (LatentSize < 1) throw new ArgumentException("latent_size must be >= 1");
        if (MinPitch < 0 || MaxPitch > 127 || MaxPitch < MinPitch) throw new ArgumentException($"pitch range {MinPitch}-{MaxPitch} is invalid");
        if (Channels.Length < 1 || Channels.Any(c => c < 1)) throw new ArgumentException("channels must list >= 1 positive widths");
        int div = 1 << (Stages - 1);
        if (Frames % div != 0 || MelBins % div != 0)
            throw new ArgumentException($"frames ({Frames}) and n_mels ({MelBins}) must be divisible by 2^(stages-1) = {div} for {Stages} stages");
        Spectral.Validate("spectral");
        if (Head != HeadIfMel && Head != HeadHarmonic) throw new ArgumentException($"head '{Head}' is unknown: use '{HeadIfMel}' or '{HeadHarmonic}'");
        if (ConvsPerStage is < 1 or > 2) throw new ArgumentException("convs_per_stage must be 1 or 2");
        if (MappingLayers is < 0 or > 8) throw new ArgumentException($"mapping_layers must be 0-8, got {MappingLayers}");
        if (Filter && !IsHarmonic) throw new ArgumentException("filter needs the harmonic head (head 'harmonic')");
        if (EnvelopeLayers is < 0 or > 4) throw new ArgumentException($"envelope_layers must be 0-4, got {EnvelopeLayers}");
        if (EnvelopeLayers > 0 && !IsHarmonic) throw new ArgumentException("envelope_layers needs the harmonic head (head 'harmonic')");
        if (EnvelopeOnly && !(EnvelopeLayers > 0 && CodeWeight > 0)) throw new ArgumentException("envelope_only needs envelope_layers > 0 and timbre codes (code_weight > 0)");
        if (!(LogMagMax > LogMagMin)) throw new ArgumentException("log_mag_max must exceed log_mag_min");
        if (!(ModeSeekingWeight >= 0f && float.IsFinite(ModeSeekingWeight))) throw new ArgumentException($"mode_seeking_weight must be >= 0, got {ModeSeekingWeight}");
        if (!(ImleWeight >= 0f && float.IsFinite(ImleWeight))) throw new ArgumentException($"imle_weight must be >= 0, got {ImleWeight}");
        if (ImleCandidates is < 0 or > 64) throw new ArgumentException($"imle_candidates must be 1-64 (0 = the default 4), got {ImleCandidates}");
        if (ImlePool is not null && (ImlePool.Length != 2 || ImlePool[0] < 1 || ImlePool[1] < 1 || MelBins % ImlePool[0] != 0 || Frames % ImlePool[1] != 0))
            throw new ArgumentException($"imle_pool must be [mel bands, frames] dividing n_mels ({MelBins}) and frames ({Frames}), got [{string.Join(", ", ImlePool)}]");
        if (!(AcWeightG >= 0f && float.IsFinite(AcWeightG))) throw new ArgumentException($"ac_weight_g must be >= 0, got {AcWeightG}");
        if (!(AcWeightGVelocityOrDefault >= 0f && float.IsFinite(AcWeightGVelocityOrDefault))) throw new ArgumentException($"ac_weight_g_velocity must be >= 0, got {AcWeightGVelocity}");
        if (!(AcWeightGFamilyOrDefault >= 0f && float.IsFinite(AcWeightGFamilyOrDefault))) throw new ArgumentException($"ac_weight_g_family must be >= 0, got {AcWeightGFamily}");
        if (!(FamilyOffset >= 0f && float.IsFinite(FamilyOffset))) throw new ArgumentException($"family_offset must be >= 0, got {FamilyOffset}");
        if (Families.Length > LatentSize) throw new ArgumentException($"{Families.Length} families need latent_size >= {Families.Length}");
        if (Families.Length > 0 && (FamilyShares.Length != Families.Length || FamilyShares.Any(x => !(x >= 0)) || Math.Abs(FamilyShares.Sum() - 1) > 1e-3))
            throw new ArgumentException($"family_shares must give one share >= 0 per family ({Families.Length}) summing to 1");
        if (!(CodeWeight >= 0f && float.IsFinite(CodeWeight))) throw new ArgumentException($"code_weight must be >= 0, got {CodeWeight}");
        if (!(CodeSigma >= 0f && float.IsFinite(CodeSigma))) throw new ArgumentException($"code_sigma must be >= 0, got {CodeSigma}");
        if (PriorSigma is float ps && !(ps >= 0f && float.IsFinite(ps))) throw new ArgumentException($"prior_sigma must be >= 0, got {ps}");
        if (!(CodeMix >= 0f && CodeMix <= 0.5f)) throw new ArgumentException($"code_mix must be in [0, 0.5], got {CodeMix}");
        if (!(CodeLearningRateOrDefault > 0f && float.IsFinite(CodeLearningRateOrDefault))) throw new ArgumentException($"code_learning_rate must be > 0, got {CodeLearningRate}");
        if (CodeOnly && !(CodeWeight > 0)) throw new ArgumentException("code_only needs code_weight > 0 (it trains on the code distance alone)");
        if (AttackFrames < 0 || AttackFrames > Frames) throw new ArgumentException($"attack_frames must be in [0, frames = {Frames}], got {AttackFrames}");
        if (!(AttackWeight >= 0f && float.IsFinite(AttackWeight))) throw new ArgumentException($"attack_weight must be >= 0, got {AttackWeight}");
        if (!(PlaneWeight >= 0f && float.IsFinite(PlaneWeight))) throw new ArgumentException($"plane_weight must be >= 0, got {PlaneWeight}");
        if (PlaneWeight > 0 && !(IsHarmonic && CodeWeight > 0)) throw new ArgumentException("plane_weight needs the harmonic head and timbre codes (code_weight > 0)");
        if (!(PlaneMeanWeight >= 0f && float.IsFinite(PlaneMeanWeight))) throw new ArgumentException($"plane_mean_weight must be >= 0, got {PlaneMeanWeight}");
        if (PlaneMeanWeight > 0 && !(IsHarmonic && CodeWeight > 0)) throw new ArgumentException("plane_mean_weight needs the harmonic head and timbre codes (code_weight > 0)");
        if (!(PlaneCriticWeight >= 0f && float.IsFinite(PlaneCriticWeight))) throw new ArgumentException($"plane_critic_weight must be >= 0, got {PlaneCriticWeight}");
        if (!(PlaneCriticLearningRateOrDefault > 0f && float.IsFinite(PlaneCriticLearningRateOrDefault))) throw new ArgumentException($"plane_critic_learning_rate must be > 0, got {PlaneCriticLearningRate}");
        if (PlaneCriticWeight > 0 && !(IsHarmonic && CodeWeight > 0)) throw new ArgumentException("plane_critic_weight needs the harmonic head and timbre codes (code_weight > 0)");
        if (Codes.Length != CodeNames.Length) throw new ArgumentException($"{Codes.Length} codes but {CodeNames.Length} code_names");
        _ = Prior; // LatentPrior checks each code's size and values
        if (!(EmaDecay >= 0f && EmaDecay < 1f)) throw new ArgumentException($"ema_decay must be in [0, 1), got {EmaDecay}");
    }

    public static GansynthConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: config not found", path);
        GansynthConfig? c;
        try { c = ConfigReader.OverDefaults(File.ReadAllText(path), GansynthConfigJson.Default.GansynthConfig, new GansynthConfig()); }
        catch (JsonException e) { throw new InvalidFileException(path, e.BytePositionInLine ?? 0, "malformed config: " + e.Message); }
        if (c == null) throw new InvalidFileException(path, 0, "config is empty");
        try { c.Validate(); }
        catch (ArgumentException e) { throw new InvalidFileException(path, 0, e.Message); }
        return c;
    }

    public void Save(string path)
    {
        Validate();
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, GansynthConfigJson.Default.GansynthConfig));
        File.Move(tmp, path, overwrite: true);
    }
}
