using NeuralSynth.Dsp.FilterBank;

namespace NeuralSynth.Models.Vocoder;

/// The source signals each band generator shapes, computed at the band's own sample rate:
///   channel 0: sum_{h=a..b} sin(h*phi) / sqrt(b-a+1)   (every harmonic of f0 the band's filter lets through)
///   channel 1: the same with cos (the quadrature comb, so the network can set the phase per band)
///   channel 2: uniform white noise with the same RMS (optional; breath, bow and hammer noise)
/// phi is the note's fundamental phase at absolute time, shared by all bands, so harmonics stay coherent
/// across crossovers and a low note keeps its exact pitch (the network never has to invent the frequency).
/// The comb uses the closed form sum_{h=a..b} e^{i h phi} (Dirichlet kernel) and, for a constant f0, complex
/// rotators re-seeded every block, so it costs a few multiplies per sample whatever the harmonic count.
/// Harmonics are kept below the band's Nyquist, so nothing aliases.
public static class HarmonicExcitation
{
    public static int ChannelCount(bool noise) => noise ? 3 : 2;

    /// The noise channel's seed for band k: the vocoder's notes are the same samples on every machine and run.
    public static ulong NoiseSeed(int band) => 0x243F6A8885A308D3UL + (ulong)band * 0x9E3779B97F4A7C15UL;

    /// Every band's excitation for one note at a constant f0: band k as [channels, samples / decimation_k] row-major, phase 0
    /// and the band's fixed noise seed (the vocoder's notes are the same samples on every run).
    public static float[][] ForNote(FilterBankDesign bank, double f0Hz, int samples, bool noise)
    {
        int e = ChannelCount(noise);
        var bands = new float[bank.Bands.Count][];
        for (int k = 0; k < bands.Length; k++)
        {
            var band = bank.Bands[k];
            int n = samples / band.Decimation;
            bands[k] = new float[e * n];
            Fill(bands[k], n, band, f0Hz, 0, noise, NoiseSeed(k));
        }
        return bands;
    }

    /// Harmonic range [a, b] of f0 inside the band's filter support (b &lt; a when the band holds none).
    public static (int First, int Last) HarmonicRange(FilterBankBand band, double f0Hz)
    {
        if (!(f0Hz > 0) || double.IsInfinity(f0Hz)) return (1, 0);
        double nyquist = band.SampleRate / 2.0;
        double top = Math.Min(band.HighStopHz, nyquist * 0.999);
        int a = Math.Max(1, (int)Math.Ceiling(band.LowStopHz / f0Hz));
        int b = (int)Math.Floor(top / f0Hz);
        return (a, b);
    }

    /// Fills dst = [channels, n] (row-major) for one band and a constant f0.
    public static void Fill(Span<float> dst, int n, FilterBankBand band, double f0Hz, double phase0, bool noise, ulong noiseSeed)
    {
        int channels = ChannelCount(noise);
        if (dst.Length != channels * n) throw new ArgumentException($"Excitation buffer has {dst.Length} values, expected {channels} x {n}.");
        var sinRow = dst.Slice(0, n);
        var cosRow = dst.Slice(n, n);
        var (a, b) = HarmonicRange(band, f0Hz);
        if (b < a)
        {
            sinRow.Clear();
            cosRow.Clear();
        }
        else
        {
            double norm = 1 / Math.Sqrt(b - a + 1), count = b - a + 1;
            double omega = 2 * Math.PI * f0Hz / band.SampleRate; // radians per band sample
            double ka = a - 0.5, kb = b + 0.5;
            const int Block = 512; // re-seed the rotators from the exact phase: no drift
            for (int start = 0; start < n; start += Block)
            {
                int end = Math.Min(n, start + Block);
                double phi = phase0 + omega * start;
                phi -= 2 * Math.PI * Math.Floor(phi / (2 * Math.PI));
                var (sA, cA) = Math.SinCos(ka * phi);
                var (sB, cB) = Math.SinCos(kb * phi);
                var (sE, cE) = Math.SinCos(0.5 * phi);
                var (srA, crA) = Math.SinCos(ka * omega);
                var (srB, crB) = Math.SinCos(kb * omega);
                var (srE, crE) = Math.SinCos(0.5 * omega);
                for (int i = start; i < end; i++)
                {
                    double sinSum, cosSum;
                    if (Math.Abs(sE) > 1e-7)
                    {
                        double inv = 0.5 / sE;
                        sinSum = (cA - cB) * inv;
                        cosSum = (sB - sA) * inv;
                    }
                    else
                    {
                        sinSum = 0; // phi is a multiple of 2 pi: every sine is 0, every cosine 1
                        cosSum = count;
                    }
                    sinRow[i] = (float)(sinSum * norm);
                    cosRow[i] = (float)(cosSum * norm);
                    (cA, sA) = (cA * crA - sA * srA, sA * crA + cA * srA);
                    (cB, sB) = (cB * crB - sB * srB, sB * crB + cB * srB);
                    (cE, sE) = (cE * crE - sE * srE, sE * crE + cE * srE);
                }
            }
        }
        if (noise) FillNoise(dst.Slice(2 * n, n), noiseSeed);
    }

