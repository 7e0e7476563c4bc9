// Rainbowgram: the NSynth/GANSynth picture of a note: constant-Q magnitude as brightness and instantaneous
// frequency (time difference of the unwrapped CQT phase, in units of pi per hop, NSynth's convention) as hue.
//
// Image layout: one column per CQT frame (times pixelsPerFrame), pixelsPerBin rows per CQT bin, lowest bin at
// the bottom. Brightness = (dB - (max dB - dynamicRangeDb)) / dynamicRangeDb clamped to [0, 1] on black; hue =
// (IF + 1) / 2 around the full colour circle (IF is cyclic: -1 and +1 are the same phase step).
//
// Public API
//   Rainbowgram.Render(float[] audio, int sampleRate, string pngPath, int binsPerOctave = 24, float fMin = 32.70f,
//                      int hop = 256, float dynamicRangeDb = 80f, int pixelsPerBin = 2, int pixelsPerFrame = 4)
//       -> RainbowgramInfo { Width, Height, Frames, Bins, PixelsPerBin, PixelsPerFrame, Cqt }  (writes the PNG)
//   Rainbowgram.Compute(float[] audio, Cqt cqt, float dynamicRangeDb = 80f)
//       -> (float[] brightness, float[] ifs, int frames): both frame-major [frames, cqt.Bins], brightness in [0, 1]
//   Rainbowgram.RowOfBin(RainbowgramInfo info, int bin) -> the image row at the centre of a CQT bin
//   Rainbowgram.RenderGrid(IReadOnlyList<float[]> notes, int sampleRate, string pngPath, int columns = 8, ...)
//       -> (tile width, tile height): one rainbowgram per note (each to its own peak), in rows of `columns`
using SkiaSharp;

namespace NeuralSynth.Dsp;

public sealed record RainbowgramInfo(int Width, int Height, int Frames, int Bins, int PixelsPerBin, int PixelsPerFrame, Cqt Cqt);

public static class Rainbowgram
{
    const float SilenceDb = -190f; // 20 log10 of the 1e-10 guard is -200

