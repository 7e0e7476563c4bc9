using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NeuralSynth.Dsp;
using NeuralSynth.Dsp.Neural;
using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Vocoder;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Rendering;

/// The harmonic head's own renderer (the additive path): its planes already are an additive synthesiser's controls
/// (DDSP, Engel et al. 2020), so they are played as such instead of through the neural vocoder. Harmonic h of f0 is a
/// sinusoid whose amplitude, frame by frame, is exp(row value at h) x (filter gain of the band where it peaks) /
/// HarmonicPeak: exactly the amplitude whose mel image the generator's fixed layer put in the log-mel, so the note's
/// mel is the generator's (to the STFT's leakage between close partials). Amplitudes are linear between frame centres,
/// each partial's levels first smoothed over frames (SmoothLevels).
/// The noise plane is white noise shaped per mel band and frame to its levels (MelPostFilter's per-band gains, three
/// passes). Why: the judge hears real train notes' own log-mels through the vocoder at FID 174.7 from the test notes
/// (2.9x the yardstick) and these notes' planes played additively at 131.8; pitch is exact and the lines between
/// harmonics are clean by construction. Deterministic: harmonic phases and the noise come from fixed seeds.
public sealed class HarmonicSynth
{
    readonly SpectralConfig spectral;
    readonly HarmonicMelBasis basis;
    readonly int minPitch;
    readonly MelPostFilter shaper;

    public HarmonicSynth(SpectralConfig spectral, HarmonicMelBasis basis, int minPitch)
    {
        if (basis.HarmonicPeak.Length != basis.Pitches * HarmonicMelBasis.MaxHarmonic)
            throw new ArgumentException("the harmonic basis has no per-harmonic peaks (HarmonicMelBasis.Compute makes them)");
        this.spectral = spectral;
        this.basis = basis;
        this.minPitch = minPitch;
        shaper = new MelPostFilter(spectral);
    }

    public KernelPath Path { get; set; } = KernelPath.Auto;

    /// planes: GeneratorGraph.Planes of one note (harmonic log amplitudes [rows, frames], noise log levels [mels, frames],
    /// optionally linear filter gains [mels, frames]); pitchIndex: pitch - min_pitch. detail: a ln-amplitude offset per
    /// harmonic (index h - 1) held over the whole note (NoteDetail), none past its end. Returns frames * hop samples.
    public float[] Render(ReadOnlySpan<float> planes, int frames, int pitchIndex, bool filter, ReadOnlySpan<float> detail = default)
    {
        CheckPlanes(planes, frames, pitchIndex, filter);
        int hop = spectral.Hop, samples = frames * hop, plane = basis.Mels * frames;
        double f0 = Yin.MidiToHz(minPitch + pitchIndex);
        var y = new float[samples];
        var env = new float[frames];
        var level = new float[frames];
        int top = Harmonics(pitchIndex);
        for (int h = 1; h <= top; h++)
        {
            LevelOf(planes, frames, pitchIndex, filter, h, level);
            SmoothLevels(level);
            float inv = 1f / basis.HarmonicPeak[pitchIndex * HarmonicMelBasis.MaxHarmonic + h - 1];
            float gain = h <= detail.Length ? MathF.Exp(detail[h - 1]) : 1f;
            for (int t = 0; t < frames; t++) env[t] = MathF.Exp(level[t]) * inv * gain;
            AddPartial(y, env, hop, 2 * Math.PI * h * f0 / spectral.SampleRate, Phase(h), Path);
        }
        System.Numerics.Tensors.TensorPrimitives.Add(y, Noise(planes.Slice(plane, plane), frames, (ulong)(pitchIndex + 1)), y);
        return y;
    }

    /// The amplitude ratio a detail gives the note's partials over the whole note: sqrt of their energy with it over
    /// their energy without (the noise left out).
    public float DetailGain(ReadOnlySpan<float> planes, int frames, int pitchIndex, bool filter, ReadOnlySpan<float> detail)
    {
        CheckPlanes(planes, frames, pitchIndex, filter);
        var level = new float[frames];
        double with = 0, without = 0;
        int top = Harmonics(pitchIndex);
        for (int h = 1; h <= top; h++)
        {
            LevelOf(planes, frames, pitchIndex, filter, h, level);
            float inv = 1f / basis.HarmonicPeak[pitchIndex * HarmonicMelBasis.MaxHarmonic + h - 1];
            double e = 0;
            for (int t = 0; t < frames; t++) { double a = Math.Exp(level[t]) * inv; e += a * a; }
            without += e;
            with += e * (h <= detail.Length ? Math.Exp(2.0 * detail[h - 1]) : 1);
        }
        return without > 0 ? (float)Math.Sqrt(with / without) : 1f;
    }

    /// How many harmonics of this pitch Render plays: those below the top of the mel range.
    public int Harmonics(int pitchIndex)
    {
        int h = 0;
        while (h < HarmonicMelBasis.MaxHarmonic && basis.HarmonicPeak[pitchIndex * HarmonicMelBasis.MaxHarmonic + h] > 0) h++;
        return h;
    }

