using System.Numerics.Tensors;
using NeuralSynth.Formats;

namespace NeuralSynth.Dsp.Neural;

/// What the C# graph needs to know of a GANSynth-style generator (GansynthConfig maps onto it).
public sealed record GeneratorShape(int LatentSize, int Pitches, int Velocities, int[] Channels, int ConvsPerStage, int Mels, int Frames,
    float LogMagMin, float LogMagMax, float LogFloor, bool Harmonic, bool Modulation = false, int MappingLayers = 0, bool Filter = false,
    int EnvelopeLayers = 0)
{
    public int Stages => Channels.Length;
    public int StartMels => Mels >> (Stages - 1);
    public int StartFrames => Frames >> (Stages - 1);
    public int OutputPlanes => Filter ? 3 : 2;
}

/// The generator's forward pass on the CPU without torch, one note at a time, from the same safetensors weights:
/// pixel-normed z ++ one-hots -> dense -> [c0, mels/2^(n-1), frames/2^(n-1)] -> per stage nearest 2x upsampling and
/// 3x3 convolutions (LeakyReLU 0.2 + pixel norm after each) -> 1x1 conv -> tanh -> the harmonic head's fixed layer
/// (or, for an IF-Mel generator, the two planes as they are). Equalized-learning-rate scales are folded into the
/// weights at load. Agrees with the torch Generator to 1e-4 (GeneratorGraphTests). Not thread-safe (scratch buffers):
/// one instance per render thread.
public sealed class GeneratorGraph
{
    /// Width of the mapping network's hidden layers (GansynthConfig.MappingWidth).
    public const int MappingWidth = 256;
    /// Width of the envelope head's hidden layers (GansynthConfig.EnvelopeWidth).
    public const int EnvelopeWidth = 256;
    readonly GeneratorShape shape;
    readonly Lazy<HarmonicMelBasis>? basisSource;
    readonly float[] inputW, inputB, outW, outB;
    readonly (float[] W, float[] B)[]? mods; // FiLM per convolution (GeneratorShape.Modulation)
    readonly float[] film = [];
    readonly (float[] W, float[] B)[]? mapping; // GeneratorShape.MappingLayers: hidden layers, then the residual's output
    readonly float[] mapped = [], hidden = [], hidden2 = [];
    readonly (float[] W, float[] B)[]? envelope; // GeneratorShape.EnvelopeLayers: hidden layers, then a level per harmonic row
    readonly float[] rowLevels = [];
    readonly PackedConv2d[] convs; // conv0 first, then the upsampling stages' convs
    readonly float[] bufA, bufB, scratch, cond, levels, work, padded;

    public GeneratorShape Shape => shape;

    public GeneratorGraph(GeneratorShape shape, IReadOnlyDictionary<string, TensorData> weights, HarmonicMelBasis? basis, string source)
        : this(shape, weights, basis is null ? null : new Lazy<HarmonicMelBasis>(basis), source) { }

