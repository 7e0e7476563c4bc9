using System.Globalization;
using NeuralSynth.Models.Evaluation;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;

namespace NeuralSynth.Models.Timbre;

public sealed record BankOptions
{
    /// Seeds scored: FirstSeed .. FirstSeed + Seeds - 1.
    public int Seeds { get; init; } = 384;
    public long FirstSeed { get; init; } = 1;
    /// Pitches each seed is rendered and classified at (family probabilities are averaged over them).
    public int[] Pitches { get; init; } = [31, 43, 55, 67];
    public int Velocity { get; init; } = 90;
    public int Batch { get; init; } = 16;
    /// Loudness the presets' gain_db aims for (RMS of the notes' first second, dBFS).
    public double TargetRmsDb { get; init; } = -20;
    /// Inversion path the notes were rendered on (recorded in the presets' notes).
    public string Path { get; init; } = "if";
    /// The prior the candidates are drawn from when it is not the model's (null): the presets then hold each corner's
    /// latent (CornerSpec.FromLatent), so they keep the timbres chosen under it whatever the model's prior becomes. The
    /// shipped bank draws from the unblended prior (code_sigma 0.25) while the model's prior blends a family's codes
    /// (EVAL.md phase 25): under the blend, no string or flute seed keeps the legato scale's attacks.
    public LatentPrior? Prior { get; init; }
    /// The model's training instruments' vibrato (its vibrato.json, `eval vibrato --model`): a family preset plays its
    /// corner A's own instrument's instead of the family's median (PresetBank.Vibrato); null = the family's.
    public IReadOnlyDictionary<string, FamilyVibratoRow>? InstrumentVibrato { get; init; }
}

/// How one seed's notes came out: family distribution (classifier, averaged over pitches), pitch accuracy
/// (half classifier top-1 == intended pitch, half YIN within 50 cents of it), loudness, and the share of its notes
/// that speak promptly (within 10 dB of their early peak in <= the scale check's onset bar, 10 ms: a slow rise is lost under the previous
/// note's release when played legato, which the scale check counts as a missing attack).
/// Z is the latent that was scored when it is not the seed's own (a family-conditioned model's seeds are moved into
/// the family asked for, GansynthConfig.FamilyLatent; a bank drawing from another prior, BankOptions.Prior); null = the
/// model's prior's latent of the seed.
/// CodeFamily: the family of the training instrument whose timbre code the seed plays near (a model with named
/// timbre codes, GansynthConfig.CodeFamily), as an index into the classifier's families; -1 = none or unknown.
/// LegatoAttacks: per family, the share of a chromatic scale's notes, played legato as the scale check plays them with
/// that family's release, with an onset within 10 ms (PresetBank.VerifyAttacks measures it for the seeds that would
/// become a preset's corner A); null or NaN = not measured.
/// Code: the training instrument whose timbre code the seed plays near (GansynthConfig.CodeName), or null.
public sealed record SeedScore(long Seed, float[] FamilyProbs, double PitchAccuracy, double RmsDb, double PromptAttacks = 1, Latent? Z = null, int CodeFamily = -1,
    double[]? LegatoAttacks = null, string? Code = null)
{
    public double Legato(int family) => LegatoAttacks is { } l ? l[family] : double.NaN;
    public int TopFamily => Array.IndexOf(FamilyProbs, FamilyProbs.Max());
    /// How a preset stores this candidate: the seed, or its explicit latent (Z).
    public CornerSpec Corner => Z is null ? CornerSpec.FromSeed(Seed) : CornerSpec.FromLatent(Z);
}

/// The shipped bank: seeds sampled with the trained generator, rendered and assigned to instrument families by the
/// evaluation classifier; per family the most confident seeds (with correct pitch) become the corners of its presets.
public static class PresetBank
{
    /// The latent a seed stands for: the model's prior's (GansynthConfig.PriorLatent), or for a family-conditioned model the seed asked for the families
    /// in turn (seed FirstSeed + i for family i mod families), so every family has its own candidates; the classifier
    /// still judges what each one plays.
    public static Latent CandidateLatent(GansynthConfig cfg, BankOptions o, long seed)
    {
        var z = o.Prior?.Sample(seed) ?? cfg.PriorLatent(seed);
        return cfg.FamilyCount > 0 ? cfg.FamilyLatent(z, (int)((seed - o.FirstSeed) % cfg.FamilyCount)) : z;
    }

