using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Timbre;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;

namespace NeuralSynth.Models.Tests.Timbre;

/// How the bank orders a family's seeds and picks corner A: family membership before attacks, attacks (measured
/// as a legato scale) before confidence.
public class PresetBankRankTests
{
    const int Flute = 0, Organ = 1;

    static SeedScore Seed(long seed, float flute, float organ, double prompt = 1, int codeFamily = -1) =>
        new(seed, [flute, organ], 1.0, -20, prompt, null, codeFamily);

    [Fact]
    public void SeedsThatBelongComeFirstThenPromptOnesThenConfidence()
    {
        var scores = new List<SeedScore>
        {
            Seed(1, 0.40f, 0.60f),                      // heard as organ, no code: not a flute
            Seed(2, 0.90f, 0.10f, prompt: 0.5),         // a confident flute that creeps in
            Seed(3, 0.60f, 0.40f),                      // a prompt flute
            Seed(4, 0.45f, 0.55f, codeFamily: Flute),   // heard as organ, but near a flute's code
            Seed(5, 0.20f, 0.80f, codeFamily: Organ),   // an organ both ways
        };
        Assert.Equal([3, 4, 2, 1, 5], PresetBank.Rank(scores, Flute).Select(s => (int)s.Seed));
        Assert.Equal([5, 1, 4, 3, 2], PresetBank.Rank(scores, Organ).Select(s => (int)s.Seed));
    }

    /// A seed near the family's own code comes before one near another family's code that the classifier hears as the
    /// family, however sure the classifier is, and even when its isolated notes creep in (the legato scale decides:
    /// VerifyAttacks measures it before any look-alike); a seed without a code counts by what the classifier hears.
    [Fact]
    public void TheFamilysOwnCodesComeBeforeLookAlikes()
    {
        var scores = new List<SeedScore>
        {
            Seed(1, 0.90f, 0.10f, codeFamily: Organ),              // an organ code the classifier hears as a flute
            Seed(2, 0.30f, 0.70f, codeFamily: Flute),              // a flute code heard as an organ
            Seed(3, 0.80f, 0.20f),                                 // no code, heard as a flute
            Seed(4, 0.20f, 0.80f, prompt: 0.5, codeFamily: Flute), // a flute code that creeps in
        };
        Assert.Equal([3, 2, 4, 1], PresetBank.Rank(scores, Flute).Select(s => (int)s.Seed)); // 3 and 2 belong alike: the surer classifier first
        Assert.Equal(2, PresetBank.Belongs(scores[1], Flute));
        Assert.Equal(1, PresetBank.Belongs(scores[0], Flute));
        Assert.Equal(2, PresetBank.Belongs(scores[2], Flute));
        Assert.Equal(0, PresetBank.Belongs(scores[2], Organ));
    }

