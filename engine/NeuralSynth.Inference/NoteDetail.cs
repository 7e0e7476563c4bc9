using NeuralSynth.Formats;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Rendering;

/// What the generator misses of each training note, per harmonic: the note's own level over the generator's copy of
/// it (the note played from its instrument's timbre code at its pitch and velocity), ln amplitude, energy over the
/// whole note. The additive path adds it to the note it plays: a request near code k plays instrument k's detail of the
/// training note nearest its pitch in its velocity layer.
///
/// Why: the generator plays each instrument's smooth envelope over pitch; the real notes depart from it note by note
/// (each SoundFont sample zone, its formants and resonances) by 0.3-0.6 ln (3-5 dB) rms on the first harmonics and ~1 ln
/// above the 20th, and the judge hears a set of notes whose envelopes do not vary so (EVAL.md phase 26: the same 1,000
/// generated notes, FID 122.15 without, 115.64 with; at 8,565 notes 103.33 -> 96.34). The renderer shifts each note's
/// detail so its partials keep the generator's energy (NoteRenderer.PlayPlanes), and a training note whose detail would
/// move its pitch lends none (DetailMeasurement.InTune). Measured by `neuralsynth eval detail` from the
/// training split against the generator it ships with (GeneratorId guards against a retrained generator).
public sealed class NoteDetail
{
    public const string FileName = "detail.safetensors";
    /// The harmonics measured by default: all the additive path plays (a low note's 100-250 partials under 8 kHz carry
    /// detail too: the first 64 alone scored 116.75 where all score 115.95, EVAL.md phase 26).
    public const int DefaultHarmonics = NeuralSynth.Dsp.Neural.HarmonicMelBasis.MaxHarmonic;
    /// Stored as signed bytes of MaxDetail / 127 ln (0.2 dB): 8,565 notes x 256 harmonics in 2.2 MB.
    public const float Step = MaxDetail / 127;
    /// A note's detail is clamped to +-MaxDetail ln (+-26 dB): a harmonic the copy plays far off is not a detail.
    public const float MaxDetail = 3;
    /// A harmonic whose real level stays within ActiveMargin ln of the floor in fewer than MinActiveFrames frames
    /// has no detail (0): the real note does not play it, so its level over the copy's is noise.
    public const float ActiveMargin = 2;
    public const int MinActiveFrames = 4;

    /// The hash of the generator weights (ModelFiles.Hash of model.safetensors) the copies were played by.
    public string GeneratorId { get; }
    /// Content id of the file (part of NoteRenderer.ModelId: cached notes never outlive a re-measured detail).
    public string Id { get; }
    public int Count => code.Length;
    public int Harmonics { get; }

    readonly int[] code, pitch, velocity;
    readonly float[] levels; // [Count, Harmonics]
    readonly int[] nearest;  // [codes, velocity layers, pitches] -> note index, or -1 (a code with no notes)
    readonly int layers, pitches, minPitch;

    public NoteDetail(string generatorId, int[] code, int[] pitch, int[] velocity, float[] levels, int harmonics, GansynthConfig config, string? id = null)
    {
        if (code.Length != pitch.Length || code.Length != velocity.Length || levels.Length != (long)code.Length * harmonics)
            throw new ArgumentException($"detail of {code.Length} notes has {pitch.Length} pitches, {velocity.Length} velocities and {levels.Length} levels for {harmonics} harmonics");
        if (harmonics < 1 || harmonics > NeuralSynth.Dsp.Neural.HarmonicMelBasis.MaxHarmonic) throw new ArgumentException($"detail has {harmonics} harmonics, expected 1-{NeuralSynth.Dsp.Neural.HarmonicMelBasis.MaxHarmonic}");
        if (!config.HasCodes) throw new ArgumentException("note detail needs a model with timbre codes");
        for (int i = 0; i < code.Length; i++)
        {
            if ((uint)code[i] >= (uint)config.Codes.Length) throw new ArgumentException($"note {i} names code {code[i]}, the model has {config.Codes.Length}");
            if (pitch[i] < config.MinPitch || pitch[i] > config.MaxPitch) throw new ArgumentException($"note {i} has pitch {pitch[i]}, outside the model's {config.MinPitch}-{config.MaxPitch}");
        }
        foreach (float v in levels)
            if (!(Math.Abs(v) <= MaxDetail + Step / 2)) throw new ArgumentException($"a detail level is {v}, outside +-{MaxDetail}");
        GeneratorId = generatorId;
        this.code = code; this.pitch = pitch; this.velocity = velocity; this.levels = levels;
        Harmonics = harmonics;
        Id = id ?? generatorId + "-" + code.Length;
        layers = Math.Max(1, config.Velocities.Length);
        pitches = config.MaxPitch - config.MinPitch + 1;
        minPitch = config.MinPitch;
        nearest = new int[config.Codes.Length * layers * pitches];
        // Each (code, layer, pitch): the code's note of that layer nearest in pitch; failing one in that layer, of any
        // layer (a layer the data lacks for an instrument). Ties go to the lower pitch.
        var layerOf = velocity.Select(config.VelocityIndex).ToArray();
        var notesOf = new List<int>[config.Codes.Length];
        for (int c = 0; c < notesOf.Length; c++) notesOf[c] = [];
        for (int i = 0; i < code.Length; i++) notesOf[code[i]].Add(i);
        for (int c = 0; c < config.Codes.Length; c++)
            for (int l = 0; l < layers; l++)
                for (int p = 0; p < pitches; p++)
                {
                    int best = -1, bestScore = int.MaxValue;
                    foreach (int i in notesOf[c])
                    {
                        int score = Math.Abs(pitch[i] - minPitch - p) * 2 + (pitch[i] - minPitch > p ? 1 : 0) + (layerOf[i] == l ? 0 : 1000);
                        if (score < bestScore) { bestScore = score; best = i; }
                    }
                    nearest[(c * layers + l) * pitches + p] = best;
                }
    }