    /// Scores seeds on the notes `render` makes (default: the IF path of `model`); pass the product's renderer
    /// (e.g. NoteRenderer on the vocoder path) so the ranking describes what players hear.
    public static List<SeedScore> ScoreSeeds(GansynthModel model, ClassifierModel classifier, BankOptions o, Action<double>? progress = null,
        Func<List<Latent>, List<int>, List<int>, float[][]>? render = null)
    {
        render ??= (z, pitch, vel) => model.RenderIf(z, pitch, vel);
        int sr = model.Config.Spectral.SampleRate;
        if (classifier.Config.SampleRate != sr) throw new ArgumentException($"classifier rate {classifier.Config.SampleRate} Hz differs from the model's {sr} Hz");
        foreach (int p in o.Pitches) model.Config.PitchIndex(p);
        var scores = new List<SeedScore>(o.Seeds);
        var seeds = Enumerable.Range(0, o.Seeds).Select(i => o.FirstSeed + i).ToArray();
        int done = 0;
        foreach (var chunk in seeds.Chunk(Math.Max(1, o.Batch / o.Pitches.Length)))
        {
            var z = new List<Latent>(); var pitch = new List<int>(); var vel = new List<int>();
            foreach (long s in chunk)
            {
                var zs = CandidateLatent(model.Config, o, s);
                foreach (int p in o.Pitches) { z.Add(zs); pitch.Add(p); vel.Add(o.Velocity); }
            }
            var audio = render(z, pitch, vel);
            var outs = classifier.Predict(audio.Select(a => Fit(a, classifier.Config.Samples)).ToArray());
            for (int c = 0; c < chunk.Length; c++)
            {
                int families = outs.FamilyProbs[0].Length;
                var fam = new float[families];
                double correct = 0, power = 0, prompt = 0; long count = 0;
                for (int k = 0; k < o.Pitches.Length; k++)
                {
                    int i = c * o.Pitches.Length + k;
                    for (int f = 0; f < families; f++) fam[f] += outs.FamilyProbs[i][f] / o.Pitches.Length;
                    var pp = outs.PitchProbs[i];
                    int top = Array.IndexOf(pp, pp.Max()) + classifier.Config.MinPitch;
                    if (top == o.Pitches[k]) correct += 0.5;
                    // ... and what a tuner reads: YIN within 50 cents (the classifier alone forgives octave errors).
                    double hz = NeuralSynth.Dsp.Yin.MedianPitch(audio[i], sr, 30, 2000);
                    if (double.IsFinite(hz) && Math.Abs(NeuralSynth.Dsp.Yin.Cents(hz, NeuralSynth.Dsp.Yin.MidiToHz(o.Pitches[k]))) <= 50) correct += 0.5;
                    if (NeuralSynth.Dsp.NoteMeasures.RiseTimeMs(audio[i], sr) <= ScaleSummary.OnsetBarMs) prompt++;
                    int n = Math.Min(sr, audio[i].Length);
                    for (int t = 0; t < n; t++) power += audio[i][t] * (double)audio[i][t];
                    count += n;
                }
                double rmsDb = 10 * Math.Log10(power / Math.Max(1, count) + 1e-12);
                scores.Add(new SeedScore(chunk[c], fam, correct / o.Pitches.Length, rmsDb, prompt / o.Pitches.Length,
                    model.Config.FamilyCount > 0 || o.Prior is not null ? z[c * o.Pitches.Length] : null,
                    model.Config.CodeFamily(chunk[c]) is { } cf ? Array.IndexOf(classifier.Config.Families, cf) : -1,
                    Code: model.Config.CodeName(chunk[c])));
            }
            done += chunk.Length;
            progress?.Invoke((double)done / seeds.Length);
        }
        return scores;
    }

