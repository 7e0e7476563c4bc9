// GriffinLim: phase retrieval from an STFT magnitude by alternating projections (Griffin & Lim 1984), with the
// "fast Griffin-Lim" momentum of Perraudin, Balazs & Søndergaard 2013 (librosa.griffinlim's update rule).
//
// Public API
//   GriffinLim.Reconstruct(float[] magnitude, int frames, int nFft, int hop, int iterations = 32,
//                          float momentum = 0.99f, float[]? initialPhase = null, int length = -1,
//                          float[]? window = null, bool center = true, int seed = 0) -> float[] audio
//       magnitude: frame-major [frames, nFft/2+1] (Spectrogram layout). momentum = 0 gives classic Griffin-Lim.
//       initialPhase (same layout, radians) e.g. from Pghi.Phase; null -> deterministic random phase from seed.
//       length: output samples (default (frames - 1) * hop when center is true).
//   GriffinLim.ReconstructSpectrogram(...) same, but returns the final consistent Spectrogram.
namespace NeuralSynth.Dsp;

public static class GriffinLim
{
    public static float[] Reconstruct(float[] magnitude, int frames, int nFft, int hop, int iterations = 32,
        float momentum = 0.99f, float[]? initialPhase = null, int length = -1, float[]? window = null, bool center = true, int seed = 0)
    {
        var s = Run(magnitude, frames, nFft, hop, iterations, momentum, initialPhase, length, window, center, seed);
        return Stft.Inverse(s, window);
    }

    public static Spectrogram ReconstructSpectrogram(float[] magnitude, int frames, int nFft, int hop, int iterations = 32,
        float momentum = 0.99f, float[]? initialPhase = null, int length = -1, float[]? window = null, bool center = true, int seed = 0)
    {
        var s = Run(magnitude, frames, nFft, hop, iterations, momentum, initialPhase, length, window, center, seed);
        return Stft.Forward(Stft.Inverse(s, window), nFft, hop, window, center);
    }

    private static Spectrogram Run(float[] magnitude, int frames, int nFft, int hop, int iterations, float momentum,
        float[]? initialPhase, int length, float[]? window, bool center, int seed)
    {
        ArgumentNullException.ThrowIfNull(magnitude);
        int bins = nFft / 2 + 1;
        if (frames < 1 || magnitude.Length != frames * bins)
            throw new ArgumentException($"Magnitude holds {magnitude.Length} values; expected frames*bins = {frames}*{bins}.");
        if (iterations < 0) throw new ArgumentOutOfRangeException(nameof(iterations));
        if (momentum < 0 || momentum >= 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1).");
        if (initialPhase is not null && initialPhase.Length != magnitude.Length)
            throw new ArgumentException("initialPhase must have the magnitude's layout.", nameof(initialPhase));
        if (length < 0) length = center ? (frames - 1) * hop : (frames - 1) * hop + nFft;

        float[] phase = initialPhase ?? RandomPhase(magnitude.Length, seed);
        var current = Spectrogram.FromPolar(magnitude, phase, frames, nFft, hop, center, length);
        int n = magnitude.Length;
        var prevRe = new float[n];
        var prevIm = new float[n];
        float beta = momentum / (1 + momentum); // librosa: angles = rebuilt - momentum/(1+momentum) * tprev
        for (int it = 0; it < iterations; it++)
        {
            var audio = Stft.Inverse(current, window);
            var rebuilt = Stft.Forward(audio, nFft, hop, window, center);
            if (rebuilt.Frames != frames) throw new InvalidOperationException("Frame count changed during Griffin-Lim (inconsistent length).");
            for (int i = 0; i < n; i++)
            {
                float ar = rebuilt.Re[i] - beta * prevRe[i];
                float ai = rebuilt.Im[i] - beta * prevIm[i];
                prevRe[i] = rebuilt.Re[i];
                prevIm[i] = rebuilt.Im[i];
                float norm = MathF.Sqrt(ar * ar + ai * ai);
                if (norm > 1e-16f)
                {
                    float g = magnitude[i] / norm;
                    current.Re[i] = ar * g;
                    current.Im[i] = ai * g;
                }
                else
                {
                    current.Re[i] = magnitude[i];
                    current.Im[i] = 0f;
                }
            }
        }
        return current;
    }

    private static float[] RandomPhase(int n, int seed)
    {
        var r = new Random(seed);
        var p = new float[n];
        for (int i = 0; i < n; i++) p[i] = (float)(r.NextDouble() * 2 * Math.PI - Math.PI);
        return p;
    }
}