    /// With the harmonic basis computed at the first note instead of at load (a render whose notes are all cached never
    /// needs it).
    public GeneratorGraph(GeneratorShape shape, IReadOnlyDictionary<string, TensorData> weights, Lazy<HarmonicMelBasis>? basis, string source)
    {
        if (shape.Harmonic && basis is null) throw new ArgumentException("a harmonic-head generator needs its HarmonicMelBasis");
        this.shape = shape;
        basisSource = basis;
        int c0 = shape.Channels[0];
        int inFeatures = shape.LatentSize + shape.Pitches + shape.Velocities;
        inputW = Scaled(weights, source, "input.weight", [(long)c0 * shape.StartMels * shape.StartFrames, inFeatures], Math.Sqrt(2) / 4 / Math.Sqrt(inFeatures));
        inputB = Scaled(weights, source, "input.bias", [(long)c0 * shape.StartMels * shape.StartFrames], 1);
        var list = new List<(float[], float[], int, int)> { Conv(weights, source, "conv0", c0, c0, 3, Math.Sqrt(2)) };
        int index = 0;
        for (int s = 1; s < shape.Stages; s++)
            for (int k = 0; k < shape.ConvsPerStage; k++)
            {
                int ci = k == 0 ? shape.Channels[s - 1] : shape.Channels[s];
                list.Add(Conv(weights, source, $"convs.{index++}", ci, shape.Channels[s], 3, Math.Sqrt(2)));
            }
        convs = list.Select(c => new PackedConv2d(c.Item1, c.Item2, c.Item3, c.Item4, 3)).ToArray();
        if (shape.Modulation)
        {
            mods = new (float[], float[])[convs.Length];
            for (int i = 0; i < convs.Length; i++)
            {
                int co = convs[i].OutChannels;
                mods[i] = (Scaled(weights, source, $"mods.{i}.weight", [2 * co, shape.LatentSize], 1 / Math.Sqrt(shape.LatentSize)),
                           Scaled(weights, source, $"mods.{i}.bias", [2 * co], 1));
            }
            film = new float[2 * shape.Channels.Max()];
        }
        if (shape.MappingLayers > 0)
        {
            mapping = Mlp(weights, source, "mapping", shape.MappingLayers, inFeatures, MappingWidth, inFeatures);
            mapped = new float[inFeatures];
        }
        if (shape.EnvelopeLayers > 0)
        {
            envelope = Mlp(weights, source, "envelope", shape.EnvelopeLayers, inFeatures, EnvelopeWidth, shape.Mels);
            rowLevels = new float[shape.Mels];
        }
        if (mapping is not null || envelope is not null)
        {
            int width = Math.Max(mapping is null ? 0 : MappingWidth, envelope is null ? 0 : EnvelopeWidth);
            hidden = new float[width]; hidden2 = new float[width];
        }
        (outW, outB, _, _) = Conv(weights, source, "toOutput", shape.Channels[^1], shape.OutputPlanes, 1, 1.0);
        int largest = 0, frames = shape.StartFrames, mels = shape.StartMels;
        for (int s = 0; s < shape.Stages; s++, frames *= 2, mels *= 2)
            largest = Math.Max(largest, Math.Max(shape.Channels[s], s > 0 ? shape.Channels[s - 1] : 0) * mels * frames); // upsampled input too
        largest = Math.Max(largest, 4 * shape.Mels * shape.Frames);
        bufA = new float[largest]; bufB = new float[largest]; scratch = new float[largest];
        padded = new float[largest * 2]; // a stage's input planes with a zero border
        levels = new float[shape.OutputPlanes * shape.Mels * shape.Frames]; work = new float[2 * shape.Mels * shape.Frames];
        cond = new float[inFeatures];
    }

    static float[] Scaled(IReadOnlyDictionary<string, TensorData> w, string source, string name, long[] expected, double scale)
    {
        if (!w.TryGetValue(name, out var t)) throw new InvalidFileException(source, 0, $"tensor '{name}' is missing");
        if (!t.Shape.SequenceEqual(expected))
            throw new InvalidFileException(source, 0, $"tensor '{name}' has shape [{string.Join(", ", t.Shape)}], the config needs [{string.Join(", ", expected)}]");
        var v = t.ToFloats();
        if (scale != 1) TensorPrimitives.Multiply(v, (float)scale, v);
        return v;
    }

    /// An MLP's layers (EqLinear: hidden LeakyReLU layers at gain sqrt 2, the output at gain 1), scales folded in.
    static (float[] W, float[] B)[] Mlp(IReadOnlyDictionary<string, TensorData> w, string source, string name, int hiddenLayers, int fin, int width, int fout)
    {
        var layers = new (float[], float[])[hiddenLayers + 1];
        for (int i = 0; i <= hiddenLayers; i++)
        {
            int li = i == 0 ? fin : width, lo = i == hiddenLayers ? fout : width;
            double gain = i == hiddenLayers ? 1.0 : Math.Sqrt(2);
            layers[i] = (Scaled(w, source, $"{name}.{i}.weight", [lo, li], gain / Math.Sqrt(li)), Scaled(w, source, $"{name}.{i}.bias", [lo], 1));
        }
        return layers;
    }

    static (float[], float[], int, int) Conv(IReadOnlyDictionary<string, TensorData> w, string source, string name, int ci, int co, int k, double gain) =>
        (Scaled(w, source, name + ".weight", [co, ci, k, k], gain / Math.Sqrt(ci * k * k)), Scaled(w, source, name + ".bias", [co], 1), ci, co);

