// MelIfWarp: GANSynth's "IF-Mel" representation: log-magnitude and instantaneous frequency resampled
// from linear FFT bins onto a mel frequency axis and back.
//
// GANSynth warps the unwrapped phase with a linear mel matrix and differences it again; because every
// step is linear this equals applying the same matrix to the IF directly, which is what we do (the first
// frame, phase/pi, is warped the same way). Magnitudes are warped as power (GANSynth: log(mel(|X|^2) + eps)).
//
// The two maps are both averages, so levels are kept: a flat power spectrum or a constant IF maps to the same
// constant on the other axis.
//   linear -> mel: band m is the triangle-weighted average of the bins inside its Slaney-mel triangle
//                  (edges as MelFilterBank); a band too narrow to contain a bin linearly interpolates the
//                  two bins around its centre instead.
//   mel -> linear: bin k linearly interpolates the two mel bands whose centres bracket its frequency
//                  (nearest band outside the centre range).
// Round trips are exact only for spectra that are smooth on both grids; with nMels around Bins (GANSynth uses
// as many mel bands as bins) the loss is small.
//
// Public API
//   new MelIfWarp(int sampleRate, int nFft, int nMels, float fMin = 0, float fMax = sampleRate / 2)
//   warp.Bins, warp.NMels
//   warp.LinearToMel  float[nMels * Bins] row-major ([m, k] at m * Bins + k); mel = LinearToMel @ linear
//   warp.MelToLinear  float[Bins * nMels] row-major ([k, m] at k * nMels + m); linear = MelToLinear @ mel
//   warp.ToMel(IfSpectrogram linear, float eps = 1e-6f) -> IfSpectrogram with Bins = nMels
//        LogMagnitude = 0.5 ln(mel power + eps) (log-magnitude units, like the linear one), If = mel-warped IF
//   warp.ToLinear(IfSpectrogram mel, float eps = 1e-6f) -> IfSpectrogram with Bins = NFft/2+1
//   warp.Apply(float[] matrix, int rows, int cols, float[] frames, int frameCount) -> frame-major [frameCount, rows]
using System.Numerics.Tensors;

namespace NeuralSynth.Dsp;

public sealed class MelIfWarp
{
    public int SampleRate { get; }
    public int NFft { get; }
    public int Bins { get; }
    public int NMels { get; }
    public float[] LinearToMel { get; }
    public float[] MelToLinear { get; }

    public MelIfWarp(int sampleRate, int nFft, int nMels, float fMin = 0f, float fMax = 0f)
    {
        if (fMax <= 0) fMax = sampleRate / 2f;
        if (sampleRate <= 0 || nFft < 2 || nMels < 2) throw new ArgumentException("MelIfWarp needs sampleRate > 0, nFft >= 2, nMels >= 2.");
        if (fMin < 0 || !(fMax > fMin)) throw new ArgumentException($"Need 0 <= fMin < fMax (got {fMin}, {fMax}).");
        SampleRate = sampleRate; NFft = nFft; NMels = nMels; Bins = nFft / 2 + 1;
        double binHz = (double)sampleRate / nFft;
        double[] edges = MelScale.MelFrequencies(nMels + 2, fMin, fMax);

        LinearToMel = new float[nMels * Bins];
        for (int m = 0; m < nMels; m++)
        {
            double lo = edges[m], mid = edges[m + 1], hi = edges[m + 2];
            var row = LinearToMel.AsSpan(m * Bins, Bins);
            double sum = 0;
            for (int k = 0; k < Bins; k++)
            {
                double f = k * binHz;
                double v = Math.Max(0.0, Math.Min((f - lo) / (mid - lo), (hi - f) / (hi - mid)));
                row[k] = (float)v;
                sum += v;
            }
            if (sum < 1.0)
            {
                // Narrow band: interpolate at its centre.
                row.Clear();
                double pos = Math.Min(mid / binHz, Bins - 1);
                int k0 = Math.Min((int)Math.Floor(pos), Bins - 2);
                double t = pos - k0;
                row[k0] = (float)(1 - t);
                row[k0 + 1] = (float)t;
                sum = 1;
            }
            for (int k = 0; k < Bins; k++) row[k] = (float)(row[k] / sum);
        }

        MelToLinear = new float[Bins * nMels];
        for (int k = 0; k < Bins; k++)
        {
            double f = k * binHz;
            var row = MelToLinear.AsSpan(k * nMels, nMels);
            if (f <= edges[1]) { row[0] = 1f; continue; }
            if (f >= edges[nMels]) { row[nMels - 1] = 1f; continue; }
            int m = 0;
            while (edges[m + 2] < f) m++; // centres are edges[m + 1]; find centre(m) <= f < centre(m + 1)
            double t = (f - edges[m + 1]) / (edges[m + 2] - edges[m + 1]);
            row[m] = (float)(1 - t);
            row[m + 1] = (float)t;
        }
    }

    /// <summary>Multiplies each frame (length cols) by a row-major [rows, cols] matrix.</summary>
    public static float[] Apply(float[] matrix, int rows, int cols, float[] frames, int frameCount)
    {
        if (matrix.Length != rows * cols) throw new ArgumentException("Matrix size does not match rows*cols.");
        if (frames.Length != frameCount * cols) throw new ArgumentException($"Input must hold frameCount*{cols} values, got {frames.Length}.");
        var r = new float[frameCount * rows];
        for (int f = 0; f < frameCount; f++)
        {
            var x = frames.AsSpan(f * cols, cols);
            for (int i = 0; i < rows; i++) r[f * rows + i] = TensorPrimitives.Dot(matrix.AsSpan(i * cols, cols), x);
        }
        return r;
    }

    public IfSpectrogram ToMel(IfSpectrogram linear, float eps = 1e-6f)
    {
        if (linear.Bins != Bins) throw new ArgumentException($"Expected {Bins} linear bins, got {linear.Bins}.");
        var power = new float[linear.LogMagnitude.Length];
        for (int i = 0; i < power.Length; i++) { float m = MathF.Exp(linear.LogMagnitude[i]); power[i] = m * m; }
        var melPower = Apply(LinearToMel, NMels, Bins, power, linear.Frames);
        for (int i = 0; i < melPower.Length; i++) melPower[i] = 0.5f * MathF.Log(melPower[i] + eps);
        var melIf = Apply(LinearToMel, NMels, Bins, linear.If, linear.Frames);
        return linear with { Bins = NMels, LogMagnitude = melPower, If = melIf };
    }

    public IfSpectrogram ToLinear(IfSpectrogram mel, float eps = 1e-6f)
    {
        if (mel.Bins != NMels) throw new ArgumentException($"Expected {NMels} mel bands, got {mel.Bins}.");
        var power = new float[mel.LogMagnitude.Length];
        for (int i = 0; i < power.Length; i++) power[i] = MathF.Exp(2f * mel.LogMagnitude[i]);
        var linPower = Apply(MelToLinear, Bins, NMels, power, mel.Frames);
        for (int i = 0; i < linPower.Length; i++) linPower[i] = 0.5f * MathF.Log(linPower[i] + eps);
        var linIf = Apply(MelToLinear, Bins, NMels, mel.If, mel.Frames);
        return mel with { Bins = Bins, LogMagnitude = linPower, If = linIf };
    }
}
