using NeuralSynth.Dsp.FilterBank;
using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Dataset;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Vocoder;

/// One training batch: log-mel [B, n_mels, F], audio [B, 1, F*hop], f0 [B] and the per-band excitation [B, E, N_k].
public sealed class VocoderBatch : IDisposable
{
    public required Tensor LogMel { get; init; }
    public required Tensor Audio { get; init; }
    public required Tensor F0 { get; init; }
    public required Tensor[] Excitation { get; init; }

    public void Dispose()
    {
        LogMel.Dispose(); Audio.Dispose(); F0.Dispose();
        foreach (var e in Excitation) e.Dispose();
    }
}

/// A dataset split held in memory: every note fitted to the spectral config's length, its log-mel (computed once
/// with the shared MelSpectrogram, exactly as the vocoder sees mels at inference) and its f0 from the MIDI pitch.
/// Batches are random segments of random notes, drawn from a Random seeded by (seed, step), so a resumed run
/// draws exactly the batches the uninterrupted run would have.
public sealed class VocoderTrainingData
{
    public SpectralConfig Spectral { get; }
    public IReadOnlyList<NoteExample> Examples { get; }
    readonly float[][] audio;   // [notes][samples]
    readonly float[][] logMel;  // [notes][n_mels * frames]
    readonly float[] f0;

    VocoderTrainingData(SpectralConfig spectral, IReadOnlyList<NoteExample> examples, float[][] audio, float[][] logMel, float[] f0)
    {
        Spectral = spectral; Examples = examples; this.audio = audio; this.logMel = logMel; this.f0 = f0;
    }

    public int Count => audio.Length;

    public static float MidiToHz(double pitch) => (float)(440.0 * Math.Pow(2, (pitch - 69) / 12.0));

    public static VocoderTrainingData Load(string dir, string split, SpectralConfig spectral, int? maxNotes = null, Action<int, int>? progress = null)
    {
        var ds = NoteDataset.Load(dir, split);
        var examples = ds.Examples.ToList();
        if (maxNotes is int m && examples.Count > m)
        {
            // Spread the subset over the whole (sorted) list, so every instrument and pitch range stays represented.
            examples = Enumerable.Range(0, m).Select(i => examples[(int)((long)i * examples.Count / m)]).ToList();
        }
        if (examples.Count == 0) throw new ArgumentException($"{dir}/{split}: no notes");
        int n = examples.Count;
        var audio = new float[n][];
        var mels = new float[n][];
        var f0 = new float[n];
        using var mel = new MelSpectrogram(spectral);
        const int Chunk = 32;
        for (int start = 0; start < n; start += Chunk)
        {
            int count = Math.Min(Chunk, n - start);
            for (int i = start; i < start + count; i++)
            {
                var e = examples[i];
                audio[i] = spectral.FitLength(ds.LoadAudio(e, spectral.SampleRate));
                f0[i] = MidiToHz(e.Pitch);
            }
            using var scope = NewDisposeScope();
            var flat = new float[count * spectral.Samples];
            for (int i = 0; i < count; i++) Array.Copy(audio[start + i], 0, flat, i * spectral.Samples, spectral.Samples);
            var lm = mel.LogMel(tensor(flat, [count, spectral.Samples])).contiguous(); // [count, n_mels, frames]
            var data = lm.data<float>().ToArray();
            int per = spectral.NMels * spectral.Frames;
            if (lm.shape[2] != spectral.Frames) throw new InvalidOperationException($"MelSpectrogram returned {lm.shape[2]} frames, expected {spectral.Frames}");
            for (int i = 0; i < count; i++) mels[start + i] = data.AsSpan(i * per, per).ToArray();
            progress?.Invoke(start + count, n);
        }
        return new VocoderTrainingData(spectral, examples, audio, mels, f0);
    }

    public float[] Audio(int note) => audio[note];
    public float F0(int note) => f0[note];

