using NeuralSynth.Dsp;
using NeuralSynth.Models.Audio;

namespace NeuralSynth.Models.Vocoder;

/// Optional mel-consistency post-filter for the vocoder's output: the log-mel the vocoder was asked to render is
/// known, so each STFT frame of the output is rescaled, per mel band, until its mel matches the request
/// (gains smooth in frequency at mel resolution, clamped to +-24 dB; the vocoder's phase and harmonic positions are
/// kept, so pitch is untouched). It removes the frame-level envelope error a small, briefly trained network leaves,
/// at the cost of one STFT/iSTFT pair per pass. Reported as its own row by `eval vocoder`; off unless asked for.
public sealed class MelPostFilter
{
    readonly SpectralConfig spectral;
    readonly float[,] bank;      // [n_mels, bins]
    readonly float[] weightSum;  // per bin: sum over mels of the filter weights (0 outside the mel range)
    readonly int[] start, end;   // per mel: its non-zero bins [start, end) (triangles are narrow: keeps this O(bins))

    public MelPostFilter(SpectralConfig spectral)
    {
        this.spectral = spectral;
        bank = MelFilterBank.Create(spectral.SampleRate, spectral.NFft, spectral.NMels, spectral.FMin, spectral.FMax);
        weightSum = new float[spectral.Bins];
        for (int m = 0; m < spectral.NMels; m++)
            for (int k = 0; k < spectral.Bins; k++) weightSum[k] += bank[m, k];
        start = new int[spectral.NMels];
        end = new int[spectral.NMels];
        for (int m = 0; m < spectral.NMels; m++)
        {
            int a = 0, b = spectral.Bins;
            while (a < b && bank[m, a] == 0) a++;
            while (b > a && bank[m, b - 1] == 0) b--;
            start[m] = a; end[m] = b;
        }
    }

    /// audio: frames * hop samples made from logMel [n_mels, frames]. Returns the corrected audio (same length).
    public float[] Apply(float[] audio, float[,] logMel, int passes = 2)
    {
        int mels = spectral.NMels, bins = spectral.Bins, frames = logMel.GetLength(1);
        if (logMel.GetLength(0) != mels) throw new ArgumentException($"log-mel has {logMel.GetLength(0)} bands, expected {mels}");
        float floor = spectral.LogFloor;
        var y = audio;
        var melMag = new double[mels];
        var gain = new double[mels];
        var mag = new double[bins];
        var binGain = new double[bins];
        for (int pass = 0; pass < passes; pass++)
        {
            var s = Stft.Forward(y, spectral.NFft, spectral.Hop);
            for (int f = 0; f < s.Frames; f++)
            {
                int tf = Math.Min(f, frames - 1); // the STFT has one more (padding) frame than the mel
                int o = f * bins;
                for (int k = 0; k < bins; k++) mag[k] = Math.Sqrt((double)s.Re[o + k] * s.Re[o + k] + (double)s.Im[o + k] * s.Im[o + k]);
                for (int m = 0; m < mels; m++)
                {
                    double acc = 0;
                    for (int k = start[m]; k < end[m]; k++) acc += bank[m, k] * mag[k];
                    melMag[m] = acc;
                }
                for (int m = 0; m < mels; m++)
                {
                    double have = Math.Log(Math.Max(melMag[m], floor));
                    gain[m] = Math.Exp(Math.Clamp(logMel[m, tf] - have, -2.76, 2.76)); // +-24 dB
                }
                Array.Clear(binGain);
                for (int m = 0; m < mels; m++)
                    for (int k = start[m]; k < end[m]; k++) binGain[k] += bank[m, k] * gain[m];
                for (int k = 0; k < bins; k++)
                {
                    double g = weightSum[k] > 1e-12 ? binGain[k] / weightSum[k]
                        : k < bins / 2 ? gain[0] : gain[mels - 1]; // below fmin / above fmax: nearest band
                    s.Re[o + k] = (float)(s.Re[o + k] * g);
                    s.Im[o + k] = (float)(s.Im[o + k] * g);
                }
            }
            y = Stft.Inverse(s, length: audio.Length);
        }
        return y;
    }
}
