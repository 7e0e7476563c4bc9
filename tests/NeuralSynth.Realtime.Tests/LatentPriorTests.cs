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
}