    static float[] Fit(float[] a, int samples)
    {
        if (a.Length == samples) return a;
        var r = new float[samples];
        Array.Copy(a, r, Math.Min(a.Length, samples));
        return r;
    }

    /// Seeds ranked for one family. First those that belong to it (Belongs): near a timbre code of one of its training
    /// instruments (a model with named codes: an "Organ" preset plays near the organs the model learned, whatever the
    /// classifier makes of an unseen organ), then those only heard as that family above all others by the classifier
    /// while near another family's code. Then by
    /// attacks: seeds that keep them through a legato scale (VerifyAttacks) or, not yet measured, whose every scored
    /// note speaks promptly; then those measured to lose them (a preset whose low notes creep in loses its attacks
    /// when played legato); last the unmeasured rest. Within a tier, the most attacks kept first (an unmeasured seed
    /// counts as keeping all until measured, so VerifyAttacks measures it: on the codes model this beat ordering the
    /// passing seeds by confidence, 97.1 % vs 96.7 % of the bank's scale onsets), then seeds that belong both ways,
    /// then by confidence (probability), tuning (pitch accuracy) and promptness. While VerifyAttacks measures
    /// (`measuring`), the unmeasured rest comes before the measured failures, so it is measured next: an isolated note's
    /// rise time is not the legato scale's onset (the bank of 2026-12-07 09:45 measured only the five string seeds
    /// whose isolated notes all rose within 10 ms, none kept 97 %, and both Strings presets kept 87 % where the bank
    /// made on the vocoder path had found string seeds keeping 99-100 %).
    public static List<SeedScore> Rank(IEnumerable<SeedScore> scores, int family, bool measuring = false) =>
        scores.OrderByDescending(s => Belongs(s, family))
            .ThenByDescending(s => s.Legato(family) is var legato && !double.IsNaN(legato) ? (legato >= AttackBar ? 3 : 1) : s.PromptAttacks >= 1 ? 3 : measuring ? 2 : 0)
            .ThenByDescending(s => s.Legato(family) is var legato && !double.IsNaN(legato) ? legato : 1)
            .ThenByDescending(s => (s.CodeFamily == family ? 1 : 0) + (s.TopFamily == family ? 1 : 0))
            .ThenByDescending(s => s.FamilyProbs[family] * (0.5 + 0.5 * s.PitchAccuracy) * (0.5 + 0.5 * s.PromptAttacks)).ThenBy(s => s.Seed).ToList();

    /// How surely a seed belongs to a family: 2 near a timbre code of one of the family's training instruments, or,
    /// for a model without codes, heard as the family by the classifier; 1 heard as the family while near another
    /// family's code; 0 neither. Why the code first: it is the instrument the model learned there, while the classifier
    /// (trained on one SoundFont's notes) hears resemblances; the bank of 2026-12-07 made both reed presets' corner A's
    /// of a string and a guitar code the classifier heard as reed (p 0.41 / 0.38), though seeds near the model's reed
    /// codes kept every onset of the legato scale too (seeds 191 and 279, near reed_acoustic_065: 100 %).
    public static int Belongs(SeedScore s, int family) =>
        s.CodeFamily == family || (s.CodeFamily < 0 && s.TopFamily == family) ? 2 : s.TopFamily == family ? 1 : 0;

    /// Which of a family's ranked seeds (Rank) becomes corner k of its preset v: the first perFamily seeds are the
    /// presets' corner A's (what each preset plays at rest, so what the scale check and a musician hear first), the
    /// rest fill corners B-D in turn. Until 2026-12-07 preset v took ranks 4v..4v+3, so the second preset's corner A
    /// was the family's fifth-best seed: in a bank remade with the corrected onset detector, Strings II kept 45 % of its
    /// onsets where the family's second-best seed kept 81 %.
    public static int CornerRank(int v, int k, int perFamily) => k == 0 ? v : perFamily + v * (Preset.CornerCount - 1) + k - 1;

