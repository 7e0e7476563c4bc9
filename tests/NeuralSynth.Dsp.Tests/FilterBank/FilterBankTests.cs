using NeuralSynth.Dsp;
using NeuralSynth.Dsp.FilterBank;

namespace NeuralSynth.Dsp.Tests.FilterBank;

public class FilterBankTests
{
    private static readonly int[] Decimations = [16, 8, 4, 2, 1];
    private static readonly double[] Crossovers = [400, 800, 1600, 3200];

    private static FilterBankDesign Default() => FilterBankDesign.Create(16000, Decimations, Crossovers);

    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    public static TheoryData<KernelPath> Paths => new() { KernelPath.Scalar, KernelPath.Vector128, KernelPath.Vector256, KernelPath.Vector512 };

    [Theory]
    [MemberData(nameof(Paths))]
    public void UpsampleAddEqualsDirectReferenceForEveryPath(KernelPath path)
    {
        var rng = new Random(7);
        // Odd sizes exercise the vector blocks, the single-vector loop and the scalar tail.
        foreach (int s in new[] { 1, 2, 3, 4, 8, 16 })
        foreach (int n in new[] { 1, 5, 37, 250, 1003 })
        {
            int length = 2 * rng.Next(1, 40) * s + 1;
            var taps = Random(length, rng.Next());
            var x = Random(n, rng.Next());
            var init = Random(n * s, rng.Next()); // UpsampleAdd adds into what is there
            var expected = (float[])init.Clone();
            var actual = (float[])init.Clone();
            FilterBankSynthesizer.UpsampleAddReference(x, taps, s, expected);
            FilterBankSynthesizer.UpsampleAdd(x, taps, s, actual, path);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.Abs(expected[i])),
                    $"path {path} s={s} n={n} L={length} sample {i}: {actual[i]} vs {expected[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void FullSynthesisEqualsSumOfReferenceBands(KernelPath path)
    {
        var design = Default();
        int full = 4096;
        var bands = design.Bands.Select((b, k) => Random(full / b.Decimation, 100 + k)).ToArray();
        var expected = new float[full];
        for (int k = 0; k < bands.Length; k++)
            FilterBankSynthesizer.UpsampleAddReference(bands[k], design.Bands[k].SynthesisTaps, design.Bands[k].Decimation, expected);
        var actual = new FilterBankSynthesizer(design).Synthesize(bands, path);
        for (int i = 0; i < full; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"sample {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void AnalysisFiltersSumToAnImpulse()
    {
        // Telescoping design: sum of band-pass filters is a delta, so no notch or bump at crossovers.
        var design = Default();
        int length = design.Bands.Max(b => b.Length);
        var sum = new double[length];
        foreach (var band in design.Bands)
        {
            int offset = (length - band.Length) / 2;
            for (int i = 0; i < band.Length; i++) sum[offset + i] += band.AnalysisTaps[i];
        }
        for (int i = 0; i < length; i++)
            Assert.True(Math.Abs(sum[i] - (i == (length - 1) / 2 ? 1 : 0)) < 1e-6, $"tap {i}: {sum[i]}");
    }

    [Fact]
    public void BandFiltersPassTheirBandAndRejectImages()
    {
        var design = Default();
        foreach (var band in design.Bands)
        {
            double mid = (band.LowHz + band.HighHz) / 2;
            Assert.InRange(GainDb(band.AnalysisTaps, mid, 16000), -0.1, 0.1);
            // The first zero-stuffing image of a tone just under the crossover lands above the band's Nyquist:
            // it must be at least ~55 dB down (Kaiser beta 5.65 ~ 60 dB).
            if (band.Decimation > 1)
            {
                double nyquist = band.SampleRate / 2.0;
                double image = band.SampleRate - band.HighHz * 0.95;
                Assert.True(image > nyquist);
                Assert.True(GainDb(band.AnalysisTaps, image, 16000) < -55, $"band {band.LowHz}-{band.HighHz}: image at {image} Hz");
            }
        }
    }

    [Fact]
    public void AnalysisThenSynthesisReconstructsTones()
    {
        // Decompose a chord into decimated bands, synthesise back. Tones inside the passbands come back intact
        // (analysis and synthesis both pass them with gain 1, and their images fall in the stopbands); tones in a
        // crossover transition would not (sum of G_k is 1 there, sum of G_k^2 is not), which the vocoder never needs:
        // its generators write band signals directly.
        var design = Default();
        int full = 16000;
        var x = new float[full];
        foreach (double f in new[] { 110.0, 600.0, 1234.0, 2400.0, 5000.0 })
            for (int i = 0; i < full; i++) x[i] += (float)(0.2 * Math.Sin(2 * Math.PI * f * i / 16000));
        var bands = new float[design.Bands.Count][];
        for (int k = 0; k < bands.Length; k++)
        {
            var band = design.Bands[k];
            int s = band.Decimation, c = band.Center;
            bands[k] = new float[full / s];
            for (int m = 0; m < bands[k].Length; m++)
            {
                double acc = 0;
                for (int i = 0; i < band.Length; i++)
                {
                    int t = m * s + c - i;
                    if (t >= 0 && t < full) acc += band.AnalysisTaps[i] * x[t];
                }
                bands[k][m] = (float)acc;
            }
        }
        var y = new FilterBankSynthesizer(design).Synthesize(bands);
        double err = 0, energy = 0;
        for (int i = 1000; i < full - 1000; i++) // skip the edges, where the filters see zero padding
        {
            err += (y[i] - x[i]) * (y[i] - x[i]);
            energy += x[i] * x[i];
        }
        Assert.True(10 * Math.Log10(err / energy) < -40, $"reconstruction SNR only {-10 * Math.Log10(err / energy):F1} dB");
    }

    [Fact]
    public void RejectsBandsThatDoNotFitTheirRate()
    {
        // 500 Hz crossover for a 1 kHz band: the transition would cross its Nyquist.
        Assert.Throws<ArgumentException>(() => FilterBankDesign.Create(16000, Decimations, [500, 1000, 2000, 4000]));
        Assert.Throws<ArgumentException>(() => FilterBankDesign.Create(16000, [16, 8], [400, 800]));
        Assert.Throws<ArgumentException>(() => FilterBankDesign.Create(16000, [16, 2], [400]));
        var synth = new FilterBankSynthesizer(Default());
        Assert.Throws<ArgumentException>(() => synth.Synthesize([new float[10], new float[20], new float[40], new float[80], new float[161]]));
    }

    private static double GainDb(float[] taps, double hz, int rate)
    {
        double re = 0, im = 0, w = 2 * Math.PI * hz / rate;
        for (int i = 0; i < taps.Length; i++) { re += taps[i] * Math.Cos(w * i); im -= taps[i] * Math.Sin(w * i); }
        return 10 * Math.Log10(re * re + im * im + 1e-30);
    }
}