    /// Corner A (rank 1, then rank 2 for the second preset) is measured as a legato scale; a seed that fails the bar
    /// drops behind the prompt ones and the next is measured, until A passes or the tries run out; then the best
    /// measured one is A, never an unmeasured slow one.
    [Fact]
    public void VerifyAttacksMeasuresCornerAUntilOnePasses()
    {
        var legato = new Dictionary<long, double> { [1] = 0.80, [2] = 0.90, [3] = 1.00, [4] = 0.99, [5] = 0.99, [6] = 0.99 };
        var scores = Enumerable.Range(1, 6).Select(i => Seed(i, 1f - i * 0.1f, i * 0.1f, codeFamily: Flute)).ToList();
        scores.Add(Seed(7, 0.95f, 0.05f, prompt: 0.3, codeFamily: Flute)); // never measured: it creeps in at the scored pitches
        var measured = new List<(long, string)>();
        int count = PresetBank.VerifyAttacks(scores, ["flute", "organ"], 1, (s, fam) => { measured.Add((s.Seed, fam)); return legato[s.Seed]; });
        Assert.Equal(4, count);
        Assert.Equal([(1L, "flute"), (2L, "flute"), (3L, "flute"), (6L, "organ")], measured); // seed 6 is heard as an organ
        var ranked = PresetBank.Rank(scores, Flute);
        Assert.Equal(3, ranked[0].Seed);
        Assert.Equal(1.00, ranked[0].Legato(Flute));
        Assert.True(double.IsNaN(ranked[0].Legato(Organ)));
        Assert.Equal([2, 1, 7], ranked.TakeLast(3).Select(s => (int)s.Seed)); // the measured failures, best first, then the slow unmeasured one

        // None passes within the tries: the best measured seed is corner A, not an unmeasured one that crept in.
        var slow = Enumerable.Range(1, 6).Select(i => Seed(i, 1f - i * 0.1f, i * 0.1f, prompt: i <= 4 ? 1 : 0.5, codeFamily: Flute)).ToList();
        PresetBank.VerifyAttacks(slow, ["flute", "organ"], 1, (s, _) => s.Seed == 2 ? 0.95 : 0.5, tries: 4);
        Assert.Equal(2, PresetBank.Rank(slow, Flute)[0].Seed);

        // When every prompt seed fails, the ones whose isolated notes rose slowly are measured too: one of them may keep
        // its attacks when played legato.
        var late = Enumerable.Range(1, 6).Select(i => Seed(i, 1f - i * 0.1f, i * 0.1f, prompt: i <= 2 ? 1 : 0.5, codeFamily: Flute)).ToList();
        PresetBank.VerifyAttacks(late, ["flute", "organ"], 1, (s, _) => s.Seed == 5 ? 1.0 : 0.6);
        Assert.Equal(5, PresetBank.Rank(late, Flute)[0].Seed);
    }

    /// The family's best seeds are the presets' corner A's (what each plays at rest), the rest fill corners B-D: every
    /// rank once, the second preset's A the second-best seed (not the fifth).
    [Fact]
    public void TheBestSeedsAreThePresetsCornerAs()
    {
        int[][] ranks = Enumerable.Range(0, 2).Select(v => Enumerable.Range(0, Preset.CornerCount).Select(k => PresetBank.CornerRank(v, k, 2)).ToArray()).ToArray();
        Assert.Equal([0, 2, 3, 4], ranks[0]);
        Assert.Equal([1, 5, 6, 7], ranks[1]);
        Assert.Equal(Enumerable.Range(0, 8), ranks.SelectMany(r => r).Order());
        Assert.Equal([0, 1, 2, 3], Enumerable.Range(0, Preset.CornerCount).Select(k => PresetBank.CornerRank(0, k, 1)));
    }

    /// A model with named codes tells which training instrument (and family) a seed plays near.
    [Fact]
    public void CodeFamilyNamesTheFamilyOfTheSeedsCode()
    {
        var codes = Enumerable.Range(0, 3).Select(k => Latent.FromSeed(100 + k, 8).ToArray()).ToArray();
        var cfg = new GansynthConfig { LatentSize = 8, Codes = codes, CodeNames = ["flute_acoustic_073", "organ_acoustic_019", "string_acoustic_040"], CodeSigma = 0.2f };
        var prior = cfg.Prior;
        for (long seed = 1; seed <= 30; seed++)
        {
            int k = prior.CodeOf(seed);
            Assert.Equal(prior.Code(k, Latent.FromSeed(seed, 8)), prior.Sample(seed));
            Assert.Equal(new[] { "flute", "organ", "string" }[k], cfg.CodeFamily(seed));
        }
        Assert.Null(new GansynthConfig { LatentSize = 8 }.CodeFamily(1));
        Assert.Equal(-1, LatentPrior.Gaussian(8).CodeOf(1));

        // code_mix blends a seed's code only with codes of its family (the names' first field): here the two flutes.
        var mixed = cfg with { Codes = [.. codes, Latent.FromSeed(200, 8).ToArray()], CodeNames = [.. cfg.CodeNames, "flute_acoustic_074"], CodeMix = 0.5f };
        var mixedPrior = mixed.Prior;
        Assert.Equal(0.5f, mixedPrior.Mix);
        for (long seed = 1; seed <= 30; seed++)
        {
            int k = mixedPrior.CodeOf(seed);
            bool flute = k is 0 or 3;
            Assert.Equal(!flute, mixedPrior.Blend(k, seed).SequenceEqual(mixed.Codes[k])); // organ and string have no partner
        }
        Assert.Contains("code_mix", Assert.Throws<ArgumentException>(() => (mixed with { CodeMix = 0.7f }).Validate()).Message);
    }

