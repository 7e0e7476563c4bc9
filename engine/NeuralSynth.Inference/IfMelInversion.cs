using System.Numerics.Tensors;
using NeuralSynth.Dsp;
using NeuralSynth.Models.Audio;

namespace NeuralSynth.Models.Gansynth;

/// The IF path's inversion without torch: (log-mel, mel IF) of one note -> waveform, the same steps as the torch
/// IfMel.ToWaveform (which stays the reference in tests):
///   linear magnitude = each mel band's mean spread back over its bins, refined by 10 multiplicative NNLS updates
///                      (Lee and Seung) so that the mel of the result matches the request;
///   linear IF        = angle of the mel-weighted sum of e^{i pi IF[m]} per bin; phase = pi k + running sum of it;
///   iSTFT            (periodic Hann, centred, the config's hop), frames * hop samples.
/// The mel matrix is sparse (every bin lies in at most two triangles), so every product runs over each band's own bins.
/// Thread-safe (no state after construction).
public sealed class IfMelInversion
{
    public const int MagnitudeIterations = 10;
    readonly SpectralConfig config;
    readonly float[] w;              // [n_mels, bins] row-major
    readonly int[] start, end;       // per mel: its non-zero bins [start, end)
    readonly float[] spreadScale;    // per (mel, bin) weight of mel band mean -> bin: W[m,k] covered[k] / colSum[k] / rowSum[m]
    readonly float[] window;

    public IfMelInversion(SpectralConfig config)
    {
        this.config = config;
        int mels = config.NMels, bins = config.Bins;
        w = MelFilterBank.CreateRowMajor(config.SampleRate, config.NFft, mels, config.FMin, config.FMax);
        start = new int[mels]; end = new int[mels];
        var colSum = new double[bins];
        var rowSum = new double[mels];
        for (int m = 0; m < mels; m++)
        {
            int a = 0, b = bins;
            while (a < b && w[m * bins + a] == 0) a++;
            while (b > a && w[m * bins + b - 1] == 0) b--;
            start[m] = a; end[m] = b;
            for (int k = a; k < b; k++) { colSum[k] += w[m * bins + k]; rowSum[m] += w[m * bins + k]; }
        }
        spreadScale = new float[mels * bins];
        for (int m = 0; m < mels; m++)
            for (int k = start[m]; k < end[m]; k++)
                if (colSum[k] > 0) spreadScale[m * bins + k] = (float)(w[m * bins + k] / Math.Max(colSum[k], 1e-12) / Math.Max(rowSum[m], 1e-12));
        window = Window.Hann(config.NFft);
    }

    /// logMel, ifMel: [n_mels, frames] row-major (ln units; IF in [-1, 1]). Returns frames * hop samples.
    public float[] ToWaveform(ReadOnlySpan<float> logMel, ReadOnlySpan<float> ifMel, int frames)
    {
        int mels = config.NMels, bins = config.Bins;
        if (logMel.Length != mels * frames || ifMel.Length != mels * frames)
            throw new ArgumentException($"IF-path planes must be {mels} x {frames} (got {logMel.Length} and {ifMel.Length} values)");
        var melMag = new float[mels * frames];
        TensorPrimitives.Exp(logMel, melMag);
        // Rows are frames-long: lin[k, t] for bin k.
        var lin = new float[bins * frames];
        for (int m = 0; m < mels; m++)
            for (int k = start[m]; k < end[m]; k++)
            {
                float s = spreadScale[m * bins + k];
                if (s != 0) TensorPrimitives.MultiplyAdd(melMag.AsSpan(m * frames, frames), s, lin.AsSpan(k * frames, frames), lin.AsSpan(k * frames, frames));
            }
        var wtMel = new float[bins * frames];
        TransposeProduct(melMag, wtMel, frames);
        var melOfLin = new float[mels * frames];
        var back = new float[bins * frames];
        for (int i = 0; i < MagnitudeIterations; i++)
        {
            Product(lin, melOfLin, frames);
            TransposeProduct(melOfLin, back, frames);
            TensorPrimitives.Add(back, 1e-12f, back);
            TensorPrimitives.Multiply(lin, wtMel, lin);
            TensorPrimitives.Divide(lin, back, lin);
        }
        // Linear IF: angle of sum_m W[m, k] e^{i pi IF[m]}.
        var cos = new float[mels * frames];
        var sin = new float[mels * frames];
        for (int i = 0; i < cos.Length; i++) (sin[i], cos[i]) = MathF.SinCos(ifMel[i] * MathF.PI);
        var re = new float[bins * frames];
        var im = new float[bins * frames];
        TransposeProduct(cos, re, frames);
        TransposeProduct(sin, im, frames);
        var spec = new Spectrogram(frames, config.NFft, config.Hop, center: true, signalLength: frames * config.Hop);
        for (int k = 0; k < bins; k++)
        {
            float sum = 0, binPhase = MathF.PI * (k % 2);
            for (int t = 0; t < frames; t++)
            {
                sum += MathF.Atan2(im[k * frames + t], re[k * frames + t]);
                float phase = sum + binPhase; // torch: cumsum, then + pi k
                float mag = lin[k * frames + t];
                var (s, c) = MathF.SinCos(phase);
                spec.Re[t * bins + k] = mag * c;
                spec.Im[t * bins + k] = mag * s;
            }
        }
        return Stft.Inverse(spec, window, frames * config.Hop);
    }

    /// y[m, :] = sum_k W[m, k] x[k, :] over each band's own bins.
    void Product(float[] x, float[] y, int frames)
    {
        int bins = config.Bins;
        Array.Clear(y);
        for (int m = 0; m < config.NMels; m++)
            for (int k = start[m]; k < end[m]; k++)
                TensorPrimitives.MultiplyAdd(x.AsSpan(k * frames, frames), w[m * bins + k], y.AsSpan(m * frames, frames), y.AsSpan(m * frames, frames));
    }

    /// y[k, :] = sum_m W[m, k] x[m, :].
    void TransposeProduct(float[] x, float[] y, int frames)
    {
        int bins = config.Bins;
        Array.Clear(y);
        for (int m = 0; m < config.NMels; m++)
            for (int k = start[m]; k < end[m]; k++)
                TensorPrimitives.MultiplyAdd(x.AsSpan(m * frames, frames), w[m * bins + k], y.AsSpan(k * frames, frames), y.AsSpan(k * frames, frames));
    }
}
