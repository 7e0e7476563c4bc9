using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NeuralSynth.Formats;

namespace NeuralSynth.Dsp.Neural;

/// What the C# graph needs to know of the multiband vocoder's generator (VocoderConfig maps onto it).
public sealed record VocoderShape(int Mels, int CondChannels, int Hop, int[] Decimations, int[] BandChannels, int[] Dilations, int KernelSize,
    int ExcitationChannels)
{
    public int Bands => Decimations.Length;
}

/// The vocoder generator's forward pass without torch, one note at a time, from the same safetensors weights:
/// frame-rate encoder (two 'same' conv1d + LeakyReLU 0.2 over the normalised log-mel and log2 f0 row), per-band log
/// gains, then per band a 1x1 projection of the conditioning at frame rate, linearly upsampled to the band's rate, and
/// the gated dilated residual stack over the harmonic + noise excitation (tanh x sigmoid units), a 1x1 output and the
/// exp(log-gain) envelope. Band signals come out at their own rates; FilterBankSynthesizer sums them to audio.
///
/// The band stacks run in time tiles (512 band samples plus the stack's receptive field on each side), every layer of
/// a tile in L1/L2: the upsampled conditioning (112 rows at the band rate in the torch layer, 15 MB for a 2 s note's
/// top band) is never materialised, each tile interpolates the rows it needs straight into the layer's accumulator.
/// Positions outside the note are zeroed before each convolution, as torch's zero padding would have them.
/// Agrees with the torch VocoderGenerator to 1e-4 (VocoderGraphTests). Thread-safe: scratch comes from a pool per call.
public sealed class VocoderGraph
{
    const int Tile = 512;
    readonly VocoderShape shape;
    readonly PackedConv1d enc0, enc1, gainMel, gainCond;
    readonly float[] enc0B, enc1B, gainB;
    readonly BandStack[] bands;
    public VocoderShape Shape => shape;
    public KernelPath Path { get; set; } = KernelPath.Auto;

    sealed record BandStack(int Channels, PackedConv1d Cond, float[] CondB, PackedConv1d Input, float[] InputB, PackedConv1d[] Dilated, float[][] DilatedB,
        PackedConv1d[] Residual, float[][] ResidualB, float[] OutW, float OutB);

    public VocoderGraph(VocoderShape shape, IReadOnlyDictionary<string, TensorData> weights, string source)
    {
        this.shape = shape;
        int h = shape.CondChannels, m = shape.Mels, k = shape.KernelSize;
        (enc0, enc0B) = Conv(weights, source, "enc0", m + 1, h, 3, 1); // the encoder's kernel is 3 whatever kernel_size says
        (enc1, enc1B) = Conv(weights, source, "enc1", h, h, 3, 1);
        (gainMel, var gmB) = Conv(weights, source, "gainMel", m, shape.Bands, 1, 1);
        (gainCond, var gcB) = Conv(weights, source, "gainCond", h, shape.Bands, 1, 1);
        gainB = new float[shape.Bands];
        TensorPrimitives.Add(gmB, gcB, gainB);
        bands = new BandStack[shape.Bands];
        for (int b = 0; b < shape.Bands; b++)
        {
            int c = shape.BandChannels[b], layers = shape.Dilations.Length;
            string p = $"bands.{b}.";
            var (cond, condB) = Conv(weights, source, p + "cond", h, c + 2 * c * layers, 1, 1);
            var (input, inputB) = Conv(weights, source, p + "input", shape.ExcitationChannels, c, 1, 1);
            var dil = new PackedConv1d[layers]; var dilB = new float[layers][];
            var res = new PackedConv1d[layers]; var resB = new float[layers][];
            for (int l = 0; l < layers; l++)
            {
                (dil[l], dilB[l]) = Conv(weights, source, $"{p}dilated.{l}", c, 2 * c, k, shape.Dilations[l]);
                (res[l], resB[l]) = Conv(weights, source, $"{p}residual.{l}", c, c, 1, 1);
            }
            var outW = Tensor(weights, source, p + "output.weight", [1, c, 1]);
            var outB = Tensor(weights, source, p + "output.bias", [1]);
            bands[b] = new BandStack(c, cond, condB, input, inputB, dil, dilB, res, resB, outW, outB[0]);
        }
    }

    static float[] Tensor(IReadOnlyDictionary<string, TensorData> w, string source, string name, long[] expected)
    {
        if (!w.TryGetValue(name, out var t)) throw new InvalidFileException(source, 0, $"tensor '{name}' is missing");
        if (!t.Shape.SequenceEqual(expected))
            throw new InvalidFileException(source, 0, $"tensor '{name}' has shape [{string.Join(", ", t.Shape)}], the vocoder expects [{string.Join(", ", expected)}]");
        if (t.DType != "F32") throw new InvalidFileException(source, 0, $"tensor '{name}' is {t.DType}, expected F32");
        return t.ToFloats();
    }

