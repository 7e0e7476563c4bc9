// Shared deterministic test signals for the DSP tests.
namespace NeuralSynth.Dsp.Tests;

internal static class TestSignals
{
    public static float[] Noise(int n, int seed, float amp = 1f)
    {
        var r = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = amp * (float)(r.NextDouble() * 2 - 1);
        return x;
    }

    public static float[] Sine(int n, double freq, int sampleRate, double amp = 0.5, double phase = 0)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(amp * Math.Sin(2 * Math.PI * freq * i / sampleRate + phase));
        return x;
    }

    /// <summary>Harmonic tone with 1/h amplitudes.</summary>
    public static float[] Harmonic(int n, double f0, int sampleRate, int harmonics = 8, double amp = 0.3)
    {
        var x = new float[n];
        for (int h = 1; h <= harmonics; h++)
        {
            if (f0 * h >= sampleRate / 2.0) break;
            for (int i = 0; i < n; i++) x[i] += (float)(amp / h * Math.Sin(2 * Math.PI * f0 * h * i / sampleRate + 0.3 * h));
        }
        return x;
    }

    /// <summary>The chord used for phase-retrieval tests: three sines (C4 E4 G4) plus a -60 dB noise floor,
    /// with 100 ms linear fade-in/out so the signal edges are note-like rather than hard cuts.</summary>
    public static float[] Chord(int n, int sampleRate, int seed = 7)
    {
        var a = Sine(n, 261.63, sampleRate, 0.3);
        var b = Sine(n, 329.63, sampleRate, 0.25, 1.0);
        var c = Sine(n, 392.00, sampleRate, 0.2, 2.0);
        var noise = Noise(n, seed, 0.001f);
        var x = new float[n];
        int fade = sampleRate / 10;
        for (int i = 0; i < n; i++)
        {
            float g = (float)Math.Min(1.0, Math.Min(i, n - 1 - i) / (double)fade);
            x[i] = g * (a[i] + b[i] + c[i]) + noise[i];
        }
        return x;
    }

    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs((double)a[i] - b[i]));
        return m;
    }
}