    /// A family preset's corner A is its best seed, but a cross-family pad plays the blend of its corners from the
    /// centre: its corners are each family's best seed whose scored notes all speak promptly.
    [Fact]
    public void CrossFamilyPadsTakeEachFamilysBestPromptSeed()
    {
        string[] families = ["brass", "reed", "flute", "string", "guitar", "keyboard", "mallet", "bass"];
        var scores = new List<SeedScore>();
        for (int f = 0; f < families.Length; f++)
        {
            var probs = new float[families.Length]; probs[f] = 0.9f;
            var legato = Enumerable.Repeat(double.NaN, families.Length).ToArray(); legato[f] = 1.0;
            scores.Add(new SeedScore(100 + f, probs, 1.0, -20, PromptAttacks: 0.5, CodeFamily: f, LegatoAttacks: legato)); // kept its attacks legato, slow alone
            var weaker = (float[])probs.Clone(); weaker[f] = 0.6f;
            scores.Add(new SeedScore(200 + f, weaker, 1.0, -20, PromptAttacks: 1, CodeFamily: f));
            for (int k = 0; k < 8; k++) scores.Add(new SeedScore(300 + 10 * f + k, weaker, 1.0, -20, PromptAttacks: 1, CodeFamily: f));
        }
        var bank = PresetBank.Build(scores, families, "gansynth", "test", new BankOptions());
        var brass = bank.Single(p => p.Preset.Name == "Brass I").Preset;
        Assert.Equal(CornerSpec.FromSeed(100), brass.Corners[0]);
        var winds = bank.Single(p => p.Preset.Name == "Morph Winds").Preset;
        Assert.Equal(new[] { 200L, 201, 202, 203 }, winds.Corners.Select(c => c.Seed!.Value));
    }

    /// The model's prior can draw from another noise than training's (prior_sigma) and blend a family's codes, while a
    /// bank drawn from the unblended prior (BankOptions.Prior) writes its corners as latents: the presets keep the
    /// timbres they were chosen for, and their notes say which seeds and prior those were.
    [Fact]
    public void ABankFromAnotherPriorWritesItsCornersAsLatents()
    {
        var codes = Enumerable.Range(0, 4).Select(k => Latent.FromSeed(100 + k, 8).ToArray()).ToArray();
        var cfg = new GansynthConfig
        {
            LatentSize = 8, Codes = codes, CodeNames = ["flute_acoustic_073", "flute_acoustic_074", "organ_acoustic_019", "organ_acoustic_020"],
            CodeSigma = 0.25f, PriorSigma = 0.1f, CodeMix = 0.3f,
        };
        Assert.Equal(0.1f, cfg.Prior.Sigma);
        Assert.Equal(0.25f, cfg.CodeSigma); // what training judges the generator at stays
        string file = Path.Combine(Path.GetTempPath(), $"prior-{Guid.NewGuid():N}.json");
        try
        {
            cfg.Save(file);
            var loaded = GansynthConfig.Load(file);
            Assert.Equal(cfg.PriorLatent(3), loaded.PriorLatent(3));
            Assert.Equal(0.25f, (loaded with { PriorSigma = null }).Prior.Sigma); // absent: the training's noise
        }
        finally { File.Delete(file); }
        Assert.Contains("prior_sigma", Assert.Throws<ArgumentException>(() => (cfg with { PriorSigma = -0.1f }).Validate()).Message);

        var unblended = cfg.PriorWith(0.25f, 0);
        var o = new BankOptions { Prior = unblended };
        for (long seed = 1; seed <= 12; seed++)
        {
            Assert.Equal(unblended.Sample(seed), PresetBank.CandidateLatent(cfg, o, seed));
            Assert.NotEqual(cfg.PriorLatent(seed), PresetBank.CandidateLatent(cfg, o, seed));
            Assert.Equal(cfg.PriorLatent(seed), PresetBank.CandidateLatent(cfg, new BankOptions(), seed));
            Assert.Equal(cfg.CodeName(seed), cfg.CodeNameNear(unblended.Sample(seed)));
        }

        var scores = Enumerable.Range(1, 12).Select(i => new SeedScore(i, i % 2 == 0 ? [0.9f, 0.1f] : [0.1f, 0.9f], 1.0, -20, 1, unblended.Sample(i),
            cfg.CodeFamily(i) == "flute" ? Flute : Organ)).ToList();
        var bank = PresetBank.Build(scores, ["flute", "organ"], "gansynth", "test", o);
        foreach (var (_, preset) in bank)
        {
            Assert.All(preset.Corners, c => Assert.False(c.IsSeed));
            var seeds = preset.Corners.Select(c => scores.Single(s => s.Corner.Equals(c)).Seed).ToList();
            Assert.All(preset.Corners.Zip(seeds), cs => Assert.Equal(unblended.Sample(cs.Second), cs.First.ToLatent(cfg.Prior)));
            Assert.Contains($"the latents of seeds {string.Join(", ", seeds)} (prior noise 0.25, unblended)", preset.Notes);
        }
    }

