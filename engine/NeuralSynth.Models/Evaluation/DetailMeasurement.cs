using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Dataset;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Realtime;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Evaluation;

/// `neuralsynth eval detail`: a generator's NoteDetail, measured from the training split it learned its timbre codes
/// on. Each training note: its measured planes (HarmonicAnalysis) beside the generator's copy of it (its instrument's
/// code at its pitch and velocity), harmonic by harmonic as the additive path plays them (HarmonicSynth.Level).
public static class DetailMeasurement
{
    public static NoteDetail Measure(string dataDir, string modelDir, int harmonics = NoteDetail.DefaultHarmonics, Action<int, int>? progress = null)
    {
        using var renderer = NoteRenderer.Load(modelDir, InversionPath.Additive, detail: false);
        var cfg = renderer.Config;
        if (!cfg.HasCodes || cfg.CodeNames.Length != cfg.Codes.Length)
            throw new ArgumentException($"{modelDir}: note detail needs a model with named timbre codes (config codes / code_names)");
        var train = NoteDataset.Load(dataDir, "train");
        var notes = train.Examples.Where(e => e.Pitch >= cfg.MinPitch && e.Pitch <= cfg.MaxPitch && cfg.CodeNames.Contains(e.InstrumentStr)).ToList();
        var missing = cfg.CodeNames.Except(notes.Select(e => e.InstrumentStr)).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"{dataDir}: the train split has no notes at MIDI {cfg.MinPitch}-{cfg.MaxPitch} of the model's instruments {string.Join(", ", missing)}");
        var spectral = cfg.Spectral;
        int frames = cfg.Frames, n = notes.Count;
        var levels = new float[n * harmonics];
        var codes = notes.Select(e => Array.IndexOf(cfg.CodeNames, e.InstrumentStr)).ToArray();
        using var mel = new MelSpectrogram(spectral);
        const int batch = 16;
        for (int start = 0; start < n; start += batch)
        {
            var part = notes.Skip(start).Take(batch).ToList();
            var audio = part.Select(e => spectral.FitLength(train.LoadAudio(e, spectral.SampleRate))).ToArray();
            float[][] logMel;
            using (var scope = NewDisposeScope())
            {
                var lm = mel.LogMel(stack(audio.Select(a => tensor(a)).ToArray()));
                logMel = Enumerable.Range(0, part.Count).Select(i => lm[i].contiguous().data<float>().ToArray()).ToArray();
            }
            Parallel.For(0, part.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            {
                var e = part[i];
                int note = start + i, pitchIndex = cfg.PitchIndex(e.Pitch);
                var real = renderer.MeasuredPlanes(audio[i], logMel[i], e.Pitch);
                var copy = renderer.PlanesOf(new NoteRequest(new Latent(cfg.Codes[codes[note]]), e.Pitch, e.Velocity));
                var lr = new float[frames];
                var lc = new float[frames];
                int top = Math.Min(harmonics, renderer.Synth.Harmonics(pitchIndex));
                for (int h = 1; h <= top; h++)
                {
                    renderer.Synth.Level(real, frames, pitchIndex, filter: false, h, lr);
                    renderer.Synth.Level(copy, frames, pitchIndex, cfg.Filter, h, lc);
                    levels[note * harmonics + h - 1] = NoteDetail.Measure(lr, lc, cfg.LogMagMin);
                }
            });
            progress?.Invoke(Math.Min(start + batch, n), n);
        }
        return new NoteDetail(renderer.GeneratorId, codes, notes.Select(e => e.Pitch).ToArray(), notes.Select(e => e.Velocity).ToArray(), levels, harmonics, cfg);
    }
}