    static (PackedConv1d, float[]) Conv(IReadOnlyDictionary<string, TensorData> w, string source, string name, int ci, int co, int k, int dilation) =>
        (new PackedConv1d(Tensor(w, source, name + ".weight", [co, ci, k]), ci, co, k, dilation), Tensor(w, source, name + ".bias", [co]));

    /// Band signals for one note: logMel [mels, frames] row-major (ln units), the note's f0 (0 = unvoiced), and band k's
    /// excitation [E, frames * hop / decimation_k] row-major. Returns band k's signal at its own rate.
    public float[][] Bands(ReadOnlySpan<float> logMel, int frames, float f0Hz, IReadOnlyList<float[]> excitation)
    {
        int m = shape.Mels, h = shape.CondChannels;
        if (logMel.Length != m * frames) throw new ArgumentException($"log-mel has {logMel.Length} values, expected {m} x {frames}");
        if (excitation.Count != shape.Bands) throw new ArgumentException($"expected {shape.Bands} excitation signals, got {excitation.Count}");
        var features = new float[h * frames];
        var gain = new float[shape.Bands * frames];
        Encode(logMel, frames, f0Hz, features, gain);
        var result = new float[shape.Bands][];
        for (int b = 0; b < shape.Bands; b++)
        {
            int u = shape.Hop / shape.Decimations[b], n = frames * u;
            if (excitation[b].Length != shape.ExcitationChannels * n)
                throw new ArgumentException($"band {b} excitation has {excitation[b].Length} values, expected {shape.ExcitationChannels} x {n}");
            result[b] = new float[n];
            RunBand(bands[b], features, frames, u, excitation[b], result[b]);
            // The band's envelope: exp of its frame-rate log gain, upsampled the same way as the conditioning.
            var env = ArrayPool<float>.Shared.Rent(n);
            var ramp = new float[u];
            for (int j = 0; j < u; j++) ramp[j] = j / (float)u;
            Interpolate(gain.AsSpan(b * frames, frames), ramp, 0, env.AsSpan(0, n));
            Activations.Exp(env.AsSpan(0, n), env.AsSpan(0, n), Path);
            TensorPrimitives.Multiply(result[b], env.AsSpan(0, n), result[b]);
            ArrayPool<float>.Shared.Return(env);
        }
        return result;
    }

    void Encode(ReadOnlySpan<float> logMel, int frames, float f0Hz, Span<float> features, Span<float> gain)
    {
        int m = shape.Mels, h = shape.CondChannels, s = frames + 2 * enc0.Reach;
        int r = enc0.Reach;
        var input = new float[(m + 1) * s];
        for (int i = 0; i < m; i++)
        {
            var dst = input.AsSpan(i * s + r, frames);
            TensorPrimitives.Add(logMel.Slice(i * frames, frames), 4f, dst);
            TensorPrimitives.Divide(dst, 4f, dst);
        }
        float lf0 = f0Hz > 0 ? MathF.Log2(MathF.Max(f0Hz, 1f) / 261.63f) : 0f;
        input.AsSpan(m * s + r, frames).Fill(lf0);
        var hidden = new float[h * s];
        for (int c = 0; c < h; c++) hidden.AsSpan(c * s + r, frames).Fill(enc0B[c]);
        enc0.Accumulate(input, s, r, hidden, s, r, frames, Path);
        for (int c = 0; c < h; c++) LeakyRelu(hidden.AsSpan(c * s + r, frames));
        for (int c = 0; c < h; c++) features.Slice(c * frames, frames).Fill(enc1B[c]);
        enc1.Accumulate(hidden, s, r, features, frames, 0, frames, Path);
        for (int c = 0; c < h; c++) LeakyRelu(features.Slice(c * frames, frames));
        for (int b = 0; b < shape.Bands; b++) gain.Slice(b * frames, frames).Fill(gainB[b]);
        gainMel.Accumulate(logMel, frames, 0, gain, frames, 0, frames, Path);
        gainCond.Accumulate(features, frames, 0, gain, frames, 0, frames, Path);
        TensorPrimitives.Min(gain, 5f, gain);
    }

