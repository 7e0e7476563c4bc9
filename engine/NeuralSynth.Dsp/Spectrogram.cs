// Spectrogram: a complex short-time Fourier transform, stored frame-major.
//
// Layout: Re and Im are float[Frames * Bins], element (frame f, bin k) at index f * Bins + k,
// Bins = NFft / 2 + 1 (bin k is k * SampleRate / NFft Hz). Frame f is centred on sample f * Hop
// of the original signal when Center is true (librosa/torch center=True), else starts there.
// SignalLength is the length of the analysed signal, so the inverse can trim back to it.
namespace NeuralSynth.Dsp;

public sealed class Spectrogram
{
    public int Frames { get; }
    public int Bins { get; }
    public int NFft { get; }
    public int Hop { get; }
    public bool Center { get; }
    public int SignalLength { get; }
    public float[] Re { get; }
    public float[] Im { get; }

    public Spectrogram(int frames, int nFft, int hop, bool center, int signalLength, float[]? re = null, float[]? im = null)
    {
        if (frames < 0) throw new ArgumentOutOfRangeException(nameof(frames));
        if (nFft < 2) throw new ArgumentOutOfRangeException(nameof(nFft), nFft, "nFft must be >= 2.");
        if (hop < 1) throw new ArgumentOutOfRangeException(nameof(hop), hop, "hop must be >= 1.");
        Frames = frames;
        NFft = nFft;
        Bins = nFft / 2 + 1;
        Hop = hop;
        Center = center;
        SignalLength = signalLength;
        Re = re ?? new float[frames * Bins];
        Im = im ?? new float[frames * Bins];
        if (Re.Length != frames * Bins || Im.Length != frames * Bins)
            throw new ArgumentException($"Spectrogram arrays must hold frames*bins = {frames * Bins} values.");
    }

    public Spectrogram CloneEmpty() => new(Frames, NFft, Hop, Center, SignalLength);

    /// <summary>|X| per element, frame-major like Re/Im.</summary>
    public float[] Magnitude() => Kernels.Magnitude(Re, Im);

    /// <summary>Phase angle atan2(Im, Re) in radians per element, frame-major.</summary>
    public float[] Phase() => Kernels.Phase(Re, Im);

    /// <summary>Builds a spectrogram from magnitude and phase (both frame-major, frames*bins).</summary>
    public static Spectrogram FromPolar(float[] magnitude, float[] phase, int frames, int nFft, int hop, bool center, int signalLength)
    {
        var s = new Spectrogram(frames, nFft, hop, center, signalLength);
        if (magnitude.Length != s.Re.Length || phase.Length != s.Re.Length)
            throw new ArgumentException($"Magnitude and phase must hold frames*bins = {s.Re.Length} values.");
        for (int i = 0; i < magnitude.Length; i++)
        {
            var (sin, cos) = MathF.SinCos(phase[i]);
            s.Re[i] = magnitude[i] * cos;
            s.Im[i] = magnitude[i] * sin;
        }
        return s;
    }
}