    /// The scale check's bar for attacks (ScaleSummary.OnsetWithin10Ms) that a family preset's corner A must clear.
    public const double AttackBar = 0.97;

    /// Measures, family by family, the legato attacks of the seeds that would become the presets' corner A (ranks 1,
    /// 2, ... of Rank: CornerRank) until each of those seeds clears AttackBar or `tries` seeds were measured; a seed that fails
    /// drops behind the unmeasured ones (the prompt ones first), so the next one moves up. The isolated notes ScoreSeeds measures at a few pitches
    /// miss what the scale check hears: a note whose rise is slow only in the low register, or that creeps in under
    /// the previous note's release. `legatoAttacks(seed, family)` plays the scale (the CLI: ScaleCheck on the
    /// product's renderer). Returns how many seeds were measured.
    public static int VerifyAttacks(List<SeedScore> scores, IReadOnlyList<string> families, int perFamily, Func<SeedScore, string, double> legatoAttacks, int tries = 64)
    {
        int measured = 0;
        for (int f = 0; f < families.Count; f++)
            for (int t = 0; t < tries; t++)
            {
                var ranked = Rank(scores, f, measuring: true);
                var next = Enumerable.Range(0, perFamily).Select(v => CornerRank(v, 0, perFamily)).Where(i => i < ranked.Count)
                    .Select(i => ranked[i]).FirstOrDefault(s => double.IsNaN(s.Legato(f)));
                if (next is null) break;
                var legato = next.LegatoAttacks?.ToArray() ?? Enumerable.Repeat(double.NaN, families.Count).ToArray();
                legato[f] = legatoAttacks(next, families[f]);
                scores[scores.IndexOf(next)] = next with { LegatoAttacks = legato };
                measured++;
            }
        return measured;
    }

    /// The gain that brings a seed of this loudness to the bank's target level.
    public static double GainDb(double rmsDb, BankOptions o) => Math.Round(Math.Clamp(o.TargetRmsDb - rmsDb, -24, 12), 1);

    /// A family's release, velocity sensitivity and vibrato as its presets get them.
    public static (double Release, double VelocitySensitivity, double VibratoCents, double VibratoHz) Style(string family)
    {
        var (cents, hz) = FamilyVibratoStyle.GetValueOrDefault(family, (0.0, VoiceEngineOptions.DefaultVibratoRateHz));
        return FamilyStyle.TryGetValue(family, out var s) ? (s.Release, s.VelSens, cents, hz) : (0.3, 0.8, cents, hz);
    }

    /// Vibrato: the family's real notes' (`neuralsynth eval vibrato --data /work/data/gm3`, 2026-12-07: the median peak
    /// depth and rate of the loud MIDI 48-72 train notes whose pitch swings with a period), for the families where at
    /// least 40 % of the notes swing (strings 87 %, reeds 79 %, flutes 44 %) by a depth one hears (4 cents and more).
    /// The generator's notes hold their pitch exactly (the additive path plays exact harmonics), so without it a string
    /// preset was stiller than every string it learned from; in the other families 5-34 % of the notes swing, by
    /// 1.1-4 cents, and their presets stay still.
    static readonly Dictionary<string, (double Cents, double Hz)> FamilyVibratoStyle = new()
    {
        ["string"] = (8.6, 5.18), ["reed"] = (6.7, 4.9), ["flute"] = (7.8, 4.09),
    };

