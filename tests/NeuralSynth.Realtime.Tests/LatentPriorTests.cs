using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;
using Xunit;

namespace NeuralSynth.Realtime.Tests;

public class LatentPriorTests
{
    static float[][] Codes(int count, int size) => Enumerable.Range(0, count).Select(k => Latent.FromSeed(1000 + k, size).ToArray()).ToArray();

    [Fact]
    public void GaussianPriorIsTheSeedsOwnLatent()
    {
        var prior = LatentPrior.Gaussian(16);
        Assert.Equal(Latent.FromSeed(42, 16), prior.Sample(42));
        Assert.Equal(prior.Sample(5), LatentPrior.FromCodes(16, [], 0.3f).Sample(5)); // no codes: Gaussian
    }

    /// A seed picks one code and adds sigma times its own Gaussian; the same seed gives the same timbre, and seeds reach
    /// every code about equally often.
    [Fact]
    public void CodePriorIsACodePlusScaledNoiseAndReachesEveryCode()
    {
        var codes = Codes(5, 16);
        var prior = LatentPrior.FromCodes(16, codes, 0.25f);
        var hits = new int[5];
        for (long seed = 1; seed <= 500; seed++)
        {
            var z = prior.Sample(seed);
            Assert.Equal(z, prior.Sample(seed));
            var noise = Latent.FromSeed(seed, 16);
            int k = Enumerable.Range(0, 5).Single(k => prior.Code(k, noise).Equals(z));
            for (int i = 0; i < 16; i++) Assert.Equal(codes[k][i] + 0.25f * noise.Values[i], z.Values[i]);
            hits[k]++;
        }
        Assert.All(hits, h => Assert.InRange(h, 60, 140));
        Assert.Equal(new Latent(codes[3]), LatentPrior.FromCodes(16, codes, 0f).Code(3, Latent.FromSeed(9, 16)));
    }

    /// code_mix: a seed's code blended with another code of its own group (a family) by a weight up to the mix, at the
    /// code's norm, plus the seed's noise; never with another group's code, never past half (the seed's own code stays
    /// the nearer, so CodeOf still names what it plays); deterministic in the seed; a code alone in its group unblended.
    [Fact]
    public void AMixBlendsASeedsCodeWithAnotherOfItsGroupOnly()
    {
        var codes = Codes(5, 16);
        string[] groups = ["reed", "reed", "reed", "bass", "organ"];
        var prior = LatentPrior.FromCodes(16, codes, 0.1f, groups, 0.5f);
        var weights = new List<double>();
        for (long seed = 1; seed <= 400; seed++)
        {
            int k = prior.CodeOf(seed);
            var z = prior.Sample(seed);
            Assert.Equal(z, prior.Sample(seed));
            var centre = prior.Blend(k, seed);
            var noise = Latent.FromSeed(seed, 16);
            for (int i = 0; i < 16; i++) Assert.Equal(centre[i] + 0.1f * noise.Values[i], z.Values[i], 5);
            Assert.Equal(Norm(codes[k]), Norm(centre), 3);
            if (groups[k] != "reed") { Assert.Equal(codes[k], centre); continue; }
            // centre ~ (1 - a) c_k + a c_j for one other reed j: find j and a by least squares, check the fit is exact.
            var fits = Enumerable.Range(0, 3).Where(j => j != k).Select(j => (j, Fit(codes[k], codes[j], centre))).OrderBy(f => f.Item2.Residual).ToArray();
            Assert.True(fits[0].Item2.Residual < 1e-3, $"seed {seed}: not a blend of its reed code with another reed");
            weights.Add(fits[0].Item2.A);
        }
        Assert.True(weights.Count > 100);
        Assert.All(weights, a => Assert.InRange(a, 0, 0.5 + 1e-3));
        Assert.InRange(weights.Average(), 0.18, 0.32); // uniform in [0, 0.5]
        Assert.Equal(LatentPrior.FromCodes(16, codes, 0.1f).Sample(3), LatentPrior.FromCodes(16, codes, 0.1f, groups, 0f).Sample(3)); // no mix: as before
        Assert.Contains("code mix", Assert.Throws<ArgumentException>(() => LatentPrior.FromCodes(16, codes, 0.1f, groups, 0.6f)).Message);
        Assert.Contains("one group per code", Assert.Throws<ArgumentException>(() => LatentPrior.FromCodes(16, codes, 0.1f, null, 0.3f)).Message);
    }

