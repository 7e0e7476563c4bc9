namespace NeuralSynth.Realtime.Timbre;

/// Timbre parameters -> latent: a pure, deterministic function, so automation replays bit-identically
/// in the plugin, the render command and the tests.
///
///   1. corners A..D (seed != 0 replaces A with the model's prior's latent for the seed, keeping A's family axes when the directions
///      name them: TimbreDirections.FamilyAxes) are projected onto the sphere of
///      radius sqrt(size), the shell a Gaussian z concentrates on and that G sees anyway (it pixel-normalises z);
///   2. XY morph: bilinear spherical interpolation slerp(slerp(A, B, x), slerp(C, D, x), y), continuous in
///      x and y (no snapping); slerp between points of equal norm stays on the shell;
///   3. macros: z += sum_i m_i * MacroRangeStd * std_i * u_i along the model's principal directions u_i, then
///      back onto the shell. With every macro at 0 (or no directions) step 3 is skipped, so the corners come
///      out exactly as the (projected) corner latents.
public static class TimbreControls
{
    /// A macro at +-1 moves z this many standard deviations (of z along the direction) - enough to hear,
    /// small enough (about 20 degrees on the 64-d shell) to stay in the region the generator was trained on.
    public const double MacroRangeStd = 3.0;

    public static Latent Compute(Latent a, Latent b, Latent c, Latent d, TimbreSettings settings, TimbreDirections? directions, LatentPrior prior)
    {
        int n = a.Size;
        if (b.Size != n || c.Size != n || d.Size != n)
            throw new ArgumentException($"corner latents differ in size ({a.Size}, {b.Size}, {c.Size}, {d.Size})");
        if (settings.Seed != 0) a = Reseed(a, settings.Seed, directions?.FamilyAxes ?? 0, prior);
        var z = Morph(a, b, c, d, settings.X, settings.Y);
        return ApplyMacros(z, settings.Macros, directions);
    }

    /// The prior's latent for the seed with A's first familyAxes coordinates: another timbre, A's instrument family.
    public static Latent Reseed(Latent a, long seed, int familyAxes, LatentPrior prior)
    {
        if (prior.Size != a.Size) throw new ArgumentException($"the prior's latents have {prior.Size} values, corner A {a.Size}");
        var z = prior.Sample(seed);
        if (familyAxes <= 0) return z;
        var v = z.ToArray();
        a.Values[..Math.Min(familyAxes, a.Size)].CopyTo(v);
        return new Latent(v);
    }

    public static Latent Compute(IReadOnlyList<Latent> corners, TimbreSettings settings, TimbreDirections? directions, LatentPrior prior)
    {
        if (corners.Count != 4) throw new ArgumentException($"need 4 corner latents, got {corners.Count}");
        return Compute(corners[0], corners[1], corners[2], corners[3], settings, directions, prior);
    }

    /// Bilinear spherical interpolation on the shell: corners are (x, y) = A (0,0), B (1,0), C (0,1), D (1,1).
    public static Latent Morph(Latent a, Latent b, Latent c, Latent d, double x, double y)
    {
        x = Clamp(x, 0, 1);
        y = Clamp(y, 0, 1);
        var pa = ToShell(a); var pb = ToShell(b); var pc = ToShell(c); var pd = ToShell(d);
        var top = Latent.Slerp(pa, pb, x);
        var bottom = Latent.Slerp(pc, pd, x);
        return Latent.Slerp(top, bottom, y);
    }

    /// Adds the macro offsets and returns to the shell. Returns z itself when no macro moves it.
    public static Latent ApplyMacros(Latent z, IReadOnlyList<double> macros, TimbreDirections? directions)
    {
        if (directions == null || directions.Count == 0) return z;
        if (directions.LatentSize != z.Size)
            throw new ArgumentException($"macro directions are for latent size {directions.LatentSize}, the latent has {z.Size}");
        int count = Math.Min(Math.Min(macros.Count, directions.Count), TimbreSettings.MacroCount);
        var v = new double[z.Size];
        var src = z.Values;
        for (int k = 0; k < v.Length; k++) v[k] = src[k];
        bool moved = false;
        for (int i = 0; i < count; i++)
        {
            double m = Clamp(macros[i], -1, 1);
            if (m == 0) continue;
            moved = true;
            double scale = m * MacroRangeStd * directions.Std[i];
            var u = directions.Directions[i];
            for (int k = 0; k < v.Length; k++) v[k] += scale * u[k];
        }
        if (!moved) return z;
        return new Latent(Scale(v, ShellRadius(z.Size)));
    }

    /// sqrt(size): the typical norm of a standard Gaussian latent.
    public static double ShellRadius(int size) => Math.Sqrt(size);

    /// The latent scaled to norm sqrt(size) (unchanged if already there, bit for bit; zero stays zero).
    public static Latent ToShell(Latent z)
    {
        var s = z.Values;
        double n2 = 0;
        for (int k = 0; k < s.Length; k++) n2 += (double)s[k] * s[k];
        double r = ShellRadius(z.Size);
        if (n2 == 0 || Math.Abs(Math.Sqrt(n2) - r) <= 1e-6 * r) return z;
        var v = new double[s.Length];
        for (int k = 0; k < v.Length; k++) v[k] = s[k];
        return new Latent(Scale(v, r));
    }

    static float[] Scale(double[] v, double radius)
    {
        double n2 = 0;
        foreach (double x in v) n2 += x * x;
        var r = new float[v.Length];
        if (n2 == 0) return r;
        double f = radius / Math.Sqrt(n2);
        for (int k = 0; k < v.Length; k++) r[k] = (float)(v[k] * f);
        return r;
    }

    static double Clamp(double v, double lo, double hi) => double.IsNaN(v) ? Math.Clamp(0, lo, hi) : Math.Clamp(v, lo, hi);
}