    /// Releases: the family's real notes' (`neuralsynth eval releases --data /work/data/gm3`: the median time to -60 dB
    /// after note-off of the train split's loud notes, 2026-12-07), so a preset stops when its instrument does. They
    /// were set by hand at 0.25-1.2 s until then, longer than the real notes' for every family but the organ, and a
    /// tail that rings on past the real one hides the next note's attack: under the flute presets' 0.3 s the low
    /// flute notes, which swell in over ~200 ms as the real ones do, started 20 dB under their predecessor's tail
    /// (SCALE.md). The organ keeps a quick 0.12 s: its GM samples carry ~0.9 s of room decay after note-off, and an
    /// organ preset released like that blurs every legato line (at 0.5 s, 36-38 of the scale's 69 onsets are lost).
    static readonly Dictionary<string, (double Release, double VelSens, string Title)> FamilyStyle = new()
    {
        ["bass"] = (0.195, 0.8, "Bass"), ["brass"] = (0.255, 0.9, "Brass"), ["flute"] = (0.245, 0.8, "Flute"),
        ["guitar"] = (0.32, 1.0, "Guitar"), ["keyboard"] = (0.355, 1.0, "Keys"), ["mallet"] = (0.578, 1.0, "Mallet"),
        ["organ"] = (0.12, 0.2, "Organ"), ["reed"] = (0.195, 0.9, "Reed"), ["string"] = (0.36, 0.8, "Strings"),
        ["synth_lead"] = (0.3, 0.8, "Lead"), ["vocal"] = (0.4, 0.8, "Voice"),
    };

    /// Corners B and C chosen so the pad's X sweep (A -> B, at rest y) and Y sweep (A -> C, at rest x) glide:
    /// MorphSweep (log-mel of MIDI 60 at velocity 90, 16 steps) with no step over MaxRatio x the median. Candidates
    /// are the family's ranked seeds (best first, at most `tries` each, none another preset uses); the first smooth
    /// one is taken, else the smoothest. Corner A (what the preset plays at rest, so the scale check) is kept, and so
    /// is D unless B or C took it. A musician dragging the pad should hear a glide, not a jump: some seeds sit across
    /// a sharp fold of the generator's latent space from A, and the classifier's ranking cannot see that.
    public static (Preset Preset, double WorstRatio) SmoothCorners(GansynthModel model, Preset preset, IReadOnlyList<SeedScore> candidates, ISet<CornerSpec> taken, TimbreDirections? directions, int tries = 12)
    {
        var corners = preset.Corners.ToArray();
        double worst = 0;
        foreach (var (corner, path) in new[] { (1, SweepPath.X), (2, SweepPath.Y) })
        {
            double Ratio(CornerSpec c)
            {
                var trial = corners.ToArray();
                trial[corner] = c;
                var p = preset with { Corners = trial };
                return MorphSweep.Measure(model, MorphSweep.Points(p, model.Config.Prior, directions, path, 16), [60], 90, path).Ratio;
            }
            var options = new[] { corners[corner] }.Concat(candidates.Select(sd => sd.Corner)
                .Where(c => !taken.Contains(c) && !corners.Contains(c)).Take(tries));
            CornerSpec best = corners[corner]; double bestRatio = double.PositiveInfinity;
            foreach (var c in options)
            {
                double r = Ratio(c);
                if (r < bestRatio) { best = c; bestRatio = r; }
                if (r <= SweepResult.MaxRatio) break;
            }
            corners[corner] = best;
            worst = Math.Max(worst, bestRatio);
        }
        return (preset with { Corners = corners }, worst);
    }

    /// Gives every within-family pad of the bank (in place) the corners B and C of SmoothCorners, a seed used by
    /// one pad never reused by another, and notes that describe the corners it ends with (cross-family pads travel
    /// between different instruments on purpose and stay as Build made them). Returns the pads that found no smooth
    /// corner, with their worst step ratio.
    public static List<(Preset Preset, double WorstRatio)> SmoothFamilyPads(List<(string FileName, Preset Preset)> bank, IReadOnlyList<SeedScore> scores,
        IReadOnlyList<string> families, GansynthModel model, TimbreDirections? directions, BankOptions o)
    {
        var taken = bank.SelectMany(b => b.Preset.Corners).ToHashSet();
        var rough = new List<(Preset, double)>();
        for (int i = 0; i < bank.Count; i++)
        {
            if (bank[i].Preset.Family is not { } fam) continue;
            int f = families.ToList().IndexOf(fam);
            var (smooth, ratio) = SmoothCorners(model, bank[i].Preset, Rank(scores, f), taken, directions);
            var cornerScores = smooth.Corners.Select(c => scores.First(s => s.Corner.Equals(c))).ToList();
            smooth = smooth with
            {
                Notes = FamilyNotes(fam, f, cornerScores, o, scores.Count, model.ModelId) + string.Create(CultureInfo.InvariantCulture,
                    $" Corners B and C: of the family's best-ranked seeds, the first the pad's X and Y sweeps from A glide to (no step over 2x the median), else the smoothest (worst step here {ratio:F2}x the median step)."),
            };
            taken.UnionWith(smooth.Corners);
            if (ratio > SweepResult.MaxRatio) rough.Add((smooth, ratio));
            bank[i] = (bank[i].FileName, smooth);
        }
        return rough;
    }