    /// A family preset plays its corner A's own instrument's vibrato where the model keeps one (vibrato.json): a
    /// swinging instrument's depth and rate, none for one whose pitch holds; without it, the family's.
    [Fact]
    public void APresetPlaysItsOwnInstrumentsVibrato()
    {
        var rows = new Dictionary<string, NeuralSynth.Models.Evaluation.FamilyVibratoRow>
        {
            ["flute_acoustic_073"] = new("flute_acoustic_073", 50, 0.68, 9.4, 4.0),
            ["flute_acoustic_1074"] = new("flute_acoustic_1074", 50, 0.0, double.NaN, double.NaN),
        };
        var o = new BankOptions { InstrumentVibrato = rows };
        SeedScore Near(long seed, string? code) => new(seed, [0.9f, 0.1f], 1.0, -20, 1, null, Flute, Code: code);
        Assert.Equal((9.4, 4.0), PresetBank.Vibrato(Near(1, "flute_acoustic_073"), "flute", o));
        Assert.Equal((0.0, VoiceEngineOptions.DefaultVibratoRateHz), PresetBank.Vibrato(Near(2, "flute_acoustic_1074"), "flute", o));
        var family = PresetBank.Style("flute");
        Assert.Equal((family.VibratoCents, family.VibratoHz), PresetBank.Vibrato(Near(3, "flute_acoustic_999"), "flute", o));
        Assert.Equal((family.VibratoCents, family.VibratoHz), PresetBank.Vibrato(Near(1, "flute_acoustic_073"), "flute", new BankOptions()));

        var scores = new List<SeedScore> { Near(1, "flute_acoustic_073"), Near(2, "flute_acoustic_1074") };
        scores.AddRange(Enumerable.Range(10, 8).Select(i => Near(i, "flute_acoustic_1074") with { FamilyProbs = [0.5f, 0.1f] }));
        var bank = PresetBank.Build(scores, ["flute", "organ"], "gansynth", "test", o);
        var flute1 = bank.Single(b => b.Preset.Name == "Flute I").Preset;
        Assert.Equal(CornerSpec.FromSeed(1), flute1.Corners[0]);
        Assert.Equal(9.4, flute1.VibratoCents);
        Assert.Contains("Vibrato: its corner A's instrument's (flute_acoustic_073), 9.4 cents at 4 Hz.", flute1.Notes);
        Assert.Equal(0, bank.Single(b => b.Preset.Name == "Flute II").Preset.VibratoCents);
    }
}