    /// Fills dst = [channels, n] for one band with a time-varying f0 given per frame (frame f at full-rate sample f*hop,
    /// linear in between). The harmonic range is fixed from the median f0 so partials do not switch on and off.
    public static void FillContour(Span<float> dst, int n, FilterBankBand band, int fullRate, int hop, ReadOnlySpan<float> f0PerFrame,
        double phase0, bool noise, ulong noiseSeed)
    {
        int channels = ChannelCount(noise);
        if (dst.Length != channels * n) throw new ArgumentException($"Excitation buffer has {dst.Length} values, expected {channels} x {n}.");
        if (f0PerFrame.Length == 0) throw new ArgumentException("f0 contour is empty.");
        var sorted = f0PerFrame.ToArray();
        Array.Sort(sorted);
        var (a, b) = HarmonicRange(band, sorted[sorted.Length / 2]);
        var sinRow = dst.Slice(0, n);
        var cosRow = dst.Slice(n, n);
        int s = fullRate / band.SampleRate;
        double phi = phase0, norm = b >= a ? 1 / Math.Sqrt(b - a + 1) : 0;
        for (int i = 0; i < n; i++)
        {
            double t = (double)i * s / hop; // frame position of this band sample
            int f = Math.Min((int)t, f0PerFrame.Length - 1);
            double frac = t - f;
            double f0 = f + 1 < f0PerFrame.Length ? f0PerFrame[f] * (1 - frac) + f0PerFrame[f + 1] * frac : f0PerFrame[f];
            if (b < a || !(f0 > 0)) { sinRow[i] = 0; cosRow[i] = 0; }
            else
            {
                double sE = Math.Sin(0.5 * phi);
                if (Math.Abs(sE) > 1e-7)
                {
                    double inv = 0.5 / sE;
                    sinRow[i] = (float)((Math.Cos((a - 0.5) * phi) - Math.Cos((b + 0.5) * phi)) * inv * norm);
                    cosRow[i] = (float)((Math.Sin((b + 0.5) * phi) - Math.Sin((a - 0.5) * phi)) * inv * norm);
                }
                else { sinRow[i] = 0; cosRow[i] = (float)((b - a + 1) * norm); }
            }
            if (f0 > 0) phi += 2 * Math.PI * f0 / band.SampleRate;
            if (phi > 2 * Math.PI) phi -= 2 * Math.PI * Math.Floor(phi / (2 * Math.PI));
        }
        if (noise) FillNoise(dst.Slice(2 * n, n), noiseSeed);
    }

    /// Uniform noise in [-sqrt(3/2), sqrt(3/2)] (RMS 1/sqrt(2), like each comb channel) from xorshift64*: fast and
    /// identical on every machine for a given seed.
    public static void FillNoise(Span<float> dst, ulong seed)
    {
        ulong x = seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL;
        if (x == 0) x = 1;
        const float Scale = 1.2247449f / (1u << 23); // sqrt(1.5) / 2^23
        for (int i = 0; i < dst.Length; i++)
        {
            x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
            uint r = (uint)((x * 0x2545F4914F6CDD1DUL) >> 40); // 24 random bits
            dst[i] = ((int)r - (1 << 23)) * Scale;
        }
    }
}
