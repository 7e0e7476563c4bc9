using NeuralSynth.Dsp;
using NeuralSynth.Dsp.Neural;
using NeuralSynth.Formats;
using NeuralSynth.Models.Dataset;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Gansynth;

/// The training notes' measured harmonic-head planes (HarmonicAnalysis), for config plane_weight: computed once from
/// the notes' audio and cached in the run directory (planes_<split>.safetensors), like the features.
public sealed class PlaneTargets : IDisposable
{
    readonly Tensor planes;   // [N, rows + mels, frames], ln units
    readonly Tensor rowBand;  // [pitches, rows] int64: the mel band where each row's harmonic peaks (the filter it gets)
    readonly Tensor rowMask;  // [pitches, rows]: 1 where the row's harmonic is below the top of the mel range
    readonly GansynthConfig cfg;

    PlaneTargets(Tensor planes, GansynthConfig cfg, HarmonicMelBasis basis)
    {
        this.planes = planes;
        this.cfg = cfg;
        int rows = basis.Rows, H = HarmonicMelBasis.MaxHarmonic;
        var rowH = HarmonicAnalysis.RowHarmonics(rows);
        var band = new long[basis.Pitches * rows];
        var mask = new float[basis.Pitches * rows];
        for (int p = 0; p < basis.Pitches; p++)
        {
            int top = HarmonicAnalysis.TopHarmonic(basis, p);
            for (int r = 0; r < rows; r++)
            {
                int h = Math.Clamp((int)Math.Round(rowH[r]), 1, Math.Max(1, top));
                band[p * rows + r] = top == 0 ? 0 : basis.HarmonicBand[p * H + h - 1];
                mask[p * rows + r] = top > 0 && rowH[r] <= top ? 1 : 0;
            }
        }
        rowBand = tensor(band, [basis.Pitches, rows]);
        rowMask = tensor(mask, [basis.Pitches, rows]);
    }

    public static PlaneTargets LoadOrBuild(string dataDir, string split, GansynthConfig cfg, FeatureCache data, HarmonicMelBasis basis, string cachePath, Action<string>? log = null, int limit = 0)
    {
        int rows = basis.Rows, mels = cfg.MelBins, frames = cfg.Frames;
        if (File.Exists(cachePath))
        {
            var (t, _) = WeightsFile.Read(cachePath);
            if (!t.TryGetValue("planes", out var pl) || pl.Shape.Length != 3 || pl.Shape[0] != data.Count || pl.Shape[1] != rows + mels || pl.Shape[2] != frames)
                throw new InvalidFileException(cachePath, 8, $"plane cache does not hold [{data.Count}, {rows + mels}, {frames}] 'planes' (delete it to rebuild)");
            log?.Invoke($"planes: {data.Count} notes from cache {cachePath}");
            return new PlaneTargets(tensor(pl.Data, pl.Shape), cfg, basis);
        }
        var ds = NoteDataset.Load(dataDir, split);
        var notes = ds.Examples.Where(e => e.Pitch >= cfg.MinPitch && e.Pitch <= cfg.MaxPitch).ToList();
        if (limit > 0) notes = notes.Take(limit).ToList();
        if (notes.Count != data.Count || notes.Where((e, i) => e.Pitch != data.Pitches[i]).Any())
            throw new ArgumentException($"{dataDir}/{split}: its notes differ from the feature cache's (delete the caches to rebuild)");
        log?.Invoke($"planes: measuring the harmonics of {notes.Count} notes of {dataDir}/{split}");
        using var lmAll = data.Features[.., 0].contiguous();
        var logMel = lmAll.data<float>().ToArray();
        int plane = (rows + mels) * frames, sr = cfg.Spectral.SampleRate;
        var all = new float[notes.Count * plane];
        float floor = cfg.LogMagMin, ceiling = cfg.LogMagMax;
        Parallel.For(0, notes.Count, i =>
        {
            var audio = cfg.Spectral.FitLength(ds.LoadAudio(notes[i], sr));
            var pl = HarmonicAnalysis.Planes(audio, logMel.AsSpan(i * mels * frames, mels * frames), Yin.MidiToHz(notes[i].Pitch), cfg.PitchIndex(notes[i].Pitch),
                basis, sr, cfg.Spectral.NFft, cfg.Spectral.Hop, frames, floor, ceiling);
            pl.CopyTo(all, i * plane);
        });
        var planes = tensor(all, [notes.Count, rows + mels, frames]);
        WeightsFile.Save(new Dictionary<string, Tensor> { ["planes"] = planes }, cachePath,
            new Dictionary<string, string> { ["source"] = Path.GetFullPath(Path.Combine(dataDir, split)) });
        return new PlaneTargets(planes, cfg, basis);
    }

