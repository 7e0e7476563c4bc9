using SkiaSharp;
using static TorchSharp.torch;

namespace NeuralSynth.Models.Gansynth;

/// Mel rainbowgram grids for looking at generator output: brightness = log-mel magnitude, hue = mel-IF
/// (as NSynth/GANSynth draw rainbowgrams), low frequencies at the bottom. One tile per note, tiles in a grid.
public static class SampleGrid
{
    /// logMel, ifMel: [N, n_mels, frames]; columns tiles per row.
    public static void WritePng(string path, Tensor logMel, Tensor ifMel, int columns, float logMin, float logMax)
    {
        int n = (int)logMel.shape[0], mels = (int)logMel.shape[1], frames = (int)logMel.shape[2];
        int rows = (n + columns - 1) / columns, gap = 2;
        int width = columns * (frames + gap), height = rows * (mels * 2 + gap);
        using var lmC = logMel.contiguous(); using var ifC = ifMel.contiguous();
        var lm = lmC.data<float>().ToArray();
        var iff = ifC.data<float>().ToArray();
        using var bmp = new SKBitmap(width, height);
        bmp.Erase(SKColors.White);
        for (int i = 0; i < n; i++)
        {
            int ox = (i % columns) * (frames + gap), oy = (i / columns) * (mels * 2 + gap);
            for (int m = 0; m < mels; m++)
                for (int t = 0; t < frames; t++)
                {
                    int idx = (i * mels + m) * frames + t;
                    float v = Math.Clamp((lm[idx] - logMin) / (logMax - logMin), 0f, 1f);
                    float hue = (iff[idx] + 1f) * 180f;
                    var c = SKColor.FromHsv(hue, 100f, v * 100f);
                    int y = oy + (mels - 1 - m) * 2; // each mel bin two pixels high
                    bmp.SetPixel(ox + t, y, c);
                    bmp.SetPixel(ox + t, y + 1, c);
                }
        }
        using var img = SKImage.FromBitmap(bmp);
        using var data = img.Encode(SKEncodedImageFormat.Png, 100);
        using var fs = File.Create(path);
        data.SaveTo(fs);
    }
}