    /// The detail a note near code k plays at this pitch and velocity layer (empty for a code without notes).
    public ReadOnlySpan<float> For(int k, int pitch, int velocityLayer)
    {
        int p = Math.Clamp(pitch - minPitch, 0, pitches - 1), l = Math.Clamp(velocityLayer, 0, layers - 1);
        int i = nearest[(k * layers + l) * pitches + p];
        return i < 0 ? default : levels.AsSpan(i * Harmonics, Harmonics);
    }

    /// Note i's timbre code and its levels (index h - 1).
    public int CodeOf(int i) => code[i];
    public ReadOnlySpan<float> LevelsOf(int i) => levels.AsSpan(i * Harmonics, Harmonics);

    /// One harmonic's detail: its real levels over the copy's (ln, per frame, as HarmonicSynth.Level gives them), as the
    /// ratio of their energies over the note, clamped; 0 where the real note does not play the harmonic.
    public static float Measure(ReadOnlySpan<float> real, ReadOnlySpan<float> copy, float floor)
    {
        if (real.Length != copy.Length) throw new ArgumentException($"{real.Length} real frames, {copy.Length} copied");
        double er = 0, ec = 0;
        int active = 0;
        for (int t = 0; t < real.Length; t++)
        {
            er += Math.Exp(2.0 * real[t]);
            ec += Math.Exp(2.0 * copy[t]);
            if (real[t] > floor + ActiveMargin) active++;
        }
        if (active < MinActiveFrames || !(ec > 0)) return 0;
        return (float)Math.Clamp(0.5 * Math.Log(er / ec), -MaxDetail, MaxDetail);
    }

    public void Save(string path)
    {
        var meta = new Dictionary<string, string> { ["generator"] = GeneratorId, ["what"] = $"ln(real / copy) per harmonic of each training note in steps of {MaxDetail} / 127 (NoteDetail)" };
        SafeTensors.Write(path, new[]
        {
            new TensorData("detail", "I8", [Count, Harmonics], levels.Select(v => (byte)(sbyte)Math.Round(v / Step)).ToArray()),
            TensorData.FromInt64s("code", code.Select(v => (long)v).ToArray(), [Count]),
            TensorData.FromInt64s("pitch", pitch.Select(v => (long)v).ToArray(), [Count]),
            TensorData.FromInt64s("velocity", velocity.Select(v => (long)v).ToArray(), [Count]),
        }, meta);
    }

    /// The detail in a model folder, or null when it has none. A file that is malformed, does not fit the config, or was
    /// measured against other weights is an InvalidFileException naming it and how to make it again.
    public static NoteDetail? Load(string modelDir, string generatorId, GansynthConfig config)
    {
        string path = Path.Combine(modelDir, FileName);
        if (!File.Exists(path)) return null;
        string remake = $"make it again with `neuralsynth eval detail --data DIR --model {modelDir}`";
        var tensors = SafeTensors.Read(path, out var meta);
        if (!meta.TryGetValue("generator", out var measuredFor))
            throw new InvalidFileException(path, 0, $"no 'generator' entry in its metadata; {remake}");
        if (measuredFor != generatorId)
            throw new InvalidFileException(path, 0, $"measured against generator weights {measuredFor}, the folder's model.safetensors is {generatorId}; {remake}");
        TensorData Get(string name, int dims) =>
            tensors.TryGetValue(name, out var t) && t.Shape.Length == dims ? t
            : throw new InvalidFileException(path, 0, $"no {dims}-d tensor '{name}'; {remake}");
        try
        {
            var d = Get("detail", 2);
            int n = (int)d.Shape[0], h = (int)d.Shape[1];
            int[] Ints(string name)
            {
                var t = Get(name, 1);
                if (t.Shape[0] != n) throw new InvalidFileException(path, 0, $"'{name}' has {t.Shape[0]} entries, 'detail' {n} notes");
                return t.ToInt64s().Select(v => (int)Math.Clamp(v, int.MinValue, int.MaxValue)).ToArray();
            }
            // Signed bytes in steps of Step as written; a float tensor as it is.
            var levels = d.DType == "I8" ? d.ToInt64s().Select(v => v * Step).ToArray() : d.ToFloats();
            return new NoteDetail(generatorId, Ints("code"), Ints("pitch"), Ints("velocity"), levels, h, config, ModelFiles.Hash(path));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { throw new InvalidFileException(path, 0, $"{e.Message}; {remake}"); }
    }
}
