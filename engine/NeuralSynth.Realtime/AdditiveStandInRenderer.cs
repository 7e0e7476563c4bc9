namespace NeuralSynth.Realtime;

/// NOT a model: a stand-in INoteRenderer that synthesizes harmonic tones (additive synthesis, a
/// few dozen partials with per-partial envelopes and a 1.5 s hold + 0.5 s release like the
/// dataset's notes). It exists as test data and as a CPU-heavy load generator for benchmarks
/// (worst-case process() time while "rendering"), so the real-time path can be exercised without
/// torch. `WorkFactor` repeats the synthesis to mimic a slower model; `AllocateScratch` makes it
/// allocate one more note-sized garbage array per note, like a torch-backed renderer copying its tensor.
public sealed class AdditiveStandInRenderer : INoteRenderer
{
    public string ModelId { get; }
    public int SampleRate { get; }
    public int LatentSize { get; }
    public int MinPitch { get; }
    public int MaxPitch { get; }
    public double Seconds { get; }
    public int WorkFactor { get; init; } = 1;
    public bool AllocateScratch { get; init; }
    int rendered;
    public int RenderedCount => Volatile.Read(ref rendered);

    public AdditiveStandInRenderer(string modelId = "additive-stand-in", int sampleRate = 16000, int latentSize = 8,
        int minPitch = 24, int maxPitch = 84, double seconds = 2.0)
    {
        ModelId = modelId; SampleRate = sampleRate; LatentSize = latentSize; MinPitch = minPitch; MaxPitch = maxPitch; Seconds = seconds;
    }

    public float[][] Render(IReadOnlyList<NoteRequest> requests, CancellationToken cancel)
    {
        var result = new float[requests.Count][];
        for (int i = 0; i < requests.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var r = requests[i];
            // The latent shapes the spectrum: brightness from z[0], odd/even balance from z[1].
            var z = r.Z.Values;
            double bright = 1.0 + 0.5 * Math.Tanh(z.Length > 0 ? z[0] : 0);
            double oddEven = 0.5 + 0.4 * Math.Tanh(z.Length > 1 ? z[1] : 0);
            var x = new float[(int)(Seconds * SampleRate)];
            for (int w = 0; w < Math.Max(1, WorkFactor); w++)
            {
                if (w > 0) Array.Clear(x);
                SynthesizeInto(x, r.Pitch, r.Velocity / 127.0, SampleRate, bright, oddEven);
            }
            // Like a torch-backed renderer copying its output tensor into managed memory once more.
            if (AllocateScratch) GC.KeepAlive(x.Clone());
            result[i] = x;
            Interlocked.Increment(ref rendered);
        }
        return result;
    }

    /// A harmonic tone: partials up to 0.45 * sampleRate, amplitudes 1/k^bright (odd partials
    /// weighted by oddEven), 10 ms attack, held for 75% of the duration, then a 60 dB/0.3 s release.
    public static float[] Synthesize(int midiPitch, double amplitude, int sampleRate, double seconds, double bright = 1.2, double oddEven = 0.6)
    {
        var x = new float[(int)(seconds * sampleRate)];
        SynthesizeInto(x, midiPitch, amplitude, sampleRate, bright, oddEven);
        return x;
    }

    static void SynthesizeInto(float[] x, int midiPitch, double amplitude, int sampleRate, double bright, double oddEven)
    {
        int n = x.Length;
        double f0 = 440.0 * Math.Pow(2, (midiPitch - 69) / 12.0);
        int partials = Math.Max(1, Math.Min(40, (int)(0.45 * sampleRate / f0)));
        int hold = (int)(0.75 * n), attack = Math.Max(1, sampleRate / 100);
        double norm = 0;
        for (int k = 1; k <= partials; k++) norm += Weight(k, bright, oddEven);
        for (int k = 1; k <= partials; k++)
        {
            double a = amplitude * 0.5 * Weight(k, bright, oddEven) / norm;
            double w = 2 * Math.PI * f0 * k / sampleRate;
            // Recursive oscillator (one multiply-add per sample) instead of Math.Sin per sample.
            double c = 2 * Math.Cos(w), s1 = Math.Sin(-w + k), s0 = Math.Sin(-2 * w + k);
            for (int i = 0; i < n; i++)
            {
                double s = c * s1 - s0;
                s0 = s1; s1 = s;
                x[i] += (float)(a * s);
            }
        }
        double releaseRate = Math.Log(1000) / (0.3 * sampleRate);
        for (int i = 0; i < n; i++)
        {
            double env = i < attack ? (double)i / attack : 1.0;
            if (i >= hold) env *= Math.Exp(-(i - hold) * releaseRate);
            x[i] *= (float)env;
        }
    }

    static double Weight(int k, double bright, double oddEven) => (k % 2 == 1 ? oddEven : 1 - oddEven) / Math.Pow(k, bright);
}
