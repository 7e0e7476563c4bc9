using NeuralSynth.Dsp.Neural;
using NeuralSynth.Formats;
using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Models.Tests.Gansynth;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Tests.Rendering;

/// NoteDetail: the additive path raising each harmonic by its detail, the measurement hearing a detail put into a
/// note, the file and its lookup, and NoteRenderer playing a model folder's detail.
public class NoteDetailTests
{
    const int MinPitch = 24, MaxPitch = 84;

    static (SpectralConfig S, HarmonicMelBasis Basis) Basis()
    {
        var s = SpectralConfig.Default;
        return (s, HarmonicMelBasis.Compute(s.SampleRate, s.NFft, s.Hop, s.NMels, s.FMin, s.FMax, MinPitch, MaxPitch, s.NMels));
    }

    /// Steady planes: every harmonic at amplitude 0.02 / h, no noise, no filter plane.
    static float[] SteadyPlanes(HarmonicMelBasis basis, int pitch, int frames)
    {
        int rows = basis.Rows, plane = basis.Mels * frames, p = pitch - MinPitch;
        var planes = new float[2 * plane];
        int top = HarmonicAnalysis.TopHarmonic(basis, p);
        var rowH = HarmonicAnalysis.RowHarmonics(rows);
        for (int r = 0; r < rows; r++)
        {
            double h = Math.Min(rowH[r], top);
            float peak = basis.HarmonicPeak[p * HarmonicMelBasis.MaxHarmonic + (int)Math.Round(h) - 1];
            for (int t = 0; t < frames; t++) planes[r * frames + t] = MathF.Log(0.02f / (float)h * peak);
        }
        Array.Fill(planes, -30f, plane, plane);
        return planes;
    }

    /// Amplitude of the component at hz over the middle of the note (a windowless DFT over whole periods of it).
    static double Amplitude(float[] audio, double hz, int sampleRate)
    {
        int start = audio.Length / 4, n = (int)(Math.Floor(audio.Length / 2 * hz / sampleRate) * sampleRate / hz);
        double re = 0, im = 0;
        for (int i = 0; i < n; i++)
        {
            double w = 2 * Math.PI * hz * (start + i) / sampleRate;
            re += audio[start + i] * Math.Cos(w);
            im += audio[start + i] * Math.Sin(w);
        }
        return 2 * Math.Sqrt(re * re + im * im) / n;
    }

    [Fact]
    public void DetailRaisesEachHarmonicByItsLevelAndLeavesTheOthers()
    {
        var (s, basis) = Basis();
        const int pitch = 57, frames = 64; // 220 Hz: its partials lie 220 Hz apart, far beyond a half-note DFT's width
        var planes = SteadyPlanes(basis, pitch, frames);
        var synth = new HarmonicSynth(s, basis, MinPitch);
        var plain = synth.Render(planes, frames, pitch - MinPitch, filter: false);
        var detail = new float[8];
        detail[0] = MathF.Log(2); detail[2] = -MathF.Log(2); detail[5] = 1.5f;
        var detailed = synth.Render(planes, frames, pitch - MinPitch, filter: false, detail);
        double f0 = NeuralSynth.Dsp.Yin.MidiToHz(pitch);
        for (int h = 1; h <= 10; h++)
        {
            double ratio = Amplitude(detailed, h * f0, s.SampleRate) / Amplitude(plain, h * f0, s.SampleRate);
            double expected = Math.Exp(h <= detail.Length ? detail[h - 1] : 0);
            Assert.True(Math.Abs(Math.Log(ratio / expected)) < 0.01, $"harmonic {h}: x{ratio:F3}, expected x{expected:F3}");
        }
    }

