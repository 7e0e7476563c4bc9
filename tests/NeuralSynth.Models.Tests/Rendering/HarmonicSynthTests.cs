using NeuralSynth.Dsp;
using NeuralSynth.Dsp.Neural;
using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Models.Tests.Gansynth;
using NeuralSynth.Models.Vocoder;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Tests.Rendering;

/// The additive path: its oscillator kernels against Math.Cos, its notes against the mel the harmonic head computes,
/// and NoteRenderer playing it.
public class HarmonicSynthTests
{
    [Theory]
    [InlineData(KernelPath.Scalar)]
    [InlineData(KernelPath.Vector256)]
    [InlineData(KernelPath.Vector512)]
    [InlineData(KernelPath.Auto)]
    public void PartialsMatchTheCosineReference(KernelPath path)
    {
        const int hop = 256, frames = 24;
        var rng = new Random(4);
        foreach (double hz in new[] { 32.7, 440.0, 3_951.1, 7_990.0 })
        {
            var env = Enumerable.Range(0, frames).Select(t => t % 7 == 3 ? 0f : (float)rng.NextDouble()).ToArray();
            double omega = 2 * Math.PI * hz / 16_000, phase = rng.NextDouble() * 6;
            var ours = new float[frames * hop];
            var reference = new float[frames * hop];
            ours[5] = reference[5] = 0.25f; // adds to what is there
            HarmonicSynth.AddPartial(ours, env, hop, omega, phase, path);
            HarmonicSynth.AddPartialReference(reference, env, hop, omega, phase);
            float worst = 0;
            for (int i = 0; i < ours.Length; i++) worst = Math.Max(worst, Math.Abs(ours[i] - reference[i]));
            Assert.True(worst < 2e-5f, $"{path}, {hz} Hz: differs from the reference by {worst:E2}");
        }
    }

    /// A partial's levels are smoothed over frames: a straight course (a steady decay) passes unchanged, frame-to-frame
    /// jitter is removed, the first and last frames stay as painted.
    [Fact]
    public void SmoothingKeepsACourseAndRemovesJitter()
    {
        var ramp = Enumerable.Range(0, 12).Select(t => -2f - 0.1f * t).ToArray();
        var smoothed = (float[])ramp.Clone();
        HarmonicSynth.SmoothLevels(smoothed);
        for (int t = 0; t < ramp.Length; t++) Assert.Equal(ramp[t], smoothed[t], 5);
        var jitter = Enumerable.Range(0, 12).Select(t => -3f + (t % 2 == 0 ? 0.5f : -0.5f)).ToArray();
        HarmonicSynth.SmoothLevels(jitter);
        Assert.Equal(-2.5f, jitter[0]);
        Assert.Equal(-3.5f, jitter[^1]);
        for (int t = 1; t < jitter.Length - 1; t++) Assert.Equal(-3f, jitter[t], 5);
    }

    /// A note made from chosen planes shows, in its own STFT mel, the log-mel the harmonic head's fixed layer computes
    /// from the same planes (sum_r M[p, m, r] exp(a_r) + exp(noise)), and YIN hears its pitch.
    [Theory]
    [InlineData(45)]
    [InlineData(69)]
    public void ANotesMelIsTheHarmonicHeadsMel(int pitch)
    {
        var s = SpectralConfig.Default;
        const int minPitch = 24, maxPitch = 84, frames = 48;
        int mels = s.NMels, rows = mels, plane = mels * frames;
        var basis = HarmonicMelBasis.Compute(s.SampleRate, s.NFft, s.Hop, mels, s.FMin, s.FMax, minPitch, maxPitch, rows);
        var planes = new float[3 * plane];
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < frames; t++) planes[r * frames + t] = -1.5f - 0.25f * r - 0.01f * t; // a decaying note, its mel falling with the harmonic number as real ones do
        for (int i = 0; i < plane; i++) planes[plane + i] = -9f;                                      // a quiet noise floor
        for (int m = 0; m < mels; m++)
            for (int t = 0; t < frames; t++) planes[2 * plane + m * frames + t] = m >= 50 ? 0.5f : 1f; // the filter halves the top bands
        int p = pitch - minPitch;
        var audio = new HarmonicSynth(s, basis, minPitch).Render(planes, frames, p, filter: true);
        Assert.Equal(frames * s.Hop, audio.Length);

