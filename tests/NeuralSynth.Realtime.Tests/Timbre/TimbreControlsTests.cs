using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;

namespace NeuralSynth.Realtime.Tests.Timbre;

public class TimbreControlsTests
{
    const int Size = 64;
    static readonly Latent A = Latent.FromSeed(1, Size), B = Latent.FromSeed(2, Size), C = Latent.FromSeed(3, Size), D = Latent.FromSeed(4, Size);

    static double Norm(Latent z) { double s = 0; foreach (float v in z.Values) s += (double)v * v; return Math.Sqrt(s); }

    static double Distance(Latent p, Latent q)
    {
        double s = 0;
        for (int i = 0; i < p.Size; i++) { double d = p.Values[i] - q.Values[i]; s += d * d; }
        return Math.Sqrt(s);
    }

    static TimbreDirections RandomDirections(int count, long seed)
    {
        var dirs = Enumerable.Range(0, count).Select(i => Latent.FromSeed(seed + i, Size).ToArray()).ToArray();
        return new TimbreDirections(Size, dirs, Enumerable.Repeat(1.0, count).ToArray());
    }

    static Latent Run(double x, double y, double[]? macros = null, long seed = 0, TimbreDirections? dirs = null) =>
        TimbreControls.Compute(A, B, C, D, new TimbreSettings { X = x, Y = y, Macros = macros ?? new double[8], Seed = seed }, dirs, LatentPrior.Gaussian(A.Size));

    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(1, 0, 2)]
    [InlineData(0, 1, 3)]
    [InlineData(1, 1, 4)]
    public void CornersReproduceTheCornerLatents(double x, double y, long cornerSeed)
    {
        var expected = TimbreControls.ToShell(Latent.FromSeed(cornerSeed, Size));
        var z = Run(x, y, dirs: RandomDirections(8, 100));
        Assert.True(Distance(z, expected) < 1e-5, $"corner ({x},{y}) off by {Distance(z, expected)}");
        // Same direction as the raw seed latent: the generator (pixel norm) cannot tell them apart.
        var raw = Latent.FromSeed(cornerSeed, Size);
        double cos = 0;
        for (int i = 0; i < Size; i++) cos += z.Values[i] * (double)raw.Values[i];
        Assert.Equal(1.0, cos / (Norm(z) * Norm(raw)), 6);
    }

    [Fact]
    public void CornersOnTheShellComeOutBitExact()
    {
        var a = TimbreControls.ToShell(A);
        var z = TimbreControls.Compute(a, B, C, D, new TimbreSettings { X = 0, Y = 0 }, null, LatentPrior.Gaussian(a.Size));
        Assert.Equal(a, z);
        Assert.Equal(a.Hash, z.Hash);
    }

    [Fact]
    public void SameParametersGiveTheSameLatentBitForBit()
    {
        var dirs = RandomDirections(8, 200);
        var macros = new[] { 0.3, -0.7, 0, 1, -1, 0.25, 0.1, -0.05 };
        var z1 = Run(0.37, 0.81, macros, 0, dirs);
        var z2 = Run(0.37, 0.81, (double[])macros.Clone(), 0, RandomDirections(8, 200));
        Assert.Equal(z1.Hash, z2.Hash);
        Assert.True(z1.Values.SequenceEqual(z2.Values));
    }

    [Fact]
    public void SmallParameterChangesGiveSmallLatentChanges()
    {
        // Lipschitz-like continuity over a fine grid: a 1/1000 step in x, y or a macro moves z by far less than
        // the corner spacing (about 11 on the 64-d shell), and never jumps.
        var dirs = RandomDirections(8, 300);
        const double h = 1e-3;
        double worst = 0;
        for (double x = 0; x <= 1 - h; x += 0.0625)
        for (double y = 0; y <= 1 - h; y += 0.0625)
        {
            var m = new[] { x - 0.5, 0.4, -0.2, 0, 0, 0, 0, y - 0.5 };
            var z = Run(x, y, m, 0, dirs);
            worst = Math.Max(worst, Distance(z, Run(x + h, y, m, 0, dirs)));
            worst = Math.Max(worst, Distance(z, Run(x, y + h, m, 0, dirs)));
            var m2 = (double[])m.Clone(); m2[1] += h;
            worst = Math.Max(worst, Distance(z, Run(x, y, m2, 0, dirs)));
        }
        Assert.True(worst < 0.05, $"a 1e-3 parameter step moved z by {worst}");
    }

    [Fact]
    public void MacroLeavingZeroIsContinuous()
    {
        // The macro step is skipped at exactly 0: the first non-zero value must land next to the zero result.
        var dirs = RandomDirections(8, 400);
        var z0 = Run(0.3, 0.6, null, 0, dirs);
        var m = new double[8]; m[0] = 1e-6;
        Assert.True(Distance(z0, Run(0.3, 0.6, m, 0, dirs)) < 1e-4);
    }

    [Fact]
    public void XYSweepHasNoJumps()
    {
        // A 256-step sweep along x: every step moves about the same amount (slerp is constant-speed).
        var steps = Enumerable.Range(0, 257).Select(i => Run(i / 256.0, 0.5)).ToArray();
        var d = steps.Zip(steps.Skip(1), Distance).ToArray();
        Assert.True(d.Max() < 2 * d.Min() + 1e-4, $"step sizes range {d.Min()}..{d.Max()}");
    }

    [Fact]
    public void EveryOutputStaysOnTheShell()
    {
        var dirs = RandomDirections(8, 500);
        var rng = new Random(5);
        for (int t = 0; t < 200; t++)
        {
            var m = Enumerable.Range(0, 8).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var z = Run(rng.NextDouble(), rng.NextDouble(), m, t % 3 == 0 ? t : 0, dirs);
            Assert.Equal(Math.Sqrt(Size), Norm(z), 3);
        }
    }

    [Fact]
    public void MacrosMoveAlongTheirDirection()
    {
        var dirs = RandomDirections(8, 600);
        var z0 = Run(0.5, 0.5, null, 0, dirs);
        var m = new double[8]; m[2] = 1;
        var z1 = Run(0.5, 0.5, m, 0, dirs);
        Assert.True(Distance(z0, z1) > 1, "a full macro must move the latent noticeably");
        // Projection onto u_2 grows; onto another direction it barely changes (directions are near-orthogonal).
        double Proj(Latent z, int i) { double s = 0; for (int k = 0; k < Size; k++) s += z.Values[k] * (double)dirs.Directions[i][k]; return s; }
        Assert.True(Proj(z1, 2) - Proj(z0, 2) > 1.5);
        var mNeg = new double[8]; mNeg[2] = -1;
        Assert.True(Proj(Run(0.5, 0.5, mNeg, 0, dirs), 2) < Proj(z0, 2) - 1.5);
    }

    [Fact]
    public void WithoutDirectionsMacrosDoNothing()
    {
        var m = new[] { 1.0, -1, 1, -1, 1, -1, 1, -1 };
        Assert.Equal(Run(0.2, 0.7), Run(0.2, 0.7, m, 0, null));
    }

    [Fact]
    public void SeedReplacesCornerA()
    {
        var z = Run(0, 0, null, 77);
        Assert.True(Distance(z, TimbreControls.ToShell(Latent.FromSeed(77, Size))) < 1e-5);
        Assert.Equal(Run(1, 1), Run(1, 1, null, 77)); // corner D does not depend on A
    }

    /// With a family-conditioned model's directions (family axes 9), a new seed keeps corner A's family coordinates
    /// (another timbre of A's family), and takes everything else from the seed.
    [Fact]
    public void SeedKeepsCornerAsFamilyAxes()
    {
        var fa = A.ToArray(); fa[3] += 4f; // A asked for family 3, as GansynthConfig.FamilyLatent makes it
        var familyA = new Latent(fa);
        var dirs = new TimbreDirections(Size, [Latent.FromSeed(11, Size).ToArray()], [1.0], familyAxes: 9);
        var z = TimbreControls.Reseed(familyA, 77, dirs.FamilyAxes, LatentPrior.Gaussian(Size));
        var seed = Latent.FromSeed(77, Size);
        Assert.Equal(fa[..9], z.Values[..9].ToArray());
        Assert.Equal(seed.Values[9..].ToArray(), z.Values[9..].ToArray());
        var played = TimbreControls.Compute(familyA, B, C, D, new TimbreSettings { X = 0, Y = 0, Seed = 77, Macros = new double[8] }, dirs, LatentPrior.Gaussian(Size));
        Assert.True(Distance(played, TimbreControls.ToShell(z)) < 1e-5);
        Assert.Equal(seed, TimbreControls.Reseed(familyA, 77, 0, LatentPrior.Gaussian(Size))); // a model without families: the seed's own latent
    }

    [Fact]
    public void OutOfRangeAndNaNAreClampedNotRejected()
    {
        Assert.Equal(Run(1, 0), Run(5, -3));
        Assert.Equal(Run(0, 0), Run(double.NaN, double.NaN));
        var dirs = RandomDirections(8, 700);
        var big = new double[8]; big[0] = 9;
        var one = new double[8]; one[0] = 1;
        Assert.Equal(Run(0.5, 0.5, one, 0, dirs), Run(0.5, 0.5, big, 0, dirs));
    }

    [Fact]
    public void MismatchedSizesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => TimbreControls.Compute(A, B, C, Latent.FromSeed(4, 32), TimbreSettings.Default, null, LatentPrior.Gaussian(A.Size)));
        var dirs = new TimbreDirections(32, [Latent.FromSeed(9, 32).ToArray()], [1.0]);
        var m = new double[8]; m[0] = 1;
        Assert.Throws<ArgumentException>(() => Run(0.5, 0.5, m, 0, dirs));
    }

    [Fact]
    public void DirectionsRoundTripThroughJson()
    {
        var dirs = new TimbreDirections(Size, [Latent.FromSeed(11, Size).ToArray(), Latent.FromSeed(12, Size).ToArray()], [0.9, 1.1], [0.4, 0.2], "abc", "test", familyAxes: 9);
        string dir = Directory.CreateTempSubdirectory("ns-dirs").FullName;
        try
        {
            dirs.Save(Path.Combine(dir, TimbreDirections.FileName));
            var back = TimbreDirections.Load(dir);
            Assert.Equal(2, back.Count);
            Assert.Equal(dirs.Directions[1], back.Directions[1]);
            Assert.Equal(1.1, back.Std[1]);
            Assert.Equal("abc", back.ModelId);
            Assert.Equal(9, back.FamilyAxes);
            Assert.Null(TimbreDirections.TryLoad(Path.Combine(dir, "nothing")));
            File.WriteAllText(Path.Combine(dir, TimbreDirections.FileName), "{\"version\":1,\"latent_size\":64,\"std\":[1],\"directions\":[[1,2]]}");
            var e = Assert.Throws<NeuralSynth.Formats.InvalidFileException>(() => TimbreDirections.Load(dir));
            Assert.Contains("direction 0 has 2 values", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
