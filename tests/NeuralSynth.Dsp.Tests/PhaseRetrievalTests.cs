using Xunit.Abstractions;

namespace NeuralSynth.Dsp.Tests;

public class PhaseRetrievalTests(ITestOutputHelper output)
{
    private const int Sr = 16000, NFft = 1024, Hop = 256;

    private static (float[] x, float[] mag, int frames) Chord()
    {
        var x = TestSignals.Chord(Sr, Sr); // 1 s
        var s = Stft.Forward(x, NFft, Hop);
        return (x, s.Magnitude(), s.Frames);
    }

    private static double Sc(float[] mag, float[] y) => SpectralMetrics.SpectralConvergence(mag, Stft.Forward(y, NFft, Hop).Magnitude());

    [Fact]
    public void GriffinLimReconstructsChord()
    {
        var (x, mag, frames) = Chord();
        var gl0 = GriffinLim.Reconstruct(mag, frames, NFft, Hop, iterations: 0, length: x.Length);
        var gl32 = GriffinLim.Reconstruct(mag, frames, NFft, Hop, iterations: 32, length: x.Length);
        var gl32Classic = GriffinLim.Reconstruct(mag, frames, NFft, Hop, iterations: 32, momentum: 0f, length: x.Length);
        var gl100 = GriffinLim.Reconstruct(mag, frames, NFft, Hop, iterations: 100, length: x.Length);
        Assert.Equal(x.Length, gl32.Length);
        double e0 = Sc(mag, gl0), e32 = Sc(mag, gl32), e32c = Sc(mag, gl32Classic), e100 = Sc(mag, gl100);
        output.WriteLine($"SC random={e0:F4} GL32classic={e32c:F4} FGLA32={e32:F4} FGLA100={e100:F4}");
        Assert.True(e32 < e0 * 0.5, "32 iterations must improve on random phase");
        Assert.True(e32 <= e32c * 1.01, "momentum must not be worse than classic");
        Assert.True(e100 < e32, "more iterations must help");
        Assert.True(e32 < 0.1, $"FGLA-32 spectral convergence {e32}");
    }

    [Fact]
    public void PghiReconstructsChordBetterThanGriffinLim32()
    {
        var (x, mag, frames) = Chord();
        var pghi = Pghi.Reconstruct(mag, frames, NFft, Hop, length: x.Length);
        var gl32 = GriffinLim.Reconstruct(mag, frames, NFft, Hop, iterations: 32, length: x.Length);
        var pghiGl = Pghi.Reconstruct(mag, frames, NFft, Hop, refineIterations: 32, length: x.Length);
        Assert.Equal(x.Length, pghi.Length);
        double ep = Sc(mag, pghi), eg = Sc(mag, gl32), epg = Sc(mag, pghiGl);
        output.WriteLine($"SC PGHI={ep:F4} FGLA32={eg:F4} PGHI+FGLA32={epg:F4}");
        var mrP = SpectralMetrics.MultiResolutionStftDistance(x, pghi);
        var mrG = SpectralMetrics.MultiResolutionStftDistance(x, gl32);
        output.WriteLine($"MR-STFT PGHI={mrP.Total:F4} FGLA32={mrG.Total:F4}");
        foreach (var r in mrP.PerResolution.Zip(mrG.PerResolution)) output.WriteLine($"  n={r.First.FftSize} PGHI sc={r.First.SpectralConvergence:F4} lm={r.First.LogMagnitude:F4} FGLA sc={r.Second.SpectralConvergence:F4} lm={r.Second.LogMagnitude:F4}");
        Assert.True(ep < 0.5 * eg, $"PGHI {ep} should clearly beat GL-32 {eg}");
        Assert.True(ep < 0.03, $"PGHI spectral convergence {ep}");
        // The multi-resolution distance also sees other FFT sizes (where the relative phase of resolved partials
        // matters) and the -60 dB floor in log units; there PGHI alone is not better, PGHI + FGLA is.
        var mrPg = SpectralMetrics.MultiResolutionStftDistance(x, pghiGl);
        output.WriteLine($"MR-STFT PGHI+FGLA32={mrPg.Total:F4}");
        Assert.True(mrPg.Total < mrG.Total, "PGHI-initialised FGLA must beat random-initialised FGLA on the multi-resolution STFT distance");
        Assert.True(epg <= ep, "Griffin-Lim refinement from the PGHI phase must not make it worse");
    }
}