    static double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));

    /// The weight a and scale s with centre = s ((1 - a) c + a p) best in least squares, and the relative residual.
    static (double A, double Residual) Fit(float[] c, float[] p, float[] centre)
    {
        // centre = u c + w p (two free coefficients), then a = w / (u + w).
        double cc = 0, pp = 0, cp = 0, cy = 0, py = 0;
        for (int i = 0; i < c.Length; i++) { cc += c[i] * c[i]; pp += p[i] * p[i]; cp += c[i] * p[i]; cy += c[i] * centre[i]; py += p[i] * centre[i]; }
        double det = cc * pp - cp * cp, u = (cy * pp - py * cp) / det, w = (py * cc - cy * cp) / det;
        double res = 0;
        for (int i = 0; i < c.Length; i++) { double e = centre[i] - u * c[i] - w * p[i]; res += e * e; }
        return (w / (u + w), Math.Sqrt(res) / Norm(centre));
    }

    [Fact]
    public void BadCodesAreRefusedByName()
    {
        Assert.Contains("code 1 must hold 16", Assert.Throws<ArgumentException>(() => LatentPrior.FromCodes(16, [new float[16], new float[15]], 0.1f)).Message);
        var nan = new float[16]; nan[3] = float.NaN;
        Assert.Contains("code 0 must hold 16 finite", Assert.Throws<ArgumentException>(() => LatentPrior.FromCodes(16, [nan], 0.1f)).Message);
        Assert.Contains("prior noise", Assert.Throws<ArgumentException>(() => LatentPrior.FromCodes(16, Codes(2, 16), -1f)).Message);
        Assert.Contains("outside 0-1", Assert.Throws<ArgumentException>(() => LatentPrior.FromCodes(16, Codes(2, 16), 0.1f).Code(2, Latent.FromSeed(1, 16))).Message);
    }

    /// The plug-in's Seed parameter and a preset's seed corners follow the model's prior.
    [Fact]
    public void SeedsOfPresetsAndTheSeedParameterFollowThePrior()
    {
        var prior = LatentPrior.FromCodes(16, Codes(3, 16), 0.2f);
        Assert.Equal(prior.Sample(7), CornerSpec.FromSeed(7).ToLatent(prior));
        var a = Latent.FromSeed(1, 16);
        Assert.Equal(prior.Sample(77), TimbreControls.Reseed(a, 77, 0, prior));
        var p = new Preset { Name = "n", Model = "m", Corners = [CornerSpec.FromSeed(1), CornerSpec.FromSeed(2), CornerSpec.FromSeed(3), CornerSpec.FromSeed(4)], X = 0, Y = 0 };
        Assert.Equal(TimbreControls.ToShell(prior.Sample(1)), p.ToLatent(prior, null));
    }

    /// An explicit corner names the code it plays near by direction: a seed's latent finds its own code while its
    /// noise is small beside the codes' spread, whatever its length; the Gaussian prior has none.
    [Fact]
    public void NearestCodeIsTheCodeALatentPointsAt()
    {
        var codes = Codes(6, 16).Select(c => { double n = Math.Sqrt(c.Sum(x => (double)x * x)); return c.Select(x => (float)(x * 4 / n)).ToArray(); }).ToArray();
        var prior = LatentPrior.FromCodes(16, codes, 0.1f);
        for (long seed = 1; seed <= 60; seed++)
        {
            var z = prior.Sample(seed);
            Assert.Equal(prior.CodeOf(seed), prior.NearestCode(z));
            Assert.Equal(prior.CodeOf(seed), prior.NearestCode(new Latent(z.Values.ToArray().Select(x => 3 * x).ToArray())));
        }
        Assert.Equal(2, prior.NearestCode(new Latent(codes[2].Select((x, i) => x - 0.5f * codes[4][i]).ToArray())));
        Assert.Equal(-1, LatentPrior.Gaussian(16).NearestCode(Latent.FromSeed(1, 16)));
        Assert.Contains("15 values", Assert.Throws<ArgumentException>(() => prior.NearestCode(Latent.FromSeed(1, 15))).Message);
    }
}
