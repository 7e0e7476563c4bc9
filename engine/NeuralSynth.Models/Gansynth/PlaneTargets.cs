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
        double half = (cfg.LogMagMax - cfg.LogMagMin) / 2.0;
        int rows = (int)rowBand.shape[1];
        var target = planes.index_select(0, noteIndex);
        var levels = Add(Add(raw[.., ..2], 1.0) * S(half), cfg.LogMagMin); // [B, 2, rows|mels, T] in ln
        var heard = levels[.., 0];
        if (cfg.Filter)
        {
            var band = rowBand.index_select(0, pitchIndex).unsqueeze(2).expand(-1, -1, cfg.Frames);
            heard = Add(heard, (raw[.., 2] * S(half)).gather(1, band));
        }
        var mask = rowMask.index_select(0, pitchIndex).unsqueeze(2);
        var rowError = ((heard - target[.., ..rows]).abs() * mask).sum() / (mask.sum() * S(cfg.Frames)).clamp_min(S(1.0));
        var noiseError = (levels[.., 1] - target[.., rows..]).abs().mean();
        return (Add(rowError, noiseError) * S(0.5 / half)).MoveToOuterDisposeScope();
    }

    public void Dispose() { planes.Dispose(); rowBand.Dispose(); rowMask.Dispose(); }
}