    /// A note played with a known detail, analysed as a real note is (HarmonicAnalysis) and set beside the note played
    /// without it, gives that detail back: what `eval detail` does with each training note and its copy.
    [Fact]
    public void MeasuringANotePlayedWithADetailGivesThatDetail()
    {
        var (s, basis) = Basis();
        const int pitch = 52, frames = 64;
        int p = pitch - MinPitch;
        var copy = SteadyPlanes(basis, pitch, frames);
        var synth = new HarmonicSynth(s, basis, MinPitch);
        var put = new float[12];
        for (int h = 0; h < put.Length; h++) put[h] = 0.6f * MathF.Sin(1.7f * h);
        var audio = synth.Render(copy, frames, p, filter: false, put);
        using var mel = new MelSpectrogram(s);
        var lm = mel.LogMel(audio);
        var logMel = new float[lm.Length];
        Buffer.BlockCopy(lm, 0, logMel, 0, lm.Length * sizeof(float));
        var real = HarmonicAnalysis.Planes(audio, logMel, NeuralSynth.Dsp.Yin.MidiToHz(pitch), p, basis, s.SampleRate, s.NFft, s.Hop, frames, -11.512925f, 1.5f);
        var lr = new float[frames];
        var lc = new float[frames];
        for (int h = 1; h <= put.Length; h++)
        {
            synth.Level(real, frames, p, filter: false, h, lr);
            synth.Level(copy, frames, p, filter: false, h, lc);
            float got = NoteDetail.Measure(lr, lc, -11.512925f);
            Assert.True(Math.Abs(got - put[h - 1]) < 0.05, $"harmonic {h}: measured {got:F3}, put {put[h - 1]:F3}");
        }
        // A harmonic the real note does not play has no detail, however loud the copy.
        var silent = Enumerable.Repeat(-11.5f, frames).ToArray();
        Assert.Equal(0f, NoteDetail.Measure(silent, lc, -11.512925f));
        // One that is far off is clamped.
        Assert.Equal(NoteDetail.MaxDetail, NoteDetail.Measure(lc.Select(v => v + 10).ToArray(), lc, -11.512925f));
    }

    /// The gain of a detail is that of its partials' energy: a detail of d on every harmonic raises them e^d times;
    /// on one harmonic, by that harmonic's share.
    [Fact]
    public void ADetailsGainIsItsPartialsEnergyRatio()
    {
        var (s, basis) = Basis();
        const int pitch = 57, frames = 32;
        var planes = SteadyPlanes(basis, pitch, frames);
        var synth = new HarmonicSynth(s, basis, MinPitch);
        int top = synth.Harmonics(pitch - MinPitch);
        Assert.Equal(MathF.Exp(0.7f), synth.DetailGain(planes, frames, pitch - MinPitch, false, Enumerable.Repeat(0.7f, top).ToArray()), 4);
        Assert.Equal(1f, synth.DetailGain(planes, frames, pitch - MinPitch, false, default));
        // Harmonic h at 0.02 / h: the first holds 1 / sum(1 / h^2) of the energy.
        double share = 1 / Enumerable.Range(1, top).Sum(h => 1.0 / (h * h));
        double expected = Math.Sqrt(1 + share * (Math.Exp(2 * 0.5) - 1));
        Assert.Equal(expected, synth.DetailGain(planes, frames, pitch - MinPitch, false, [0.5f]), 3);
    }

