using System.Globalization;

namespace NeuralSynth.Models.Vocoder;

/// losses.csv -> losses.png (ScottPlot): every numeric column except step/seconds/lr against the step.
public static class TrainingPlot
{
    public static void Save(string csvPath, string pngPath)
    {
        var lines = File.ReadAllLines(csvPath);
        if (lines.Length < 2) return;
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).Where(r => r.Length == header.Length).ToList();
        var steps = rows.Select(r => double.Parse(r[0], CultureInfo.InvariantCulture)).ToArray();
        var plot = new ScottPlot.Plot();
        for (int c = 0; c < header.Length; c++)
        {
            if (header[c] is "step" or "seconds" or "lr_g") continue;
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < rows.Count; i++)
                if (double.TryParse(rows[i][c], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v))
                {
                    xs.Add(steps[i]);
                    ys.Add(v);
                }
            if (xs.Count == 0) continue;
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
            line.LegendText = header[c];
            line.MarkerSize = xs.Count < 30 ? 4 : 0;
        }
        plot.Title("multiband vocoder training");
        plot.XLabel("step");
        plot.YLabel("loss");
        plot.ShowLegend();
        string tmp = pngPath + ".tmp.png";
        plot.SavePng(tmp, 1000, 600);
        File.Move(tmp, pngPath, overwrite: true);
    }
}
