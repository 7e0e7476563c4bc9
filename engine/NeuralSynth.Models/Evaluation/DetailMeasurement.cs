using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Dataset;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Evaluation;

/// `neuralsynth eval detail`: a generator's NoteDetail, measured from the training split it learned its timbre codes
/// on. Each training note: its measured planes (HarmonicAnalysis) beside the generator's copy of it (its instrument's
/// code at its pitch and velocity), harmonic by harmonic as the additive path plays them (HarmonicSynth.Level).
public static class DetailMeasurement
{
    /// Whether YIN hears a note within 50 cents of its key (over 0.10-0.35 s, 25-4,200 Hz, as the scale check listens).
    /// A real note it does not hear so lends no detail (its partials were measured at the key's harmonics), nor does one
    /// whose detail moves the copy off its key: organ_acoustic_019's MIDI 43-45, whose octave rank outweighs the
    /// fundamental, made the generator's notes there sound an octave up (Organ I / II +1200 cents in the scale check),
    /// and the asked pitch comes first.
    public static bool InTune(float[] audio, int sampleRate, int pitch)
    {
        int from = Math.Min(audio.Length, (int)(0.10 * sampleRate)), length = Math.Min(audio.Length - from, (int)(0.25 * sampleRate));
        float heard = NeuralSynth.Dsp.Yin.MedianPitch(audio[from..(from + length)], sampleRate, 25, Math.Min(4200, sampleRate / 2f - 1));
        return float.IsFinite(heard) && Math.Abs(NeuralSynth.Dsp.Yin.Cents(heard, NeuralSynth.Dsp.Yin.MidiToHz(pitch))) <= 50;
    }

    /// The detail, and how many training notes lent none because YIN does not hear them, or the generator's copy of them
    /// played with their detail, at their key (InTune).
    public static (NoteDetail Detail, int OffKey) Measure(string dataDir, string modelDir, int harmonics = NoteDetail.DefaultHarmonics, Action<int, int>? progress = null)
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
        int offKey = 0;
        for (int start = 0; start < n; start += batch)
        {
            var part = notes.Skip(start).Take(batch).ToList();
            var audio = part.Select(e => spectral.FitLength(train.LoadAudio(e, spectral.SampleRate))).ToArray();
            var logMel = mel.LogMels(audio);
            Parallel.For(0, part.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            {
                var e = part[i];
                int note = start + i, pitchIndex = cfg.PitchIndex(e.Pitch);
                if (!InTune(audio[i], spectral.SampleRate, e.Pitch)) { Interlocked.Increment(ref offKey); return; }
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
                // The copy played with the detail must still sound at its key.
                var mine = levels.AsSpan(note * harmonics, harmonics);
                if (!InTune(renderer.Synth.Render(copy, frames, pitchIndex, cfg.Filter, mine), spectral.SampleRate, e.Pitch))
                {
                    mine.Clear();
                    Interlocked.Increment(ref offKey);
                }
            });
            progress?.Invoke(Math.Min(start + batch, n), n);
        }
        return (new NoteDetail(renderer.GeneratorId, codes, notes.Select(e => e.Pitch).ToArray(), notes.Select(e => e.Velocity).ToArray(), levels, harmonics, cfg), offKey);
    }
}