        var melW = MelFilterBank.CreateRowMajor(s.SampleRate, s.NFft, mels, s.FMin, s.FMax);
        int bins = s.NFft / 2 + 1;
        var stft = Stft.Forward(audio, s.NFft, s.Hop);
        double sum = 0; int count = 0;
        for (int t = 4; t < frames - 4; t++)
            for (int m = 0; m < mels; m++)
            {
                double expected = Math.Exp(planes[plane + m * frames + t]), got = 0;
                for (int r = 0; r < rows; r++) expected += basis.Magnitude[(p * mels + m) * rows + r] * Math.Exp(planes[r * frames + t]) * planes[2 * plane + m * frames + t];
                for (int k = 0; k < bins; k++)
                {
                    int o = t * bins + k;
                    got += melW[m * bins + k] * Math.Sqrt((double)stft.Re[o] * stft.Re[o] + (double)stft.Im[o] * stft.Im[o]);
                }
                if (Math.Log(expected) < -7) continue; // judge the audible bands: below, the noise's own randomness dominates
                sum += Math.Abs(Math.Log(Math.Max(got, s.LogFloor)) - Math.Log(expected));
                count++;
            }
        Assert.True(count > 100, $"only {count} audible bands compared");
        Assert.True(sum / count < 0.12, $"MIDI {pitch}: the note's mel is {sum / count:F3} nats from the head's on average");
        float f0 = Yin.MedianPitch(audio, s.SampleRate, 25, 2000);
        Assert.True(Math.Abs(Yin.Cents(f0, Yin.MidiToHz(pitch))) < 5, $"MIDI {pitch}: YIN hears {f0:F2} Hz");
    }

    /// A low note with many equal partials is not a pulse train: its crest factor (peak over RMS) stays near a noisy
    /// sum's, far below the 10 log10(2 N) dB of N partials in phase (or with phases linear in the harmonic number,
    /// which only shift the pulse: the golden-ratio sequence this renderer used until 2026-12-07).
    [Fact]
    public void ALowNoteIsNotAPulseTrain()
    {
        var s = SpectralConfig.Default;
        const int minPitch = 24, maxPitch = 84, frames = 32, pitch = 28;
        int mels = s.NMels, rows = mels, plane = mels * frames;
        var basis = HarmonicMelBasis.Compute(s.SampleRate, s.NFft, s.Hop, mels, s.FMin, s.FMax, minPitch, maxPitch, rows);
        var planes = new float[2 * plane];
        int top = HarmonicAnalysis.TopHarmonic(basis, pitch - minPitch);
        for (int r = 0; r < rows; r++)
        {
            // Each row at the level that plays its harmonic at amplitude 0.01 (HarmonicSynth plays exp(a) / HarmonicPeak).
            int h = Math.Clamp((int)Math.Round(HarmonicAnalysis.RowHarmonics(rows)[r]), 1, top);
            for (int t = 0; t < frames; t++) planes[r * frames + t] = MathF.Log(0.01f * basis.HarmonicPeak[(pitch - minPitch) * HarmonicMelBasis.MaxHarmonic + h - 1]);
        }
        Array.Fill(planes, -30f, plane, plane); // no noise
        var audio = new HarmonicSynth(s, basis, minPitch).Render(planes, frames, pitch - minPitch, filter: false);
        var sustain = audio.AsSpan(4 * s.Hop, (frames - 8) * s.Hop);
        double peak = 0, energy = 0;
        foreach (float v in sustain) { peak = Math.Max(peak, Math.Abs(v)); energy += (double)v * v; }
        double crestDb = 20 * Math.Log10(peak / Math.Sqrt(energy / sustain.Length));
        double pulseDb = 10 * Math.Log10(2.0 * top);
        Assert.True(top > 100, $"MIDI {pitch} has only {top} harmonics below the top of the mel range");
        Assert.True(crestDb < 13, $"crest factor {crestDb:F1} dB (a pulse train of {top} partials: {pulseDb:F1} dB)");
    }

    [Fact]
    public void NoteRendererPlaysHarmonicHeadsAdditivelyAndRefusesOthers()
    {
        using var temp = new TempRun("add");
        string root = temp.Dir;
        TorchSharp.torch.manual_seed(12);
        string harmonic = Path.Combine(root, "harmonic"), ifMel = Path.Combine(root, "ifmel");
        var cfg = new GansynthConfig { Head = GansynthConfig.HeadHarmonic, LatentSize = 8, MinPitch = 40, MaxPitch = 64, Velocities = [50, 100], Channels = [16, 8, 8], LogMagMax = 1.5f, Filter = true };
        using (var m = new GansynthModel(cfg)) m.Save(harmonic);
        using (var m = new GansynthModel(cfg with { Head = GansynthConfig.HeadIfMel, Filter = false })) m.Save(ifMel);

        Assert.Equal(InversionPath.Additive, NoteRenderer.DefaultPath(harmonic));
        Assert.Equal(InversionPath.If, NoteRenderer.DefaultPath(ifMel)); // no vocoder beside it
        Assert.Contains("harmonic-head", Assert.Throws<ArgumentException>(() => NoteRenderer.Load(ifMel, InversionPath.Additive)).Message);

        using var r = NoteRenderer.Load(harmonic, InversionPath.Additive);
        Assert.EndsWith($":additive:v{NoteRenderer.AdditivePathVersion}", r.ModelId);
        var requests = new[] { (40, 50), (52, 100), (64, 100) }.Select((q, i) => new NoteRequest(Latent.FromSeed(i + 1, 8), q.Item1, q.Item2)).ToList();
        var first = r.Render(requests, CancellationToken.None);
        var parallel = new float[requests.Count][];
        Parallel.For(0, requests.Count, i => parallel[i] = r.RenderOne(requests[i]));
        for (int i = 0; i < requests.Count; i++)
        {
            Assert.Equal(cfg.Samples, first[i].Length);
            Assert.True(first[i].Max(MathF.Abs) > 0, "silent note");
            Assert.Equal(first[i], parallel[i]); // deterministic, also from two threads
        }
    }

    /// With a vocoder beside the generator, the additive path takes a note's attack from it: the note's first samples
    /// are the vocoder's rendering of its first NoteRenderer.AttackFrames mel frames (raised to the additive note's level
    /// at the seam when quieter), from AttackFadeEnd on they are the
    /// additive note's, and the cache key names the vocoder.
    [Fact]
    public void TheAttackComesFromTheVocoderBesideTheGenerator()
    {
        using var temp = new TempRun("atk");
        string root = temp.Dir;
        TorchSharp.torch.manual_seed(13);
        string withVocoder = Path.Combine(root, "a", "gansynth"), vocoderDir = Path.Combine(root, "a", "vocoder"), alone = Path.Combine(root, "b", "gansynth");
        var cfg = new GansynthConfig { Head = GansynthConfig.HeadHarmonic, LatentSize = 8, MinPitch = 40, MaxPitch = 64, Velocities = [50, 100], Channels = [16, 8, 8], LogMagMax = 1.5f, Filter = true };
        using (var m = new GansynthModel(cfg)) { m.Save(withVocoder); m.Save(alone); }
        var vcfg = new VocoderConfig { BandChannels = [8, 8, 8, 8, 4], CondChannels = 16 };
        Directory.CreateDirectory(vocoderDir);
        vcfg.Save(Path.Combine(vocoderDir, VocoderModel.ConfigFile));
        using (var vg = new VocoderGenerator(vcfg)) VocoderWeights.Save(vg, Path.Combine(vocoderDir, VocoderModel.WeightsFile));

        using var hybrid = NoteRenderer.Load(withVocoder, InversionPath.Additive);
        using var pure = NoteRenderer.Load(alone, InversionPath.Additive);
        var voc = GraphVocoder.Load(vocoderDir);
        Assert.Contains(voc.WeightsId, hybrid.ModelId);
        Assert.DoesNotContain(voc.WeightsId, pure.ModelId);
        var note = new NoteRequest(Latent.FromSeed(3, 8), 52, 100);
        var a = hybrid.RenderOne(note);
        var b = pure.RenderOne(note);
        var graph = GansynthModel.LoadGraph(alone);
        var (logMel, _) = graph.Forward(note.Z.Values, cfg.PitchIndex(52), cfg.VelocityIndex(100));
        int k = NoteRenderer.AttackFrames, frames = cfg.Frames, mels = cfg.MelBins;
        var head = new float[mels * k];
        for (int m = 0; m < mels; m++) Array.Copy(logMel, m * frames, head, m * k, k);
        var attack = voc.Synthesize(head, k, (float)Yin.MidiToHz(52), withPostFilter: false);
        int fadeIn = (int)Math.Round(NoteRenderer.FadeInSeconds * cfg.Spectral.SampleRate); // NoteRenderer.Edges' fade-in, on every path
        // The additive note as both renderers play it before Edges (whose DC blocker runs on into the note).
        var raw = new HarmonicSynth(cfg.Spectral, HarmonicMelBasis.Compute(cfg.Spectral.SampleRate, cfg.Spectral.NFft, cfg.Spectral.Hop, cfg.MelBins,
            cfg.Spectral.FMin, cfg.Spectral.FMax, cfg.MinPitch, cfg.MaxPitch, cfg.MelBins), cfg.MinPitch).Render(graph.Planes, frames, cfg.PitchIndex(52), cfg.Filter);
        float g = NoteRenderer.SeamGain(raw.AsSpan(0, NoteRenderer.AttackFadeEnd), attack.AsSpan(0, NoteRenderer.AttackFadeEnd));
        Assert.InRange(g, 1f, NoteRenderer.MaxSeamGain);
        var crossed = (float[])raw.Clone();
        for (int i = 0; i < NoteRenderer.AttackFadeStart; i++) Assert.NotEqual(g * attack[i], raw[i]);
        NoteRenderer.CrossIn(crossed, attack, NoteRenderer.AttackFadeEnd);
        for (int i = 0; i < NoteRenderer.AttackFadeStart; i++) Assert.Equal(g * attack[i], crossed[i], 6);
        for (int i = NoteRenderer.AttackFadeEnd; i < raw.Length; i++) Assert.Equal(raw[i], crossed[i]);
        var expectedA = NoteRenderer.Edges(crossed, cfg.Spectral.SampleRate);
        var expectedB = NoteRenderer.Edges((float[])raw.Clone(), cfg.Spectral.SampleRate);
        for (int i = 0; i < a.Length; i++) { Assert.Equal(expectedA[i], a[i], 5); Assert.Equal(expectedB[i], b[i], 5); }
        Assert.NotEqual(b[NoteRenderer.AttackFadeStart / 2], a[NoteRenderer.AttackFadeStart / 2]);
    }

    /// The crossfade into the additive note never dips: an attack quieter than the note over the seam is raised to the
    /// note's RMS there (its shape kept), a louder one is kept as it is, and the gain stops at MaxSeamGain.
    [Fact]
    public void TheVocoderAttackMeetsTheAdditiveNoteAtItsLevel()
    {
        int end = NoteRenderer.AttackFadeEnd;
        float[] Tone(float amp) => Enumerable.Range(0, end).Select(i => amp * MathF.Sin(0.05f * i)).ToArray();
        float[] Noise(float amp) { var r = new Random(5); return Enumerable.Range(0, end).Select(_ => amp * (float)(r.NextDouble() * 2 - 1)).ToArray(); }
        double SeamRms(float[] x) => Math.Sqrt(x.Skip(NoteRenderer.AttackFadeStart).Average(v => (double)v * v));

        var quiet = Noise(0.1f); // RMS 0.058 against the tone's 0.35: a gain of 6
        var note = Tone(0.5f);
        float g = NoteRenderer.SeamGain(note, quiet);
        Assert.Equal(SeamRms(note), g * SeamRms(quiet), 3);
        var crossed = (float[])note.Clone();
        NoteRenderer.CrossIn(crossed, quiet, end);
        for (int i = 0; i < NoteRenderer.AttackFadeStart; i++) Assert.Equal(g * quiet[i], crossed[i], 6);
        Assert.True(SeamRms(crossed) > 0.6 * SeamRms(note), $"seam RMS {SeamRms(crossed):F3} dips below the note's {SeamRms(note):F3}");

        Assert.Equal(1f, NoteRenderer.SeamGain(note, Noise(2f)));
        Assert.Equal(NoteRenderer.MaxSeamGain, NoteRenderer.SeamGain(note, Noise(1e-4f)));
        Assert.Equal(1f, NoteRenderer.SeamGain(note, new float[end]));
    }

    /// Every note leaves Edges without an offset: a steady one is gone within a few tens of milliseconds while MIDI 24's
    /// fundamental keeps its level within 0.15 dB; a short one (a vocoder attack's) passes, followed by a tail of the
    /// opposite sign, so the note's mean is 0 and a song of many notes builds no offset.
    [Fact]
    public void NotesLeaveNoDcOffset()
    {
        int sr = 16000;
        double f0 = Yin.MidiToHz(24);
        var x = Enumerable.Range(0, 2 * sr).Select(i => (float)(0.01 + 0.2 * Math.Sin(2 * Math.PI * f0 * i / sr))).ToArray();
        NoteRenderer.Edges(x, sr);
        var settled = x.Skip(sr / 4).Take((int)Math.Round(32 * sr / f0)).ToArray(); // 32 periods; the blocker's time constant is 32 ms
        Assert.InRange(settled.Average(), -2e-4, 2e-4);
        Assert.InRange(20 * Math.Log10(settled.Max(v => Math.Abs(v)) / 0.2), -0.15, 0.01);

        var bump = new float[2 * sr];
        for (int i = 0; i < 320; i++) bump[i] = 1e-3f; // 20 ms on an offset, then silence
        NoteRenderer.Edges(bump, sr);
        Assert.True(bump[20] > 0.95e-3f, $"the short offset passes: {bump[20]}");
        Assert.True(bump[400] < 0, "and is followed by a tail of the opposite sign");
        Assert.InRange(bump.Sum(v => (double)v), -2e-3, 2e-3); // against 0.32 before
    }

    /// The additive path's floor (eval gansynth --reconstruct): a note measured back to its planes and played again
    /// sounds like the note: here one the additive synth made, whose spectrum comes back band by band.
    [Fact]
    public void AMeasuredNotePlaysBackAsItself()
    {
        using var temp = new TempRun("measured");
        string root = temp.Dir;
        TorchSharp.torch.manual_seed(21);
        string dir = Path.Combine(root, "gansynth");
        var cfg = new GansynthConfig { Head = GansynthConfig.HeadHarmonic, LatentSize = 8, MinPitch = 40, MaxPitch = 64, Velocities = [50, 100], Channels = [16, 8, 8], LogMagMax = 1.5f };
        using (var m = new GansynthModel(cfg)) m.Save(dir);
        using var r = NoteRenderer.Load(dir, InversionPath.Additive);
        var s = cfg.Spectral;
        using var mel = new MelSpectrogram(s);
        var basis = HarmonicMelBasis.Compute(s.SampleRate, s.NFft, s.Hop, s.NMels, s.FMin, s.FMax, cfg.MinPitch, cfg.MaxPitch, s.NMels);
        foreach (int pitch in new[] { 45, 60 })
        {
            // A harmonic note (falling partials over a quiet noise floor) made by the path itself.
            int rows = s.NMels, frames = cfg.Frames;
            var planes = new float[2 * rows * frames];
            for (int row = 0; row < rows; row++)
                for (int t = 0; t < frames; t++) planes[row * frames + t] = -1.5f - 0.2f * row - 0.005f * t;
            Array.Fill(planes, -8f, rows * frames, rows * frames);
            var note = NoteRenderer.Edges(new HarmonicSynth(s, basis, cfg.MinPitch).Render(planes, frames, pitch - cfg.MinPitch, filter: false), s.SampleRate);
            var lm = mel.LogMel(note);
            var flat = new float[lm.Length];
            Buffer.BlockCopy(lm, 0, flat, 0, flat.Length * sizeof(float));
            var again = r.RenderMeasured(note, flat, pitch);
            Assert.Equal(note.Length, again.Length);
            var lm2 = mel.LogMel(again);
            // Band by band over the note's interior (the noise's two realisations differ frame by frame).
            double sum = 0; int count = 0;
            for (int m = 0; m < s.NMels; m++)
            {
                double a = 0, b = 0;
                for (int t = 4; t < cfg.Frames - 4; t++) { a += lm[m, t]; b += lm2[m, t]; }
                a /= cfg.Frames - 8; b /= cfg.Frames - 8;
                if (a > -7) { sum += Math.Abs(a - b); count++; }
            }
            Assert.True(count > 20, $"MIDI {pitch}: only {count} audible bands");
            Assert.True(sum / count < 0.08, $"MIDI {pitch}: the measured note's bands are {sum / count:F3} nats from the note's");
            Assert.True(Math.Abs(Yin.MedianPitch(again, s.SampleRate, 25, 2000) - Yin.MidiToHz(pitch)) / Yin.MidiToHz(pitch) < 0.01, $"MIDI {pitch}: out of tune");
        }
        using var vocoderPath = NoteRenderer.Load(dir, InversionPath.If);
        Assert.Throws<InvalidOperationException>(() => vocoderPath.RenderMeasured(new float[cfg.Samples], new float[s.NMels * cfg.Frames], 60));
    }
}