    /// A note lends detail only where YIN hears it at its key.
    [Fact]
    public void OnlyANoteHeardAtItsKeyIsInTune()
    {
        const int sr = 16_000;
        var a3 = Enumerable.Range(0, sr).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 220 * i / sr) + 0.1 * Math.Sin(2 * Math.PI * 440 * i / sr))).ToArray();
        Assert.True(NeuralSynth.Models.Evaluation.DetailMeasurement.InTune(a3, sr, 57));
        Assert.False(NeuralSynth.Models.Evaluation.DetailMeasurement.InTune(a3, sr, 45)); // an octave under what sounds
        Assert.False(NeuralSynth.Models.Evaluation.DetailMeasurement.InTune(a3, sr, 58));
        Assert.False(NeuralSynth.Models.Evaluation.DetailMeasurement.InTune(new float[sr], sr, 57)); // silence
    }

    static GansynthConfig CodedConfig() => new()
    {
        Head = GansynthConfig.HeadHarmonic, LatentSize = 8, MinPitch = 40, MaxPitch = 64, Velocities = [50, 100], Channels = [16, 8, 8],
        LogMagMax = 1.5f, Filter = true,
        Codes = [[1, 0, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0, 0]],
        CodeNames = ["string_acoustic_001", "string_acoustic_002", "reed_acoustic_003"],
    };

    /// Notes of code 0 at MIDI 45 / 50 (velocity 50) and 60 (velocity 100), of code 1 at 44; code 2 has none. Note i's
    /// detail is Level(i) on every harmonic (whole steps of the file's quantisation, so it reads back exactly).
    static NoteDetail SmallDetail(GansynthConfig cfg, string generatorId) =>
        new(generatorId, [0, 0, 0, 1], [45, 50, 60, 44], [50, 50, 100, 50],
            Enumerable.Range(0, 4).SelectMany(i => Enumerable.Repeat(Level(i), 4)).ToArray(), 4, cfg);

    static float Level(int i) => (i + 1) * 21 * NoteDetail.Step;

    [Fact]
    public void ANoteTakesTheDetailOfItsCodesNearestNoteInItsLayer()
    {
        var cfg = CodedConfig();
        var d = SmallDetail(cfg, "abc");
        float At(int code, int pitch, int layer) => d.For(code, pitch, layer).IsEmpty ? float.NaN : d.For(code, pitch, layer)[0];
        Assert.Equal(Level(0), At(0, 40, 0));
        Assert.Equal(Level(0), At(0, 47, 0));  // 45 and 50 are 2 / 3 away
        Assert.Equal(Level(1), At(0, 48, 0));
        Assert.Equal(Level(1), At(0, 64, 0));  // 60 is nearer, but in the other layer
        Assert.Equal(Level(2), At(0, 45, 1));  // the only note of layer 1
        Assert.Equal(Level(3), At(1, 64, 1));  // code 1 has no note in layer 1: its nearest of any layer
        Assert.True(d.For(2, 50, 0).IsEmpty); // no notes: no detail
    }

    [Fact]
    public void ADetailFileRoundTripsAndABadOneIsAClearError()
    {
        using var temp = new TempRun("detail");
        var cfg = CodedConfig();
        SmallDetail(cfg, "abc").Save(Path.Combine(temp.Dir, NoteDetail.FileName));
        var loaded = NoteDetail.Load(temp.Dir, "abc", cfg)!;
        Assert.Equal(4, loaded.Count);
        Assert.Equal(Level(1), loaded.For(0, 48, 0)[3]);
        Assert.True(new FileInfo(Path.Combine(temp.Dir, NoteDetail.FileName)).Length < 1024); // a byte per level
        Assert.Null(NoteDetail.Load(Path.Combine(temp.Dir, "nothing-here"), "abc", cfg));

        var stale = Assert.Throws<InvalidFileException>(() => NoteDetail.Load(temp.Dir, "def", cfg));
        Assert.Contains(NoteDetail.FileName, stale.Message);
        Assert.Contains("eval detail", stale.Message);

        string path = Path.Combine(temp.Dir, NoteDetail.FileName);
        // A level out of range, a code the model lacks, a missing tensor: each names the file.
        foreach (var bad in new Func<TensorData[]>[]
        {
            () => [TensorData.FromFloats("detail", [9f, 0, 0, 0], [1, 4]), Ints("code", 0), Ints("pitch", 45), Ints("velocity", 50)],
            () => [TensorData.FromFloats("detail", [0f, 0, 0, 0], [1, 4]), Ints("code", 7), Ints("pitch", 45), Ints("velocity", 50)],
            () => [TensorData.FromFloats("detail", [0f, 0, 0, 0], [1, 4]), Ints("code", 0), Ints("velocity", 50)],
            () => [TensorData.FromFloats("detail", [0f, 0, 0, 0], [1, 4]), Ints("code", 0, 1), Ints("pitch", 45), Ints("velocity", 50)],
        })
        {
            SafeTensors.Write(path, bad(), new Dictionary<string, string> { ["generator"] = "abc" });
            var e = Assert.Throws<InvalidFileException>(() => NoteDetail.Load(temp.Dir, "abc", cfg));
            Assert.Contains(path, e.Message);
        }
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidFileException>(() => NoteDetail.Load(temp.Dir, "abc", cfg));
    }

    static TensorData Ints(string name, params long[] v) => TensorData.FromInt64s(name, v, [v.Length]);

    /// The additive path plays the folder's detail for the code a note is near, names it in the cache key, and refuses
    /// a detail measured for other weights; without the file (or with detail off) it plays the generator alone.
    [Fact]
    public void TheRendererPlaysTheDetailOfTheCodeANoteIsNear()
    {
        using var temp = new TempRun("rdetail");
        TorchSharp.torch.manual_seed(21);
        var cfg = CodedConfig();
        string dir = Path.Combine(temp.Dir, "gansynth");
        using (var m = new GansynthModel(cfg)) m.Save(dir);
        var request = new NoteRequest(new Latent([0.9f, 0.1f, 0, 0, 0, 0, 0, 0]), 50, 50); // near code 0
        using var plain = NoteRenderer.Load(dir, InversionPath.Additive);
        Assert.Null(plain.Detail);
        var before = plain.RenderOne(request);

        string weights = Path.Combine(dir, NoteRenderer.ModelFile);
        SmallDetail(cfg, ModelFiles.Hash(weights)).Save(Path.Combine(dir, NoteDetail.FileName));
        using var detailed = NoteRenderer.Load(dir, InversionPath.Additive);
        Assert.NotNull(detailed.Detail);
        Assert.Contains(":detail-" + detailed.Detail!.Id, detailed.ModelId);
        Assert.NotEqual(plain.ModelId, detailed.ModelId);
        var after = detailed.RenderOne(request);
        // Code 0's MIDI 50 note in layer 0 has detail Level(1) on its first four harmonics: the note is the generator's
        // planes played with it, shifted so that the partials keep the generator's energy (its level).
        var graph = GansynthModel.LoadGraph(dir);
        graph.Forward(request.Z.Values, cfg.PitchIndex(50), cfg.VelocityIndex(50));
        var s = cfg.Spectral;
        var synth = new HarmonicSynth(s, HarmonicMelBasis.Compute(s.SampleRate, s.NFft, s.Hop, cfg.MelBins, s.FMin, s.FMax, cfg.MinPitch, cfg.MaxPitch, cfg.MelBins), cfg.MinPitch);
        float[] put = [Level(1), Level(1), Level(1), Level(1)];
        float shift = MathF.Log(synth.DetailGain(graph.Planes, cfg.Frames, cfg.PitchIndex(50), cfg.Filter, put));
        Assert.True(shift > 0f, $"a positive detail raises the partials, by {shift:F3} ln before the shift");
        var expected = NoteRenderer.Edges(synth.Render(graph.Planes, cfg.Frames, cfg.PitchIndex(50), cfg.Filter, put.Select(v => v - shift).ToArray()), s.SampleRate);
        var without = NoteRenderer.Edges(synth.Render(graph.Planes, cfg.Frames, cfg.PitchIndex(50), cfg.Filter), s.SampleRate);
        Assert.Equal(expected, after);
        Assert.Equal(without, before);
        Assert.NotEqual(before, after);
        using var off = NoteRenderer.Load(dir, InversionPath.Additive, detail: false);
        Assert.Equal(before, off.RenderOne(request));
        Assert.Equal(plain.ModelId, off.ModelId);

        using (var m = new GansynthModel(cfg)) m.Save(dir); // retrained: new weights beside the old detail
        var e = Assert.Throws<InvalidFileException>(() => NoteRenderer.Load(dir, InversionPath.Additive));
        Assert.Contains("eval detail", e.Message);
    }

    /// The shipped detail was measured against the shipped generator (a retrained model without a re-measured detail
    /// fails here, not in a user's plug-in).
    [Fact]
    public void TheShippedDetailFitsTheShippedGenerator()
    {
        string? dir = RepoPresets.Model("gansynth");
        Assert.NotNull(dir);
        if (!File.Exists(Path.Combine(dir!, NoteRenderer.ConfigFile))) return; // model not in this tree
        using var r = NoteRenderer.Load(dir!, InversionPath.Additive);
        Assert.NotNull(r.Detail);
        Assert.True(r.Detail!.Count > 1000, $"{r.Detail.Count} notes");
        var note = r.RenderOne(new NoteRequest(r.Config.PriorLatent(3), 60, 90));
        Assert.True(note.All(float.IsFinite) && note.Any(v => v != 0));
    }
}
