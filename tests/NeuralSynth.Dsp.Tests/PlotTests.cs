using SkiaSharp;

namespace NeuralSynth.Dsp.Tests;

public sealed class PlotTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nsdsp-plots-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// A grid holds one tile per note in rows of `columns`: a sine's tile is bright at its own bin, a silent note's tile
    /// is black, and the lines between tiles are white.
    [Fact]
    public void RainbowgramGridTilesOneNotePerCell()
    {
        const int sr = 16000;
        float[] Sine(double hz) => Enumerable.Range(0, sr / 2).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * hz * i / sr))).ToArray();
        string png = Path.Combine(Path.GetTempPath(), $"grid-{Guid.NewGuid():N}.png");
        try
        {
            var (tw, th) = Rainbowgram.RenderGrid([Sine(220), new float[sr / 2], Sine(880)], sr, png, columns: 2);
            using var bmp = SKBitmap.Decode(png);
            Assert.Equal(2 * tw + 2, bmp.Width);
            Assert.Equal(2 * th + 2, bmp.Height);
            var cqt = Cqt.Get(sr, 32.70f, 24, null, 256);
            int Row(double hz) => th - 1 - Array.IndexOf(cqt.Frequencies, cqt.Frequencies.MinBy(f => Math.Abs(f - hz)));
            int mid = tw / 2;
            Assert.True(Bright(bmp.GetPixel(mid, Row(220))), "the 220 Hz tile is dark at 220 Hz");
            Assert.False(Bright(bmp.GetPixel(mid, Row(880))), "the 220 Hz tile is bright at 880 Hz");
            Assert.False(Bright(bmp.GetPixel(tw + 2 + mid, Row(220))), "the silent tile is not black");
            Assert.True(Bright(bmp.GetPixel(mid, th + 2 + Row(880))), "the 880 Hz tile (second row) is dark at 880 Hz");
            Assert.Equal(SKColors.White, bmp.GetPixel(tw, 5));
        }
        finally { File.Delete(png); }
    }

    static bool Bright(SKColor c) => Math.Max(c.Red, Math.Max(c.Green, c.Blue)) > 128;

    [Fact]
    public void RainbowgramOfSineHasItsBrightRowAtTheSineBin()
    {
        int sr = 16000;
        var x = TestSignals.Sine(sr, 440, sr, 0.5);
        string png = Path.Combine(_dir, "sub", "sine.png");
        var info = Rainbowgram.Render(x, sr, png);
        using var bmp = SKBitmap.Decode(png);
        Assert.NotNull(bmp);
        Assert.Equal(info.Width, bmp.Width);
        Assert.Equal(info.Height, bmp.Height);
        Assert.Equal(1 + sr / 256, info.Frames);
        Assert.Equal(info.Frames * info.PixelsPerFrame, bmp.Width);
        Assert.Equal(info.Bins * info.PixelsPerBin, bmp.Height);
        int col = bmp.Width / 2, brightest = 0, bestV = -1;
        for (int y = 0; y < bmp.Height; y++)
        {
            var c = bmp.GetPixel(col, y);
            int v = Math.Max(c.Red, Math.Max(c.Green, c.Blue));
            if (v > bestV) { bestV = v; brightest = y; }
        }
        int expectedBin = info.Cqt.BinOf(440);
        int bin = info.Bins - 1 - brightest / info.PixelsPerBin;
        Assert.Equal(expectedBin, bin);
        Assert.True(bestV > 240);
        // Far from the sine the picture is dark.
        var far = bmp.GetPixel(col, Rainbowgram.RowOfBin(info, expectedBin + 48));
        Assert.True(Math.Max(far.Red, Math.Max(far.Green, far.Blue)) < 128);
    }

    [Fact]
    public void HsvCoversTheColourCircle()
    {
        Assert.Equal(new SKColor(255, 0, 0), Rainbowgram.Hsv(0f, 1f, 1f));
        Assert.Equal(new SKColor(0, 255, 0), Rainbowgram.Hsv(1f / 3, 1f, 1f));
        Assert.Equal(new SKColor(0, 0, 255), Rainbowgram.Hsv(2f / 3, 1f, 1f));
        Assert.Equal(Rainbowgram.Hsv(0f, 1f, 1f), Rainbowgram.Hsv(1f, 1f, 1f));
        Assert.Equal(new SKColor(0, 0, 0), Rainbowgram.Hsv(0.4f, 1f, 0f));
    }

    [Fact]
    public void SpectrogramAndLinesWritePngsOfTheRequestedSize()
    {
        var x = TestSignals.Harmonic(16000, 220, 16000);
        string spec = Path.Combine(_dir, "spec.png");
        Plots.Spectrogram(x, 16000, spec, width: 640, height: 360);
        string mel = Path.Combine(_dir, "mel.png");
        Plots.Spectrogram(x, 16000, mel, nMels: 80, width: 500, height: 300);
        string lines = Path.Combine(_dir, "loss.png");
        var y = Enumerable.Range(0, 100).Select(i => Math.Exp(-i / 30.0)).ToArray();
        Plots.Lines("loss", "step", "loss", [LineSeries.Of("train", y), LineSeries.Of("valid", y.Select(v => v * 1.1).ToArray())], lines, logY: true);
        foreach (var (path, w, h) in new[] { (spec, 640, 360), (mel, 500, 300), (lines, 900, 500) })
        {
            using var bmp = SKBitmap.Decode(path);
            Assert.NotNull(bmp);
            Assert.Equal(w, bmp.Width);
            Assert.Equal(h, bmp.Height);
        }
        Assert.Throws<ArgumentException>(() => Plots.Lines("t", "x", "y", [new LineSeries("bad", [1, 2], [1])], lines));
    }
}
