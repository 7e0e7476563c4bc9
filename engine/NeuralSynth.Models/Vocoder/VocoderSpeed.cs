using NeuralSynth.Dsp;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Vocoder;

/// Real-time factors of one VocoderModel (seconds of 16 kHz audio made per second of wall time), by stage.
public sealed record VocoderSpeedResult(int Batch, int Notes, double AudioSeconds, double ExcitationMs, double TorchMs, double SynthesisMs,
    double ExcitationCpuMs, double TorchCpuMs, double SynthesisCpuMs, bool CachedExcitation, double PostFilterMs = 0, double PostFilterCpuMs = 0)
{
    public double CpuTotalRealTime => AudioSeconds / ((ExcitationCpuMs + TorchCpuMs + SynthesisCpuMs + PostFilterCpuMs) / 1000);
    public double CpuPostFilterRealTime => PostFilterCpuMs > 0 ? AudioSeconds / (PostFilterCpuMs / 1000) : double.PositiveInfinity;
    public double PostFilterRealTime => PostFilterMs > 0 ? AudioSeconds / (PostFilterMs / 1000) : double.PositiveInfinity;
    public double CpuTorchRealTime => AudioSeconds / (TorchCpuMs / 1000);
    public double CpuSynthesisRealTime => AudioSeconds / (SynthesisCpuMs / 1000);
    public double CpuExcitationRealTime => AudioSeconds / Math.Max(1e-9, ExcitationCpuMs / 1000);
    public double TotalRealTime => AudioSeconds / ((ExcitationMs + TorchMs + SynthesisMs + PostFilterMs) / 1000);
    public double TorchRealTime => AudioSeconds / (TorchMs / 1000);
    public double SynthesisRealTime => AudioSeconds / (SynthesisMs / 1000);
    public double ExcitationRealTime => AudioSeconds / Math.Max(1e-9, ExcitationMs / 1000);
}

/// Stopwatch measurement behind `eval vocoder`'s speed section (the BenchmarkDotNet project is torch-free).
/// Notes are full-length (spectral frames) with plausible log-mels; f0 cycles through a few pitches. With
/// `cachedExcitation` the excitation comes from the per-pitch cache, as when a keyboard's notes are rendered.
public static class VocoderSpeed
{
    public static VocoderSpeedResult Measure(VocoderModel model, int batch, int repeats, bool cachedExcitation = true, KernelPath path = KernelPath.Auto)
    {
        var s = model.Config.Spectral;
        var rng = new Random(5);
        var mels = new float[batch * s.NMels * s.Frames];
        for (int i = 0; i < mels.Length; i++) mels[i] = (float)(-5 + 2 * rng.NextDouble());
        float[] pitches = [65.4f, 130.8f, 261.6f, 523.3f];
        var f0 = Enumerable.Range(0, batch).Select(i => pitches[i % pitches.Length]).ToArray();
        var oldPath = model.SynthesisPath;
        model.SynthesisPath = path;
        try
        {
            using var melTensor = tensor(mels, [batch, s.NMels, s.Frames]);
            model.Synthesize(melTensor, f0); // warm-up: JIT, torch kernels, excitation cache
            double ex = 0, torchMs = 0, synth = 0, exCpu = 0, torchCpu = 0, synthCpu = 0, pf = 0, pfCpu = 0;
            long samples = 0;
            for (int r = 0; r < repeats; r++)
            {
                if (!cachedExcitation) model.ClearExcitationCache();
                model.Synthesize(melTensor, f0);
                var t = model.LastTimings!;
                ex += t.ExcitationMs; torchMs += t.TorchMs; synth += t.SynthesisMs; samples += t.Samples;
                exCpu += t.ExcitationCpuMs; torchCpu += t.TorchCpuMs; synthCpu += t.SynthesisCpuMs;
                pf += t.PostFilterMs; pfCpu += t.PostFilterCpuMs;
            }
            return new VocoderSpeedResult(batch, batch * repeats, samples / (double)s.SampleRate, ex, torchMs, synth, exCpu, torchCpu, synthCpu, cachedExcitation, pf, pfCpu);
        }
        finally { model.SynthesisPath = oldPath; }
    }
}