    /// What a within-family preset's notes say about its corners (family probability and pitch accuracy of each).
    public static string FamilyNotes(string fam, int f, IReadOnlyList<SeedScore> corners, BankOptions o, int seedCount, string modelId) =>
        (corners.All(c => c.CodeFamily == f) ? $"Corners = {Drawn(corners, o)} near the model's timbre codes of its training {fam} instruments; the eval classifier's '{fam}' "
            : $"Corners = {Drawn(corners, o)} the eval classifier assigns to '{fam}' ") + string.Create(CultureInfo.InvariantCulture,
            $"(p = {string.Join(", ", corners.Select(c => c.FamilyProbs[f].ToString("F2", CultureInfo.InvariantCulture)))}; " +
            $"pitch accuracy {string.Join(", ", corners.Select(c => c.PitchAccuracy.ToString("F2", CultureInfo.InvariantCulture)))} at MIDI {string.Join("/", o.Pitches)}, {o.Path} path), " +
            $"best of {seedCount} seeds; model {modelId}. The pad morphs between four {fam} timbres.") + VibratoNote(corners[0], fam, o);

    /// The vibrato a family preset whose corner A is `a` plays: its corner A's training instrument's (BankOptions
    /// .InstrumentVibrato: the depth and rate of its own real notes where they swing, none where they hold), else the
    /// family's (Style). A string ensemble swings less than a solo violin and a clarinet not at all, where the reed
    /// family's median gave every reed preset a saxophone's 6.7 cents; played so, the generated set comes nearer the
    /// real test notes than with the family's (EVAL.md phase 25: 96.15 against 97.32).
    public static (double Cents, double Hz) Vibrato(SeedScore a, string family, BankOptions o)
    {
        if (InstrumentVibrato(a, o) is { } row)
            return row.Plays is { Cents: > 0 } v ? v : (0, VoiceEngineOptions.DefaultVibratoRateHz);
        var s = Style(family);
        return (s.VibratoCents, s.VibratoHz);
    }

    /// Corner A's instrument's measured vibrato, when the bank has it.
    static FamilyVibratoRow? InstrumentVibrato(SeedScore a, BankOptions o) => a.Code is { } code ? o.InstrumentVibrato?.GetValueOrDefault(code) : null;

    static string VibratoNote(SeedScore a, string family, BankOptions o)
    {
        var (cents, hz) = Vibrato(a, family, o);
        string whose = InstrumentVibrato(a, o) is { } row ? $"its corner A's instrument's ({row.Group})" : "the family's";
        return string.Create(CultureInfo.InvariantCulture, $" Vibrato: {whose}, {(cents > 0 ? $"{cents} cents at {hz} Hz" : "none")}.");
    }

    /// What the corners are: the model's prior's seeds, or the latents of seeds drawn from the bank's own prior.
    static string Drawn(IReadOnlyList<SeedScore> corners, BankOptions o) => o.Prior is null ? "seeds"
        : $"the latents of seeds {string.Join(", ", corners.Select(c => c.Seed))} ({PriorText(o)})";

    /// The bank's own prior, as its presets' notes name it; empty for the model's.
    static string PriorText(BankOptions o) => o.Prior is not { } p ? ""
        : string.Create(CultureInfo.InvariantCulture, $"prior noise {p.Sigma}, {(p.Mix > 0 ? $"code mix {p.Mix}" : "unblended")}");