    /// After Forward on a harmonic-head graph, on the calling thread: the output planes [planes, mels, frames] the log-mel
    /// was made from: harmonic log amplitudes (rows), noise log levels (ln units) and, with config filter, the linear
    /// gain per mel band. The additive renderer (HarmonicSynth) plays them. Overwritten by the next Forward.
    public ReadOnlySpan<float> Planes => levels.AsSpan(0, shape.OutputPlanes * shape.Mels * shape.Frames);

    /// One note: z [latent], pitch and velocity-layer indices -> (log-mel in ln units, mel IF in [-1, 1]), each [mels * frames].
    public (float[] LogMel, float[] IfMel) Forward(ReadOnlySpan<float> z, int pitchIndex, int velocityIndex)
    {
        if (z.Length != shape.LatentSize) throw new ArgumentException($"latent has {z.Length} values, the model needs {shape.LatentSize}");
        if ((uint)pitchIndex >= shape.Pitches) throw new ArgumentOutOfRangeException(nameof(pitchIndex));
        // Pixel-normed z, then the one-hot conditions.
        float rms = MathF.Sqrt(TensorPrimitives.SumOfSquares(z) / z.Length + 1e-8f);
        Array.Clear(cond);
        TensorPrimitives.Multiply(z, 1f / rms, cond.AsSpan(0, z.Length));
        cond[shape.LatentSize + pitchIndex] = 1f;
        if (shape.Velocities > 0) cond[shape.LatentSize + shape.Pitches + velocityIndex] = 1f;

        int channels = shape.Channels[0], height = shape.StartMels, width = shape.StartFrames;
        var x = bufA.AsSpan(0, channels * height * width);
        Layers.Dense(mapping is null ? cond : Map(), inputW, inputB, x);
        Activate(x, channels);
        float[] cur = bufA, other = bufB;
        for (int i = 0; i < convs.Length; i++)
        {
            var conv = convs[i];
            int ci = conv.InChannels, co = conv.OutChannels;
            if (i > 0 && (i - 1) % shape.ConvsPerStage == 0)
            {
                Layers.Upsample2x(cur.AsSpan(0, ci * height * width), ci, height, width, other);
                (cur, other) = (other, cur);
                height *= 2; width *= 2;
            }
            var y = other.AsSpan(0, co * height * width);
            conv.Forward(cur.AsSpan(0, ci * height * width), height, width, y, padded);
            Activate(y, co);
            if (mods is not null) Modulate(y, co, height * width, i);
            (cur, other) = (other, cur);
            channels = co;
        }
        int plane = height * width;
        var planes = levels.AsSpan(0, shape.OutputPlanes * plane);
        Layers.Pointwise(cur.AsSpan(0, channels * plane), channels, plane, outW, outB, shape.OutputPlanes, planes);
        TensorPrimitives.Tanh(planes, planes);
        if (envelope is not null) AddEnvelope(planes, width);
        return shape.Harmonic ? HarmonicHead(planes, pitchIndex) : IfMelHead(planes);
    }

    /// The conditioning vector plus the mapping network's residual (LeakyReLU hidden layers, linear output); the FiLM
    /// layers still read the pixel-normed latent in cond.
    float[] Map()
    {
        RunMlp(mapping!, mapped);
        TensorPrimitives.Add(mapped, cond, mapped);
        return mapped;
    }

    /// An MLP on the conditioning vector (LeakyReLU 0.2 hidden layers in the two hidden buffers, a linear output).
    void RunMlp((float[] W, float[] B)[] layers, float[] output)
    {
        float[] h = cond, next = hidden;
        for (int i = 0; i < layers.Length - 1; i++)
        {
            Layers.Dense(h, layers[i].W, layers[i].B, next);
            Layers.LeakyRelu(next, 0.2f, scratch);
            h = next;
            next = next == hidden ? hidden2 : hidden;
        }
        Layers.Dense(h, layers[^1].W, layers[^1].B, output);
    }

    /// The envelope head's level per harmonic row (an MLP on the conditioning vector, before the mapping network's
    /// residual), added to every frame of the rows plane.
    void AddEnvelope(Span<float> planes, int frames)
    {
        RunMlp(envelope!, rowLevels);
        for (int r = 0; r < rowLevels.Length; r++)
        {
            var row = planes.Slice(r * frames, frames);
            TensorPrimitives.Add(row, rowLevels[r], row);
        }
    }