    /// Mean |difference| between the generator's raw planes (tanh range: harmonic rows, noise, filter) and the notes'
    /// measured ones, on the normalised scale (ln / half the log range): each harmonic row as heard, its level plus the
    /// filter gain of its band, over the rows below the top of the mel range, and the noise plane; the two averaged.
    public Tensor Distance(Tensor raw, Tensor noteIndex, Tensor pitchIndex)
    {
        using var scope = NewDisposeScope();
        int rows = (int)rowBand.shape[1];
        var target = Normalized(planes.index_select(0, noteIndex));
        var heard = HeardRows(raw, pitchIndex);
        var mask = rowMask.index_select(0, pitchIndex).unsqueeze(2);
        var rowError = ((heard - target[.., ..rows]).abs() * mask).sum() / (mask.sum() * S(cfg.Frames)).clamp_min(S(1.0));
        var noiseError = (raw[.., 1] - target[.., rows..]).abs().mean();
        return (Add(rowError, noiseError) * S(0.5)).MoveToOuterDisposeScope();
    }

    /// Mean |difference| between each harmonic row's level averaged over the note's frames, as heard (level plus its
    /// band's filter gain), and the measured row's average, over the rows below the top of the mel range, on the
    /// normalised scale: the spectral envelope alone (config plane_mean_weight).
    public Tensor MeanDistance(Tensor raw, Tensor noteIndex, Tensor pitchIndex)
    {
        using var scope = NewDisposeScope();
        int rows = (int)rowBand.shape[1];
        var target = Normalized(planes.index_select(0, noteIndex))[.., ..rows].mean([2]);
        var heard = HeardRows(raw, pitchIndex).mean([2]);
        var mask = rowMask.index_select(0, pitchIndex);
        return (((heard - target).abs() * mask).sum() / mask.sum().clamp_min(S(1.0))).MoveToOuterDisposeScope();
    }

    /// What PlaneCritic judges of the real notes: their measured harmonic rows as [B, 1, rows, frames] on the normalised
    /// scale, each as heard over its band's noise (Judged).
    public Tensor Real(Tensor noteIndex, Tensor pitchIndex)
    {
        using var scope = NewDisposeScope();
        int rows = (int)rowBand.shape[1];
        var target = Normalized(planes.index_select(0, noteIndex));
        return Judged(target[.., ..rows], target[.., rows..], pitchIndex).MoveToOuterDisposeScope();
    }

    /// The same view of the generator's raw planes: each row at its level plus its band's filter gain.
    public Tensor Generated(Tensor raw, Tensor pitchIndex)
    {
        using var scope = NewDisposeScope();
        return Judged(HeardRows(raw, pitchIndex), raw[.., 1], pitchIndex).MoveToOuterDisposeScope();
    }

    /// Each row as heard over the noise of the band where it peaks, ln(exp(row) + exp(noise)), clamped to [-1, 1]
    /// (below -1 is under the data's log floor), and the rows above the top of the mel range at -1. The noise plane
    /// itself is not judged: where harmonics fill a band its measured level is set by the analysis (what they leave of
    /// the band, floored at a thousandth of it), not heard, and a critic separated generated from measured planes on it
    /// at once (EVAL.md phase 19); the generator's noise plane plays as well as the measured one (phase 17). A harmonic
    /// the noise covers is measured from the noise, its level jittering from frame to frame; as heard it is the noise.
    Tensor Judged(Tensor rows, Tensor noise, Tensor pitchIndex)
    {
        var band = rowBand.index_select(0, pitchIndex).unsqueeze(2).expand(-1, -1, cfg.Frames);
        var heard = Normalized(logaddexp(Ln(rows), Ln(noise.gather(1, band)))).clamp(S(-1.0), S(1.0));
        var mask = rowMask.index_select(0, pitchIndex).unsqueeze(2);
        return Add(Add(heard, 1.0) * mask, -1.0).unsqueeze(1);
    }

    /// Harmonic rows as heard, normalised: the row's level plus the filter gain of the band where it peaks.
    Tensor HeardRows(Tensor raw, Tensor pitchIndex)
    {
        if (!cfg.Filter) return raw[.., 0];
        var band = rowBand.index_select(0, pitchIndex).unsqueeze(2).expand(-1, -1, cfg.Frames);
        return Add(raw[.., 0], raw[.., 2].gather(1, band));
    }

    /// Half the data's log range: one unit of the generator's normalised scale in ln.
    double HalfRange => (cfg.LogMagMax - cfg.LogMagMin) / 2.0;

    /// The generator's normalised scale -> ln units.
    Tensor Ln(Tensor normalized)
    {
        return Add(Add(normalized, 1.0) * S(HalfRange), cfg.LogMagMin);
    }

    /// ln units -> the generator's normalised scale (log_mag_min -> -1, log_mag_max -> 1).
    Tensor Normalized(Tensor ln)
    {
        return Add(Add(ln, -cfg.LogMagMin) * S(1.0 / HalfRange), -1.0);
    }

    public void Dispose() { planes.Dispose(); rowBand.Dispose(); rowMask.Dispose(); }
}