    /// Log-mel of a note as [n_mels, frames].
    public float[,] LogMel(int note)
    {
        var r = new float[Spectral.NMels, Spectral.Frames];
        Buffer.BlockCopy(logMel[note], 0, r, 0, logMel[note].Length * sizeof(float));
        return r;
    }

    /// Random segments of segmentFrames frames; excitation with a random start phase and noise seed per example.
    public VocoderBatch Sample(FilterBankDesign bank, bool noise, int batch, int segmentFrames, int seed, long step)
    {
        var rng = new Random(HashCode.Combine(seed, step, 0x5EED));
        var notes = new int[batch];
        var starts = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            notes[b] = rng.Next(Count);
            starts[b] = rng.Next(Spectral.Frames - segmentFrames + 1);
        }
        var phases = Enumerable.Range(0, batch).Select(_ => rng.NextDouble() * 2 * Math.PI).ToArray();
        var seeds = Enumerable.Range(0, batch).Select(_ => (ulong)rng.NextInt64()).ToArray();
        return Build(bank, noise, notes, starts, segmentFrames, phases, seeds);
    }

    public VocoderBatch Build(FilterBankDesign bank, bool noise, int[] notes, int[] startFrames, int segmentFrames, double[] phases, ulong[] seeds)
    {
        int batch = notes.Length, hop = Spectral.Hop, nMels = Spectral.NMels, frames = Spectral.Frames;
        int samples = segmentFrames * hop;
        var melBuf = new float[batch * nMels * segmentFrames];
        var audioBuf = new float[batch * samples];
        var f0Buf = new float[batch];
        for (int b = 0; b < batch; b++)
        {
            var src = logMel[notes[b]];
            for (int m = 0; m < nMels; m++)
                Array.Copy(src, m * frames + startFrames[b], melBuf, (b * nMels + m) * segmentFrames, segmentFrames);
            Array.Copy(audio[notes[b]], startFrames[b] * hop, audioBuf, b * samples, samples);
            f0Buf[b] = f0[notes[b]];
        }
        var excitation = VocoderExcitation.Build(bank, noise, f0Buf, samples, phases, seeds,
            startSample: startFrames.Select(s => (long)s * hop).ToArray());
        return new VocoderBatch
        {
            LogMel = tensor(melBuf, [batch, nMels, segmentFrames]),
            Audio = tensor(audioBuf, [batch, 1, samples]),
            F0 = tensor(f0Buf, [batch]),
            Excitation = excitation,
        };
    }
}

/// Builds the per-band excitation tensors [B, E, N_k] for a batch of constant-f0 notes.
public static class VocoderExcitation
{
    /// startSample: absolute full-rate position of each segment in its note (keeps the phase continuous with the note).
    public static Tensor[] Build(FilterBankDesign bank, bool noise, float[] f0Hz, int samples, double[]? phases = null, ulong[]? seeds = null, long[]? startSample = null)
    {
        int batch = f0Hz.Length, e = HarmonicExcitation.ChannelCount(noise);
        var result = new Tensor[bank.Bands.Count];
        for (int k = 0; k < bank.Bands.Count; k++)
        {
            var band = bank.Bands[k];
            if (samples % band.Decimation != 0) throw new ArgumentException($"{samples} samples is not a multiple of band {k}'s decimation {band.Decimation}");
            int n = samples / band.Decimation;
            var buf = new float[batch * e * n];
            for (int b = 0; b < batch; b++)
            {
                double phase0 = phases?[b] ?? 0;
                if (startSample is not null) phase0 += 2 * Math.PI * f0Hz[b] * startSample[b] / bank.SampleRate;
                ulong seed = (seeds?[b] ?? 0x243F6A8885A308D3UL) + (ulong)k * 0x9E3779B97F4A7C15UL;
                HarmonicExcitation.Fill(buf.AsSpan(b * e * n, e * n), n, band, f0Hz[b], phase0, noise, seed);
            }
            result[k] = tensor(buf, [batch, e, n]);
        }
        return result;
    }
}
