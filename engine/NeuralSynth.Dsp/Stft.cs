// Stft: short-time Fourier transform and its inverse (same conventions as torch.stft / librosa.stft).
//
// Public API
//   Stft.Forward(float[] x, int nFft, int hop, float[]? window = null, bool center = true) -> Spectrogram
//       window: length nFft (default periodic Hann). center=true reflect-pads nFft/2 samples on both sides
//       (torch.stft pad_mode="reflect"; zero padding if the signal is too short to reflect), so frame f is
//       centred on sample f*hop and Frames = 1 + x.Length / hop. center=false: Frames = 1 + (len - nFft) / hop.
//   Stft.Inverse(Spectrogram s, float[]? window = null, int? length = null) -> float[]
//       overlap-add of windowed inverse FFTs divided by the window-sum-square (torch.istft), so
//       Inverse(Forward(x)) == x wherever the squared windows overlap (everywhere when center=true and
//       hop <= nFft/2 for Hann). Output length: `length` if given, else s.SignalLength.
//   Stft.FrameCount(int signalLength, int nFft, int hop, bool center)
//
// The window is applied with Kernels.Multiply (SIMD); each frame is one real FFT (Fft.RealForward).
namespace NeuralSynth.Dsp;

public static class Stft
{
    public static int FrameCount(int signalLength, int nFft, int hop, bool center)
    {
        if (center) return 1 + signalLength / hop;
        return signalLength < nFft ? 0 : 1 + (signalLength - nFft) / hop;
    }

    public static Spectrogram Forward(float[] x, int nFft, int hop, float[]? window = null, bool center = true)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (nFft < 2) throw new ArgumentOutOfRangeException(nameof(nFft), nFft, "nFft must be >= 2.");
        if (hop < 1) throw new ArgumentOutOfRangeException(nameof(hop), hop, "hop must be >= 1.");
        window ??= Window.Hann(nFft);
        if (window.Length != nFft) throw new ArgumentException($"Window length {window.Length} differs from nFft {nFft}.", nameof(window));

        float[] padded = center ? PadCenter(x, nFft / 2) : x;
        int frames = FrameCount(x.Length, nFft, hop, center);
        var s = new Spectrogram(frames, nFft, hop, center, x.Length);
        var fft = Fft.Get(nFft);
        var frame = new float[nFft];
        int bins = s.Bins;
        for (int f = 0; f < frames; f++)
        {
            Kernels.Multiply(padded.AsSpan(f * hop, nFft), window, frame);
            fft.RealForward(frame, s.Re.AsSpan(f * bins, bins), s.Im.AsSpan(f * bins, bins));
        }
        return s;
    }

    public static float[] Inverse(Spectrogram s, float[]? window = null, int? length = null)
    {
        ArgumentNullException.ThrowIfNull(s);
        int nFft = s.NFft, hop = s.Hop, bins = s.Bins, frames = s.Frames;
        window ??= Window.Hann(nFft);
        if (window.Length != nFft) throw new ArgumentException($"Window length {window.Length} differs from nFft {nFft}.", nameof(window));
        int outLen = length ?? s.SignalLength;
        if (outLen < 0) throw new ArgumentOutOfRangeException(nameof(length));

        int total = nFft + hop * Math.Max(frames - 1, 0);
        var y = new float[total];
        var wss = new float[total];
        var frame = new float[nFft];
        var wsq = new float[nFft];
        Kernels.Multiply(window, window, wsq);
        var fft = Fft.Get(nFft);
        for (int f = 0; f < frames; f++)
        {
            fft.RealInverse(s.Re.AsSpan(f * bins, bins), s.Im.AsSpan(f * bins, bins), frame);
            Kernels.MultiplyAdd(frame, window, y.AsSpan(f * hop, nFft));
            var acc = wss.AsSpan(f * hop, nFft);
            System.Numerics.Tensors.TensorPrimitives.Add(acc, wsq, acc);
        }
        int offset = s.Center ? nFft / 2 : 0;
        var result = new float[outLen];
        // Below this the window-sum-square is treated as zero (no overlap): leave those samples at 0.
        const float tiny = 1e-11f;
        int n = Math.Min(outLen, total - offset);
        for (int t = 0; t < n; t++)
        {
            float d = wss[t + offset];
            result[t] = d > tiny ? y[t + offset] / d : 0f;
        }
        return result;
    }

    /// <summary>Reflect padding (numpy "reflect", no edge repeat); zero padding when the signal is too short.</summary>
    internal static float[] PadCenter(float[] x, int pad)
    {
        var p = new float[x.Length + 2 * pad];
        x.CopyTo(p, pad);
        if (x.Length > pad)
        {
            for (int i = 0; i < pad; i++)
            {
                p[pad - 1 - i] = x[i + 1];
                p[pad + x.Length + i] = x[x.Length - 2 - i];
            }
        }
        return p;
    }
}
