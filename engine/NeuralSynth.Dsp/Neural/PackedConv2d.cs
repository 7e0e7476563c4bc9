using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuralSynth.Dsp.Neural;

/// A 'same'-padded, stride-1 2-D convolution with an odd square kernel, its weights packed at load for the inner loop:
/// four output channels at a time, so every input vector loaded feeds four fused multiply-adds (register blocking),
/// over zero-bordered input planes so the loop has no edge tests. Vector&lt;float&gt; lanes (8 on AVX2/AVX-512 .NET
/// defaults), a scalar tail for widths that are not a multiple of the lane count.
/// Tested against torch (GeneratorGraphTests).
public sealed class PackedConv2d
{
    const int Block = 4;
    readonly float[] packed; // [co / 4][ci][k * k][4]
    readonly float[] bias;   // [co rounded up to 4]
    public int InChannels { get; }
    public int OutChannels { get; }
    public int Kernel { get; }

    public PackedConv2d(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inChannels, int outChannels, int kernel)
    {
        InChannels = inChannels; OutChannels = outChannels; Kernel = kernel;
        int taps = kernel * kernel, blocks = (outChannels + Block - 1) / Block;
        packed = new float[blocks * inChannels * taps * Block];
        this.bias = new float[blocks * Block];
        for (int co = 0; co < outChannels; co++)
        {
            this.bias[co] = bias.IsEmpty ? 0 : bias[co];
            for (int ci = 0; ci < inChannels; ci++)
                for (int t = 0; t < taps; t++)
                    packed[(((co / Block) * inChannels + ci) * taps + t) * Block + co % Block] = weight[(co * inChannels + ci) * taps + t];
        }
    }

    /// Floats of scratch Forward needs for an input of this size (the zero-bordered copy of the input).
    public int ScratchFor(int height, int width) => InChannels * (height + Kernel - 1) * (width + Kernel - 1);

    /// x [ci, h, w] -> y [co, h, w].
    public void Forward(ReadOnlySpan<float> x, int height, int width, Span<float> y, Span<float> scratch)
    {
        int k = Kernel, r = k / 2, pw = width + 2 * r, pplane = (height + 2 * r) * pw, plane = height * width, taps = k * k;
        var pad = scratch[..(InChannels * pplane)];
        pad.Clear();
        for (int ci = 0; ci < InChannels; ci++)
            for (int row = 0; row < height; row++)
                x.Slice((ci * height + row) * width, width).CopyTo(pad.Slice(ci * pplane + (row + r) * pw + r, width));

        int vl = Vector<float>.Count, vectorWidth = width / vl * vl;
        ref float p0 = ref MemoryMarshal.GetReference(pad);
        ref float w0 = ref MemoryMarshal.GetArrayDataReference(packed);
        int blocks = (OutChannels + Block - 1) / Block;
        Span<float> lane = stackalloc float[Block];
        for (int blk = 0; blk < blocks; blk++)
        {
            int coBase = blk * Block;
            ref float wb = ref Unsafe.Add(ref w0, blk * InChannels * taps * Block);
            for (int row = 0; row < height; row++)
            {
                for (int col = 0; col < vectorWidth; col += vl)
                {
                    var a0 = new Vector<float>(bias[coBase]);
                    var a1 = new Vector<float>(bias[coBase + 1]);
                    var a2 = new Vector<float>(bias[coBase + 2]);
                    var a3 = new Vector<float>(bias[coBase + 3]);
                    ref float wt = ref wb;
                    for (int ci = 0; ci < InChannels; ci++)
                    {
                        ref float src = ref Unsafe.Add(ref p0, ci * pplane + row * pw + col);
                        for (int ky = 0; ky < k; ky++)
                        {
                            ref float line = ref Unsafe.Add(ref src, ky * pw);
                            for (int kx = 0; kx < k; kx++)
                            {
                                var v = Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref line, kx)));
                                a0 += new Vector<float>(wt) * v;
                                a1 += new Vector<float>(Unsafe.Add(ref wt, 1)) * v;
                                a2 += new Vector<float>(Unsafe.Add(ref wt, 2)) * v;
                                a3 += new Vector<float>(Unsafe.Add(ref wt, 3)) * v;
                                wt = ref Unsafe.Add(ref wt, Block);
                            }
                        }
                    }
                    Store(y, coBase, plane, row * width + col, a0, a1, a2, a3);
                }
                for (int col = vectorWidth; col < width; col++)
                {
                    lane.Clear();
                    for (int ci = 0; ci < InChannels; ci++)
                        for (int t = 0; t < taps; t++)
                        {
                            float v = pad[ci * pplane + (row + t / k) * pw + col + t % k];
                            for (int j = 0; j < Block; j++) lane[j] += packed[(((blk * InChannels) + ci) * taps + t) * Block + j] * v;
                        }
                    for (int j = 0; j < Block && coBase + j < OutChannels; j++) y[(coBase + j) * plane + row * width + col] = lane[j] + bias[coBase + j];
                }
            }
        }
    }

    void Store(Span<float> y, int coBase, int plane, int at, Vector<float> a0, Vector<float> a1, Vector<float> a2, Vector<float> a3)
    {
        int n = Math.Min(Block, OutChannels - coBase), vl = Vector<float>.Count;
        a0.CopyTo(y.Slice(coBase * plane + at, vl));
        if (n > 1) a1.CopyTo(y.Slice((coBase + 1) * plane + at, vl));
        if (n > 2) a2.CopyTo(y.Slice((coBase + 2) * plane + at, vl));
        if (n > 3) a3.CopyTo(y.Slice((coBase + 3) * plane + at, vl));
    }
}