    /// Harmonic h's log level in each frame as Render plays it, before smoothing: its rows interpolated plus the filter
    /// gain of the band where it peaks; a row value a is the partial amplitude exp(a) / HarmonicPeak. What NoteDetail
    /// compares a real note's measured planes with.
    public void Level(ReadOnlySpan<float> planes, int frames, int pitchIndex, bool filter, int h, Span<float> level)
    {
        CheckPlanes(planes, frames, pitchIndex, filter);
        LevelOf(planes, frames, pitchIndex, filter, h, level);
    }

    /// Level once the planes are checked (Render and DetailGain check them once per note, not per harmonic).
    void LevelOf(ReadOnlySpan<float> planes, int frames, int pitchIndex, bool filter, int h, Span<float> level)
    {
        int rows = basis.Rows, plane = basis.Mels * frames;
        int band = basis.HarmonicBand[pitchIndex * HarmonicMelBasis.MaxHarmonic + h - 1];
        double rho = Math.Min(HarmonicMelBasis.RowPosition(h, rows), rows - 1);
        int r0 = (int)rho, r1 = Math.Min(r0 + 1, rows - 1);
        float w = (float)(rho - r0);
        var gains = filter ? planes.Slice(2 * plane, plane) : default;
        for (int t = 0; t < frames; t++)
            level[t] = (1 - w) * planes[r0 * frames + t] + w * planes[r1 * frames + t] + (filter ? MathF.Log(gains[band * frames + t]) : 0f);
    }

    void CheckPlanes(ReadOnlySpan<float> planes, int frames, int pitchIndex, bool filter)
    {
        int plane = basis.Mels * frames;
        if ((uint)pitchIndex >= basis.Pitches) throw new ArgumentOutOfRangeException(nameof(pitchIndex));
        if (planes.Length != (filter ? 3 : 2) * plane) throw new ArgumentException($"planes have {planes.Length} values, expected {(filter ? 3 : 2)} x {basis.Mels} x {frames}");
    }

    /// Each partial's log level over the interior frames through [1, 2, 1] / 4. A frame's level is measured through a
    /// 64 ms window at 16 ms steps, so a real note's levels change little from one frame to the next; the generator's
    /// frame-to-frame jitter is its own, and the judge hears it: 1,000 generated notes (EVAL.md phase 16) score FID
    /// 126.15 smoothed against 130.31 raw (sharpened by the same kernel's opposite: 143.07; two passes: 126.79).
    public static void SmoothLevels(Span<float> level)
    {
        if (level.Length < 3) return;
        float prev = level[0];
        for (int t = 1; t < level.Length - 1; t++)
        {
            float cur = level[t];
            level[t] = 0.5f * cur + 0.25f * (prev + level[t + 1]);
            prev = cur;
        }
    }

    /// A fixed, pseudo-random phase per harmonic (SplitMix64's first output from state h). Partials in cosine phase would sum to a
    /// click at the note's first sample and to a pulse every period after it; so would any phase linear in h, such as
    /// the golden-ratio sequence h x 0.618 (mod 1) used until 2026-12-07 09:40, which only shifts the pulse in time.
    /// Its notes' crest factors (peak over RMS, 0.1-0.4 s of each note of the scale check) stood 2.7 dB from real notes
    /// of the same family on average and up to 8.5 dB above them (Keys I, MIDI 28-47: 19.4 dB, real 10.9), and the
    /// peaky tails of low notes hid the next note's onset; with these phases 1.6 dB (EVAL.md, phase 17). The judge
    /// hears magnitudes only: FID unchanged (126.55 vs 126.60 on seed 0).
    static double Phase(int h)
    {
        ulong state = (ulong)h;
        return 2 * Math.PI * (SplitMix64.Next(ref state) >> 11) / (double)(1UL << 53);
    }

    /// y[s] += env(s / hop) cos(omega s + phase), env linear between frame centres (frame t at sample t hop).
    public static void AddPartial(Span<float> y, ReadOnlySpan<float> env, int hop, double omega, double phase, KernelPath path = KernelPath.Auto)
    {
        int frames = env.Length;
        if (y.Length != frames * hop) throw new ArgumentException($"output has {y.Length} samples, expected {frames} x {hop}");
        var resolved = Kernels.Resolve(path);
        for (int t = 0; t < frames; t++)
        {
            float a0 = env[t], a1 = env[Math.Min(t + 1, frames - 1)];
            if (a0 == 0 && a1 == 0) continue;
            int start = t * hop;
            // The segment's first phase exactly (double), then a float rotator: no drift builds up over a note.
            double p0 = omega * start + phase;
            var seg = y.Slice(start, hop);
            float step = (a1 - a0) / hop;
            switch (resolved)
            {
                case KernelPath.Vector512: Segment512(seg, a0, step, omega, p0); break;
                case KernelPath.Vector256: Segment256(seg, a0, step, omega, p0); break;
                default: SegmentScalar(seg, a0, step, omega, p0); break;
            }
        }
    }