    static void LeakyRelu(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++) if (x[i] < 0) x[i] *= 0.2f;
    }

    /// One band's stack over the whole note, tile by tile. y [n] receives the 1x1 output (before the gain).
    void RunBand(BandStack band, float[] features, int frames, int u, float[] excitation, float[] y)
    {
        int c = band.Channels, n = y.Length, layers = band.Dilated.Length;
        int halo = band.Dilated.Sum(d => d.Reach), stride = Tile + 2 * halo;
        int condRows = c + 2 * c * layers;
        var condF = new float[condRows * frames];
        for (int r = 0; r < condRows; r++) condF.AsSpan(r * frames, frames).Fill(band.CondB[r]);
        band.Cond.Accumulate(features, frames, 0, condF, frames, 0, frames, Path);
        // The input and dilated convolutions' biases are constant in time: fold them into the rows they are added to.
        for (int ch = 0; ch < c; ch++) TensorPrimitives.Add(condF.AsSpan(ch * frames, frames), band.InputB[ch], condF.AsSpan(ch * frames, frames));
        for (int l = 0; l < layers; l++)
            for (int j = 0; j < 2 * c; j++)
            {
                var row = condF.AsSpan((c + 2 * c * l + j) * frames, frames);
                TensorPrimitives.Add(row, band.DilatedB[l][j], row);
            }
        var ramp = new float[u]; // j / u: exact for the power-of-two factors of this vocoder
        for (int j = 0; j < u; j++) ramp[j] = j / (float)u;

        var pool = ArrayPool<float>.Shared;
        var x = pool.Rent(c * stride); var hb = pool.Rent(2 * c * stride); var g = pool.Rent(c * stride);
        try
        {
            for (int t0 = 0; t0 < n; t0 += Tile)
            {
                int t1 = Math.Min(n, t0 + Tile), lo = t0 - halo, hi = t1 + halo, len = hi - lo;
                // Layer input: 1x1 of the excitation + the first C conditioning rows; zero outside the note.
                for (int ch = 0; ch < c; ch++)
                {
                    Interpolate(condF.AsSpan(ch * frames, frames), ramp, lo, x.AsSpan(ch * stride, len));
                }
                int a = Math.Max(lo, 0), b = Math.Min(hi, n);
                band.Input.Accumulate(excitation, n, a, x, stride, a - lo, b - a, Path);
                ZeroOutside(x, c, stride, lo, lo, hi, n);
                int from = lo, to = hi;
                for (int l = 0; l < layers; l++)
                {
                    var conv = band.Dilated[l];
                    from += conv.Reach; to -= conv.Reach;
                    int at = from - lo, count = to - from;
                    for (int j = 0; j < 2 * c; j++)
                    {
                        Interpolate(condF.AsSpan((c + 2 * c * l + j) * frames, frames), ramp, from, hb.AsSpan(j * stride + at, count));
                    }
                    conv.Accumulate(x, stride, at, hb, stride, at, count, Path);
                    for (int ch = 0; ch < c; ch++)
                    {
                        Activations.Gate(hb.AsSpan(ch * stride + at, count), hb.AsSpan((c + ch) * stride + at, count), g.AsSpan(ch * stride + at, count), Path);
                        var xr = x.AsSpan(ch * stride + at, count);
                        TensorPrimitives.Add(xr, band.ResidualB[l][ch], xr);
                    }
                    band.Residual[l].Accumulate(g, stride, at, x, stride, at, count, Path);
                    ZeroOutside(x, c, stride, lo, from, to, n);
                }
                var dst = y.AsSpan(t0, t1 - t0);
                dst.Fill(band.OutB);
                for (int ch = 0; ch < c; ch++)
                    TensorPrimitives.MultiplyAdd(x.AsSpan(ch * stride + (t0 - lo), t1 - t0), band.OutW[ch], dst, dst);
            }
        }
        finally { pool.Return(x); pool.Return(hb); pool.Return(g); }
    }

    /// Sets positions of [from, to) that lie outside the note [0, n) to zero in every row (buffer index = position - lo).
    static void ZeroOutside(float[] x, int rows, int stride, int lo, int from, int to, int n)
    {
        if (from < 0)
            for (int r = 0; r < rows; r++) x.AsSpan(r * stride + from - lo, Math.Min(0, to) - from).Clear();
        if (to > n)
            for (int r = 0; r < rows; r++) { int s = Math.Max(n, from); x.AsSpan(r * stride + s - lo, to - s).Clear(); }
    }

    /// Linear interpolation of frame-rate values to u samples per frame, sample p = f u + j taking
    /// v[f] (1 - j/u) + v[f+1] j/u with the last frame held (torch's UpsampleFrames), for p = from .. from + dst.Length;
    /// positions outside the note take the nearest edge value (they are zeroed or unused).
    static void Interpolate(ReadOnlySpan<float> v, ReadOnlySpan<float> ramp, int from, Span<float> dst)
    {
        int frames = v.Length, u = ramp.Length, n = frames * u, i = 0;
        ref float r0 = ref MemoryMarshal.GetReference(ramp);
        ref float d0 = ref MemoryMarshal.GetReference(dst);
        while (i < dst.Length)
        {
            int p = from + i;
            if (p < 0 || p >= n)
            {
                dst[i++] = p < 0 ? v[0] : v[frames - 1];
                continue;
            }
            int f = p / u, j = p - f * u, len = Math.Min(u - j, dst.Length - i), q = 0;
            float v0 = v[f], slope = v[Math.Min(f + 1, frames - 1)] - v0;
            if (Vector512.IsHardwareAccelerated)
            {
                var a = Vector512.Create(v0); var b = Vector512.Create(slope);
                for (; q + 16 <= len; q += 16)
                    Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r0, (nuint)(j + q)), b, a).StoreUnsafe(ref d0, (nuint)(i + q));
            }
            for (; q < len; q++) Unsafe.Add(ref d0, i + q) = MathF.FusedMultiplyAdd(Unsafe.Add(ref r0, j + q), slope, v0);
            i += len;
        }
    }
}