    public static (float[] Brightness, float[] If, int Frames) Compute(float[] audio, Cqt cqt, float dynamicRangeDb = 80f)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentNullException.ThrowIfNull(cqt);
        if (!(dynamicRangeDb > 0)) throw new ArgumentOutOfRangeException(nameof(dynamicRangeDb));
        var r = cqt.Forward(audio);
        var mag = r.Magnitude();
        var ifs = InstantaneousFrequency.FromPhase(r.Phase(), r.Frames, r.Bins);
        float maxDb = float.NegativeInfinity;
        var bright = new float[mag.Length];
        for (int i = 0; i < mag.Length; i++)
        {
            bright[i] = 20f * MathF.Log10(mag[i] + 1e-10f);
            maxDb = MathF.Max(maxDb, bright[i]);
        }
        // Digital silence is black (scaled to its own peak it would be white).
        if (maxDb <= SilenceDb) { Array.Clear(bright); return (bright, ifs, r.Frames); }
        float floor = maxDb - dynamicRangeDb;
        for (int i = 0; i < bright.Length; i++) bright[i] = Math.Clamp((bright[i] - floor) / dynamicRangeDb, 0f, 1f);
        return (bright, ifs, r.Frames);
    }

    /// One rainbowgram per note, each scaled to its own peak, tiled `columns` to a row between 2-pixel white lines:
    /// notes side by side, as GANSynth's figures set them (a keyboard of one timbre, real notes beside generated ones).
    public static (int TileWidth, int TileHeight) RenderGrid(IReadOnlyList<float[]> notes, int sampleRate, string pngPath, int columns = 8,
        int binsPerOctave = 24, float fMin = 32.70f, int hop = 256, float dynamicRangeDb = 80f)
    {
        ArgumentNullException.ThrowIfNull(pngPath);
        if (notes.Count == 0) throw new ArgumentException("no notes to draw", nameof(notes));
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), "columns must be >= 1");
        const int line = 2;
        var cqt = Cqt.Get(sampleRate, fMin, binsPerOctave, null, hop);
        var tiles = notes.Select(n => Compute(n, cqt, dynamicRangeDb)).ToList();
        int tw = tiles.Max(t => t.Frames), th = cqt.Bins, cols = Math.Min(columns, notes.Count), rows = (notes.Count + cols - 1) / cols;
        using var bmp = new SKBitmap(cols * (tw + line) - line, rows * (th + line) - line, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bmp.Erase(SKColors.White);
        for (int n = 0; n < tiles.Count; n++)
        {
            var (bright, ifs, frames) = tiles[n];
            int x0 = n % cols * (tw + line), y0 = n / cols * (th + line);
            for (int f = 0; f < tw; f++)
                for (int k = 0; k < th; k++)
                    bmp.SetPixel(x0 + f, y0 + th - 1 - k, f < frames ? Hsv((ifs[f * th + k] + 1f) * 0.5f, 1f, bright[f * th + k]) : SKColors.Black);
        }
        PngWriter.Save(bmp, pngPath);
        return (tw, th);
    }

    public static int RowOfBin(RainbowgramInfo info, int bin) => (info.Bins - 1 - bin) * info.PixelsPerBin + info.PixelsPerBin / 2;

    public static RainbowgramInfo Render(float[] audio, int sampleRate, string pngPath, int binsPerOctave = 24, float fMin = 32.70f,
        int hop = 256, float dynamicRangeDb = 80f, int pixelsPerBin = 2, int pixelsPerFrame = 4)
    {
        ArgumentNullException.ThrowIfNull(pngPath);
        if (pixelsPerBin < 1 || pixelsPerFrame < 1) throw new ArgumentOutOfRangeException(nameof(pixelsPerBin), "Pixel scales must be >= 1.");
        var cqt = Cqt.Get(sampleRate, fMin, binsPerOctave, null, hop);
        var (bright, ifs, frames) = Compute(audio, cqt, dynamicRangeDb);
        int bins = cqt.Bins;
        int width = frames * pixelsPerFrame, height = bins * pixelsPerBin;
        using var bmp = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (int f = 0; f < frames; f++)
        {
            for (int k = 0; k < bins; k++)
            {
                int i = f * bins + k;
                var c = Hsv((ifs[i] + 1f) * 0.5f, 1f, bright[i]);
                int y0 = (bins - 1 - k) * pixelsPerBin, x0 = f * pixelsPerFrame;
                for (int dy = 0; dy < pixelsPerBin; dy++)
                    for (int dx = 0; dx < pixelsPerFrame; dx++)
                        bmp.SetPixel(x0 + dx, y0 + dy, c);
            }
        }
        PngWriter.Save(bmp, pngPath);
        return new RainbowgramInfo(width, height, frames, bins, pixelsPerBin, pixelsPerFrame, cqt);
    }

    /// <summary>HSV to RGB, h in [0, 1] (wraps), s and v in [0, 1].</summary>
    internal static SKColor Hsv(float h, float s, float v)
    {
        h = (h % 1f + 1f) % 1f * 6f;
        int sector = Math.Min(5, (int)h);
        float frac = h - sector;
        float p = v * (1 - s), q = v * (1 - s * frac), t = v * (1 - s * (1 - frac));
        (float r, float g, float b) = sector switch
        {
            0 => (v, t, p),
            1 => (q, v, p),
            2 => (p, v, t),
            3 => (p, q, v),
            4 => (t, p, v),
            _ => (v, p, q),
        };
        return new SKColor((byte)MathF.Round(r * 255), (byte)MathF.Round(g * 255), (byte)MathF.Round(b * 255));
    }
}

/// <summary>Writes a bitmap as PNG, creating the directory; errors name the file.</summary>
internal static class PngWriter
{
    public static void Save(SKBitmap bmp, string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var image = SKImage.FromBitmap(bmp);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new IOException($"{path}: PNG encoding failed.");
        using var fs = File.Create(path);
        data.SaveTo(fs);
    }
}
