using NeuralSynth.Dsp.FilterBank;
using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;
using F = TorchSharp.torch.nn.functional;

namespace NeuralSynth.Models.Vocoder;

/// The frozen FIR filter bank in torch (seed 003's frozen filter-bank layers): no learnable parameters,
/// the taps come from FilterBankDesign (the same floats the C# SIMD synthesis uses).
///   Synthesize: band k [B, 1, N/s_k] -> conv_transpose1d(stride s_k) cropped to [c_k, c_k + N) -> sum over k: [B, 1, N]
///               (computed in polyphase form: one conv1d with s_k output channels, the sub-filters h[r + i*s_k],
///               then interleaved; same result as torch's conv_transpose1d, several times faster on a CPU)
///   Analyze:    [B, 1, N] -> conv1d(stride s_k, padding c_k) with the unit-gain band-pass -> band k [B, 1, N/s_k]
/// Synthesize is differentiable (gradients flow to the band generators); Analyze feeds the band discriminators.
public sealed class FilterBankLayer : IDisposable
{
    public FilterBankDesign Design { get; }
    readonly Tensor[] synthesis, analysis; // [1, 1, L_k]
    readonly Tensor[] polyphase;           // [s_k, 1, T_k]: row r = reversed sub-filter h[r + i*s_k] (conv1d correlates)

    public FilterBankLayer(FilterBankDesign design, Device? device = null)
    {
        TorchRuntime.Ensure();
        Design = design;
        synthesis = design.Bands.Select(b => tensor(b.SynthesisTaps, [1, 1, b.Length], device: device)).ToArray();
        analysis = design.Bands.Select(b => tensor(b.AnalysisTaps, [1, 1, b.Length], device: device)).ToArray();
        polyphase = design.Bands.Select(b =>
        {
            int s = b.Decimation, t = PhaseTaps(b);
            var w = new float[s * t];
            for (int r = 0; r < s; r++)
                for (int i = 0; i < t && r + i * s < b.Length; i++)
                    w[r * t + (t - 1 - i)] = b.SynthesisTaps[r + i * s];
            return tensor(w, [s, 1, t], device: device);
        }).ToArray();
    }

    static int PhaseTaps(FilterBankBand b) => (b.Length + b.Decimation - 1) / b.Decimation;

    /// Reference path: torch's own transposed convolution (the layer the design describes); tests compare with it.
    public Tensor UpsampleBandTransposed(int k, Tensor band)
    {
        var b = Design.Bands[k];
        long n = band.shape[^1];
        using var full = F.conv_transpose1d(band, synthesis[k], stride: b.Decimation);
        return full.narrow(-1, b.Center, n * b.Decimation);
    }

    /// One band upsampled to the full rate: [B, 1, n] -> [B, 1, n * s].
    public Tensor UpsampleBand(int k, Tensor band)
    {
        using var scope = NewDisposeScope();
        var b = Design.Bands[k];
        int s = b.Decimation, t = PhaseTaps(b), c = b.Center;
        long n = band.shape[^1], batch = band.shape[0];
        // z[q*s + r] = sum_i h[r + i*s] x[q - i]; output y[m] = z[m + c] for m in [0, n*s).
        int right = (c + s - 1) / s + 1;
        var padded = F.pad(band, [t - 1, right]);
        var phases = Convolution.Conv1d(padded, polyphase[k], null); // [B, s, n + right]
        var z = phases.transpose(1, 2).reshape(batch, 1, -1);
        return z.narrow(-1, c, n * s).MoveToOuterDisposeScope();
    }

    public Tensor Synthesize(IReadOnlyList<Tensor> bands)
    {
        if (bands.Count != Design.Bands.Count) throw new ArgumentException($"expected {Design.Bands.Count} bands, got {bands.Count}");
        using var scope = NewDisposeScope();
        Tensor sum = UpsampleBand(0, bands[0]);
        for (int k = 1; k < bands.Count; k++) sum = Add(sum, UpsampleBand(k, bands[k]));
        return sum.MoveToOuterDisposeScope();
    }

    /// [B, 1, N] -> band k at its own rate [B, 1, N / s_k].
    public Tensor AnalyzeBand(int k, Tensor audio)
    {
        var b = Design.Bands[k];
        return Convolution.Conv1d(audio, analysis[k], null, stride: b.Decimation, padding: b.Center);
    }

    public void Dispose()
    {
        foreach (var t in synthesis) t.Dispose();
        foreach (var t in analysis) t.Dispose();
        foreach (var t in polyphase) t.Dispose();
    }
}