    /// Two presets per family (corner A: ranks 1 and 2 of that family's seeds, corners B-D the next ones, CornerRank;
    /// the pad morphs within the family) plus cross-family morph pads from each family's best seed. Gain brings the corner-A seed to TargetRmsDb.
    public static List<(string FileName, Preset Preset)> Build(IReadOnlyList<SeedScore> scores, IReadOnlyList<string> families, string modelName, string modelId, BankOptions o, int perFamily = 2)
    {
        var result = new List<(string, Preset)>();
        var best = new Dictionary<string, SeedScore>();
        int index = 1;
        for (int f = 0; f < families.Count; f++)
        {
            var ranked = Rank(scores, f);
            string fam = families[f];
            var style = FamilyStyle.GetValueOrDefault(fam, (0.3, 0.8, CultureInfo.InvariantCulture.TextInfo.ToTitleCase(fam)));
            // A cross-family pad plays the blend of its corners from the centre, attacks included: its corners are the
            // family's best seeds whose scored notes all speak promptly (with the reed codes first, Belongs, a reed
            // seed whose low notes rose slowly took Morph Winds from 99 % to 87 % of its onsets).
            best[fam] = ranked.FirstOrDefault(s => s.PromptAttacks >= 1) ?? ranked[0];
            for (int v = 0; v < perFamily; v++)
            {
                var corners = Enumerable.Range(0, Preset.CornerCount).Select(k => ranked[Math.Min(CornerRank(v, k, perFamily), ranked.Count - 1)]).ToArray();
                var a = corners[0];
                var vibrato = Vibrato(a, fam, o);
                string numeral = v == 0 ? "I" : v == 1 ? "II" : (v + 1).ToString(CultureInfo.InvariantCulture);
                var preset = new Preset
                {
                    Name = $"{style.Item3} {numeral}",
                    Model = modelName,
                    Corners = corners.Select(c => c.Corner).ToArray(),
                    X = 0, Y = 0,
                    GainDb = GainDb(a.RmsDb, o),
                    VelocitySensitivity = style.Item2,
                    ReleaseS = style.Item1,
                    PitchBendRange = 2,
                    VibratoCents = vibrato.Cents,
                    VibratoHz = vibrato.Hz,
                    Family = fam,
                    Notes = FamilyNotes(fam, f, corners, o, scores.Count, modelId),
                };
                result.Add(($"{index:00}_{fam}_{v + 1}.json", preset));
                index++;
            }
        }
        // Cross-family pads: four families' best seeds at the corners, starting in the middle of the pad.
        (string Name, string[] Fams)[] morphs =
        [
            ("Morph Winds", ["brass", "reed", "flute", "string"]),
            ("Morph Plucks", ["guitar", "keyboard", "mallet", "bass"]),
        ];
        foreach (var (name, fams) in morphs)
        {
            if (!fams.All(best.ContainsKey)) continue;
            var corners = fams.Select(f => best[f]).ToArray();
            result.Add(($"{index:00}_morph_{name.Split(' ')[1].ToLowerInvariant()}.json", new Preset
            {
                Name = name,
                Model = modelName,
                Corners = corners.Select(c => c.Corner).ToArray(),
                X = 0.5, Y = 0.5,
                GainDb = GainDb(corners.Average(c => c.RmsDb), o),
                VelocitySensitivity = 0.9,
                ReleaseS = Math.Round(fams.Average(f => Style(f).Release), 3), // the pad starts between its corners' families
                VibratoCents = Math.Round(fams.Average(f => Style(f).VibratoCents), 1),
                VibratoHz = Math.Round(fams.Average(f => Style(f).VibratoHz), 2),
                Family = null,
                Notes = $"Cross-family pad: corners A-D are the best {string.Join(", ", fams)} seeds ({string.Join(", ", corners.Select(c => c.Seed))}{(o.Prior is null ? "" : $"; their latents, {PriorText(o)}")}); move X/Y to travel between them. Model {modelId}.",
            }));
            index++;
        }
        return result;
    }
}
