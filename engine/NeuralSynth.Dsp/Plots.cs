// Plots: PNG figures for reports (ScottPlot 5 on SkiaSharp).
//
// Public API
//   Plots.Spectrogram(float[] audio, int sampleRate, string pngPath, int nFft = 1024, int hop = 256, int nMels = 0,
//                     string? title = null, float dynamicRangeDb = 80f, int width = 1000, int height = 500)
//       log-magnitude (dB, clipped dynamicRangeDb below the peak) heatmap, time in seconds across, frequency up
//       (Hz; mel band index when nMels > 0, Slaney mel bank 0..Nyquist).
//   Plots.Heatmap(float[] values, int frames, int rows, string pngPath, string title, string xLabel, string yLabel,
//                 double xMax, double yMax, int width = 1000, int height = 500)
//       any frame-major [frames, rows] matrix (row 0 drawn at the bottom), e.g. a generated log-mel.
//   Plots.Lines(string title, string xLabel, string yLabel, IReadOnlyList<LineSeries> series, string pngPath,
//               bool logY = false, int width = 900, int height = 500)
//       loss curves etc.; logY plots log10(y) (non-positive values skipped) and says so on the axis.
//   LineSeries(string Name, double[] X, double[] Y); LineSeries.Of(string name, IReadOnlyList<double> y) uses X = 0..n-1.
namespace NeuralSynth.Dsp;

public sealed record LineSeries(string Name, double[] X, double[] Y)
{
    public static LineSeries Of(string name, IReadOnlyList<double> y) =>
        new(name, Enumerable.Range(0, y.Count).Select(i => (double)i).ToArray(), y.ToArray());
}

public static class Plots
{
    private static void PrepareDir(string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
    }

    public static void Spectrogram(float[] audio, int sampleRate, string pngPath, int nFft = 1024, int hop = 256, int nMels = 0,
        string? title = null, float dynamicRangeDb = 80f, int width = 1000, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var s = Stft.Forward(audio, nFft, hop);
        float[] mag = s.Magnitude();
        int rows = s.Bins;
        if (nMels > 0)
        {
            var bank = MelFilterBank.Create(sampleRate, nFft, nMels, 0f, sampleRate / 2f);
            mag = MelFilterBank.Apply(bank, mag, s.Frames);
            rows = nMels;
        }
        float max = float.NegativeInfinity;
        var db = new float[mag.Length];
        for (int i = 0; i < mag.Length; i++) { db[i] = 20f * MathF.Log10(mag[i] + 1e-10f); max = MathF.Max(max, db[i]); }
        for (int i = 0; i < db.Length; i++) db[i] = MathF.Max(db[i], max - dynamicRangeDb);
        double duration = (double)audio.Length / sampleRate;
        Heatmap(db, s.Frames, rows, pngPath, title ?? (nMels > 0 ? "Mel spectrogram (dB)" : "Spectrogram (dB)"),
            "time (s)", nMels > 0 ? "mel band" : "frequency (Hz)", duration, nMels > 0 ? nMels : sampleRate / 2.0, width, height);
    }

    public static void Heatmap(float[] values, int frames, int rows, string pngPath, string title, string xLabel, string yLabel,
        double xMax, double yMax, int width = 1000, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (frames < 1 || rows < 1 || values.Length != frames * rows)
            throw new ArgumentException($"Heatmap needs frames*rows = {frames}*{rows} values, got {values.Length}.");
        // ScottPlot draws row 0 of the array at the top: put the highest frequency there.
        var data = new double[rows, frames];
        for (int f = 0; f < frames; f++)
            for (int r = 0; r < rows; r++)
                data[rows - 1 - r, f] = values[f * rows + r];
        var plt = new ScottPlot.Plot();
        var hm = plt.Add.Heatmap(data);
        hm.Colormap = new ScottPlot.Colormaps.Viridis();
        hm.Rectangle = new ScottPlot.CoordinateRect(0, xMax, 0, yMax);
        plt.Add.ColorBar(hm);
        plt.Title(title);
        plt.XLabel(xLabel);
        plt.YLabel(yLabel);
        plt.Axes.SetLimits(0, xMax, 0, yMax);
        PrepareDir(pngPath);
        plt.SavePng(pngPath, width, height);
    }

    public static void Lines(string title, string xLabel, string yLabel, IReadOnlyList<LineSeries> series, string pngPath,
        bool logY = false, int width = 900, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(series);
        var plt = new ScottPlot.Plot();
        foreach (var s in series)
        {
            if (s.X.Length != s.Y.Length) throw new ArgumentException($"Series '{s.Name}' has {s.X.Length} x and {s.Y.Length} y values.");
            double[] xs = s.X, ys = s.Y;
            if (logY)
            {
                var keep = Enumerable.Range(0, ys.Length).Where(i => ys[i] > 0 && double.IsFinite(ys[i])).ToArray();
                xs = keep.Select(i => s.X[i]).ToArray();
                ys = keep.Select(i => Math.Log10(s.Y[i])).ToArray();
            }
            var sc = plt.Add.ScatterLine(xs, ys);
            sc.LegendText = s.Name;
        }
        plt.Title(title);
        plt.XLabel(xLabel);
        plt.YLabel(logY ? $"log10 {yLabel}" : yLabel);
        if (series.Count > 1) plt.ShowLegend();
        PrepareDir(pngPath);
        plt.SavePng(pngPath, width, height);
    }
}
