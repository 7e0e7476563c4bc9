using NeuralSynth.Realtime;

namespace NeuralSynth.Realtime.Tests;

public class ResamplerTests
{
    /// Double-precision reference of the same polyphase interpolation, straight from the tables.
    static float[] Reference(PolyphaseFilter f, float[] src, int origin, double pos, double step, double loopEnd, double loopLength, double end, int n, out int produced)
    {
        var dst = new float[n];
        int taps = f.Taps, back = taps / 2 - 1;
        produced = 0;
        for (int j = 0; j < n; j++)
        {
            if (loopLength > 0 && pos >= loopEnd) pos -= loopLength;
            if (pos >= end) break;
            int i = (int)pos;
            double ph = (pos - i) * f.Phases;
            int row = (int)ph;
            double a = (float)(ph - row), sum = 0;
            for (int k = 0; k < taps; k++)
                sum += (f.Coefficients[row * taps + k] + a * (double)f.Deltas[row * taps + k]) * src[origin + i - back + k];
            dst[j] = (float)sum;
            produced++;
            pos += step;
        }
        return dst;
    }

    public static IEnumerable<object[]> Widths() => Simd.Available().Select(w => new object[] { w });

    [Theory]
    [MemberData(nameof(Widths))]
    public void EveryVectorPathMatchesTheScalarReference(int width)
    {
        var rng = new Random(7);
        foreach (int taps in new[] { 32, 24, 64, 6 })
        {
            var f = new PolyphaseFilter(taps, 64);
            int origin = 128;
            var src = new float[origin + 4000 + 128];
            for (int i = origin; i < origin + 4000; i++) src[i] = (float)(rng.NextDouble() * 2 - 1);
            foreach (double step in new[] { 1 / 3.0, 0.918, 1.0, 1.7 })
            {
                double pos = rng.NextDouble() * 100, p = pos;
                var got = new float[333];
                int n = Resampler.Process(f, src, origin, ref p, step, 3000, 1234.5, 3990, got, width);
                var want = Reference(f, src, origin, pos, step, 3000, 1234.5, 3990, got.Length, out int m);
                Assert.Equal(m, n);
                for (int j = 0; j < n; j++) Assert.True(Math.Abs(got[j] - want[j]) < 2e-5, $"taps {taps} step {step} width {width} sample {j}: {got[j]} vs {want[j]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void StopsAtTheEndOfAnUnloopedSource(int width)
    {
        var f = new PolyphaseFilter();
        var src = new float[128 + 100 + 128];
        double pos = 90;
        var dst = new float[64];
        int n = Resampler.Process(f, src, 128, ref pos, 0.5, -1, 0, 100, dst, width);
        Assert.Equal(20, n);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ALoopedNoteNeverRunsOutEvenWithTheLongestKernel(int width)
    {
        // The 8x decimation bank (256 taps) reads Padding = 128 samples past the loop end.
        var note = CachedNote.Create(new NoteKey("m", 1, 60, 0), AdditiveStandInRenderer.Synthesize(60, 0.8, 16000, 2.0), 16000);
        Assert.True(note.HasLoop);
        var f = new PolyphaseFilter(256, 16, 1.0 / 8);
        double pos = 0;
        var dst = new float[4096];
        for (int block = 0; block < 100; block++)
            Assert.Equal(dst.Length, Resampler.Process(f, note.Buffer, CachedNote.Padding, ref pos, 7.3, note.LoopEnd, note.LoopLength, double.MaxValue, dst, width));
    }

    static double SineSnrDb(int inRate, int outRate, double hz, int width)
    {
        var f = new PolyphaseFilter();
        int origin = 128, len = inRate;
        var src = new float[origin + len + 128];
        for (int i = 0; i < len; i++) src[origin + i] = (float)(0.9 * Math.Sin(2 * Math.PI * hz * i / inRate));
        double step = (double)inRate / outRate, pos = 0;
        var dst = new float[outRate * 9 / 10];
        Resampler.Process(f, src, origin, ref pos, step, -1, 0, len, dst, width);
        double sig = 0, err = 0;
        for (int j = outRate / 10; j < dst.Length; j++) // skip the start-up transient
        {
            double want = 0.9 * Math.Sin(2 * Math.PI * hz * j * step / inRate);
            sig += want * want; err += (dst[j] - want) * (dst[j] - want);
        }
        return 10 * Math.Log10(sig / err);
    }

    [Theory]
    [InlineData(16000, 48000, 440.0)]
    [InlineData(16000, 48000, 3000.0)]
    [InlineData(16000, 48000, 6000.0)]
    [InlineData(16000, 44100, 1000.0)]
    [InlineData(44100, 48000, 10000.0)]
    [InlineData(16000, 22050, 5000.0)]
    public void SineSnrIsAtLeast97Db(int inRate, int outRate, double hz)
    {
        foreach (int w in Simd.Available())
        {
            double snr = SineSnrDb(inRate, outRate, hz, w);
            Assert.True(snr >= 97, $"{inRate}->{outRate} {hz} Hz width {w}: SNR {snr:F1} dB");
        }
    }

    [Fact]
    public void ImagesAboveTheSourceNyquistAreAttenuated()
    {
        // 16 kHz -> 48 kHz: a tone at f leaves images at 16k - f, 16k + f, ...; measure the worst one.
        var f = new PolyphaseFilter();
        foreach (double hz in new[] { 1000.0, 3000.0, 5000.0, 6000.0 })
        {
            int origin = 128, len = 16000;
            var src = new float[origin + len + 128];
            for (int i = 0; i < len; i++) src[origin + i] = (float)Math.Sin(2 * Math.PI * hz * i / 16000);
            double pos = 0;
            var dst = new float[40000];
            Resampler.Process(f, src, origin, ref pos, 1 / 3.0, -1, 0, len, dst);
            var seg = dst.AsSpan(4000, 32768);
            double tone = EngineMeasurements.ToneAmplitude(seg, hz / 48000);
            foreach (double image in new[] { 16000 - hz, 16000 + hz, 32000 - hz })
            {
                double att = 20 * Math.Log10(tone / EngineMeasurements.ToneAmplitude(seg, image / 48000));
                Assert.True(att >= 97, $"{hz} Hz: image at {image} Hz only {att:F1} dB down");
            }
        }
    }

}

public class MixerTests
{
    public static IEnumerable<object[]> Widths() => Simd.Available().Select(w => new object[] { w });

    [Theory]
    [MemberData(nameof(Widths))]
    public void EveryVectorPathMatchesTheScalarReference(int width)
    {
        var rng = new Random(3);
        foreach (int n in new[] { 128, 131, 3, 17, 1 })
        {
            var src = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var l = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
            var r = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
            var wantL = (float[])l.Clone(); var wantR = (float[])r.Clone();
            float gl0 = 0.2f, gl1 = 0.9f, gr0 = 1f, gr1 = 0f;
            for (int i = 0; i < n; i++)
            {
                wantL[i] += (float)(src[i] * (gl0 + (double)i * (gl1 - gl0) / n));
                wantR[i] += (float)(src[i] * (gr0 + (double)i * (gr1 - gr0) / n));
            }
            Mixer.AccumulateRamp(src, l, r, gl0, gl1, gr0, gr1, width);
            for (int i = 0; i < n; i++)
            {
                Assert.True(Math.Abs(l[i] - wantL[i]) < 1e-6, $"n {n} width {width} left {i}");
                Assert.True(Math.Abs(r[i] - wantR[i]) < 1e-6, $"n {n} width {width} right {i}");
            }
        }
    }
}
