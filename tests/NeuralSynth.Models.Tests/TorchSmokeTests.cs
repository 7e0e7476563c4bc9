using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Tests;

public class TorchSmokeTests
{
    [Fact]
    public void MatmulRunsOnThisOs()
    {
        // Proves libLibTorchSharp.so loads here (weak GLIBCXX_3.4.32 patch) and computes.
        using var a = tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 });
        using var b = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, b.data<float>().ToArray());
    }
}