    /// FiLM: channel c becomes x (1 + s_c) + b_c, with (s, b) = W z + bias of the pixel-normed latent.
    void Modulate(Span<float> x, int channels, int plane, int layer)
    {
        var (w, bias) = mods![layer];
        var sb = film.AsSpan(0, 2 * channels);
        Layers.Dense(cond.AsSpan(0, shape.LatentSize), w, bias, sb);
        for (int c = 0; c < channels; c++)
        {
            var p = x.Slice(c * plane, plane);
            TensorPrimitives.Multiply(p, 1f + sb[c], p);
            TensorPrimitives.Add(p, sb[channels + c], p);
        }
    }

    void Activate(Span<float> x, int channels)
    {
        Layers.LeakyRelu(x, 0.2f, scratch);
        Layers.PixelNorm(x, channels, scratch);
    }

    (float[], float[]) IfMelHead(ReadOnlySpan<float> planes)
    {
        int plane = shape.Mels * shape.Frames;
        float half = (shape.LogMagMax - shape.LogMagMin) / 2;
        var logMel = new float[plane];
        TensorPrimitives.Add(planes[..plane], 1f, logMel);
        TensorPrimitives.Multiply(logMel, half, logMel);
        TensorPrimitives.Add(logMel, shape.LogMagMin, logMel);
        return (logMel, planes.Slice(plane, plane).ToArray());
    }

    /// levels = (tanh + 1) half + min; mel = M_p exp(harmonics) [x exp(filter)] + exp(noise); log-mel clamped to the model's range
    /// exactly as the torch generator's normalisation does; IF from the power-weighted phase advances.
    (float[], float[]) HarmonicHead(Span<float> planes, int pitchIndex)
    {
        var basis = basisSource!.Value;
        int mels = shape.Mels, frames = shape.Frames, rows = basis.Rows, plane = mels * frames;
        float half = (shape.LogMagMax - shape.LogMagMin) / 2;
        var both = planes[..(2 * plane)];
        TensorPrimitives.Add(both, 1f, both);
        TensorPrimitives.Multiply(both, half, both);
        TensorPrimitives.Add(both, shape.LogMagMin, both);
        var harmonics = planes[..(rows * frames)];
        var noise = planes.Slice(plane, plane);
        int offset = pitchIndex * mels * rows;
        var amp = scratch.AsSpan(0, rows * frames);
        TensorPrimitives.Exp(harmonics, amp);
        var logMel = new float[plane];
        Layers.MatMulRows(basis.Magnitude.AsSpan(offset, mels * rows), mels, rows, amp, frames, logMel);
        if (shape.Filter)
        {
            var gain = planes.Slice(2 * plane, plane); // log gain per band and frame: tanh x half
            TensorPrimitives.Multiply(gain, half, gain);
            TensorPrimitives.Exp(gain, gain);
            TensorPrimitives.Multiply(logMel, gain, logMel);
        }
        var noiseAmp = work.AsSpan(0, plane);
        TensorPrimitives.Exp(noise, noiseAmp);
        TensorPrimitives.Add(logMel, noiseAmp, logMel);
        TensorPrimitives.Max(logMel, shape.LogFloor, logMel);
        TensorPrimitives.Log(logMel, logMel);
        TensorPrimitives.Min(logMel, shape.LogMagMax, logMel);

        var power = scratch.AsSpan(0, rows * frames);
        TensorPrimitives.Multiply(harmonics, 2f, power);
        TensorPrimitives.Exp(power, power);
        var c = work.AsSpan(0, plane);
        var s = work.AsSpan(plane, plane);
        Layers.MatMulRows(basis.PowerCos.AsSpan(offset, mels * rows), mels, rows, power, frames, c);
        Layers.MatMulRows(basis.PowerSin.AsSpan(offset, mels * rows), mels, rows, power, frames, s);
        var ifMel = new float[plane];
        TensorPrimitives.Atan2(s, c, ifMel);
        TensorPrimitives.Multiply(ifMel, 1f / MathF.PI, ifMel);
        float audible = MathF.Log(shape.LogFloor) + 1e-3f;
        for (int i = 0; i < plane; i++) if (!(logMel[i] > audible)) ifMel[i] = 0;
        return (logMel, ifMel);
    }
}