    /// The reference: cos by Math.Cos per sample.
    public static void AddPartialReference(Span<float> y, ReadOnlySpan<float> env, int hop, double omega, double phase)
    {
        int frames = env.Length;
        for (int s = 0; s < y.Length; s++)
        {
            int t = s / hop;
            float a0 = env[t], a1 = env[Math.Min(t + 1, frames - 1)];
            float a = a0 + (a1 - a0) / hop * (s - t * hop);
            y[s] += a * (float)Math.Cos(omega * s + phase);
        }
    }

    static void SegmentScalar(Span<float> seg, float a0, float step, double omega, double p0)
    {
        var (s, c) = Math.SinCos(p0);
        var (sw, cw) = Math.SinCos(omega);
        for (int i = 0; i < seg.Length; i++)
        {
            seg[i] += (a0 + step * i) * (float)c;
            (c, s) = (c * cw - s * sw, s * cw + c * sw);
        }
    }

    static void Segment512(Span<float> seg, float a0, float step, double omega, double p0)
    {
        const int L = 16;
        if (seg.Length % L != 0) { SegmentScalar(seg, a0, step, omega, p0); return; }
        var (re, im) = Lanes512(omega, p0);
        var (sL, cL) = Math.SinCos(omega * L);
        var cr = Vector512.Create((float)cL); var sr = Vector512.Create((float)sL);
        var amp = Vector512.Create(a0) + Vector512.Create(step) * Ramp512();
        var ampStep = Vector512.Create(step * L);
        ref float y = ref MemoryMarshal.GetReference(seg);
        for (int i = 0; i < seg.Length; i += L)
        {
            Vector512.FusedMultiplyAdd(amp, re, Vector512.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
            (re, im) = (re * cr - im * sr, re * sr + im * cr);
            amp += ampStep;
        }
    }

    static void Segment256(Span<float> seg, float a0, float step, double omega, double p0)
    {
        const int L = 8;
        if (seg.Length % L != 0) { SegmentScalar(seg, a0, step, omega, p0); return; }
        var (re, im) = Lanes256(omega, p0);
        var (sL, cL) = Math.SinCos(omega * L);
        var cr = Vector256.Create((float)cL); var sr = Vector256.Create((float)sL);
        var amp = Vector256.Create(a0) + Vector256.Create(step) * Ramp256();
        var ampStep = Vector256.Create(step * L);
        ref float y = ref MemoryMarshal.GetReference(seg);
        for (int i = 0; i < seg.Length; i += L)
        {
            Vector256.FusedMultiplyAdd(amp, re, Vector256.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
            (re, im) = (re * cr - im * sr, re * sr + im * cr);
            amp += ampStep;
        }
    }

    static Vector512<float> Ramp512() => Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    static Vector256<float> Ramp256() => Vector256.Create(0f, 1, 2, 3, 4, 5, 6, 7);

    static (Vector512<float> Re, Vector512<float> Im) Lanes512(double omega, double p0)
    {
        Span<float> re = stackalloc float[16], im = stackalloc float[16];
        Lanes(re, im, omega, p0);
        return (Vector512.Create<float>(re), Vector512.Create<float>(im));
    }

    static (Vector256<float> Re, Vector256<float> Im) Lanes256(double omega, double p0)
    {
        Span<float> re = stackalloc float[8], im = stackalloc float[8];
        Lanes(re, im, omega, p0);
        return (Vector256.Create<float>(re), Vector256.Create<float>(im));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Lanes(Span<float> re, Span<float> im, double omega, double p0)
    {
        var (s, c) = Math.SinCos(p0);
        var (sw, cw) = Math.SinCos(omega);
        for (int j = 0; j < re.Length; j++)
        {
            re[j] = (float)c; im[j] = (float)s;
            (c, s) = (c * cw - s * sw, s * cw + c * sw);
        }
    }

    /// White noise (xorshift, fixed seed) brought near the planes' mean level, then shaped per mel band and frame to
    /// the noise plane's levels. The shaper's gains are clamped to +-24 dB a pass, hence the start near the level.
    float[] Noise(ReadOnlySpan<float> logLevels, int frames, ulong seed)
    {
        int mels = basis.Mels, samples = frames * spectral.Hop;
        var target = new float[mels, frames];
        double mean = 0;
        for (int m = 0; m < mels; m++)
            for (int t = 0; t < frames; t++) { target[m, t] = logLevels[m * frames + t]; mean += logLevels[m * frames + t]; }
        mean /= mels * frames;
        // Uniform noise in [-1, 1] (variance 1/3) under a Hann window of n: E|X_k|^2 = n / 8 per bin, so a mel band of
        // filter weight sum W shows ~W sqrt(pi n / 32); scaled to the planes' mean level for a typical band (W ~ 1).
        double scale = Math.Exp(mean) / Math.Sqrt(Math.PI * spectral.NFft / 32.0);
        var x = new float[samples];
        ulong state = 0x9E3779B97F4A7C15UL ^ (seed * 0xBF58476D1CE4E5B9UL);
        for (int i = 0; i < samples; i++)
        {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            x[i] = (float)(((state >> 40) / (double)(1UL << 24) * 2 - 1) * scale);
        }
        return shaper.Apply(x, target, passes: 3);
    }
}
