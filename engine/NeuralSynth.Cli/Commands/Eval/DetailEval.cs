using System.CommandLine;
using NeuralSynth.Dsp;
using NeuralSynth.Models.Evaluation;
using NeuralSynth.Realtime;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Rendering;
using Spectre.Console;

namespace NeuralSynth.Cli.Commands.Eval;

/// `neuralsynth eval detail --data DIR --model DIR`: measures what the generator misses of each training note, per
/// harmonic (NoteDetail), and writes it to the model folder's detail.safetensors, which the additive path then plays.
public sealed class DetailEval : IEvalSubcommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Note dataset the model was trained on (its train split is measured)", Required = true };
        var model = new Option<string>("--model") { Description = "Generator folder with timbre codes; detail.safetensors is written there", Required = true };
        var harmonics = new Option<int>("--harmonics") { Description = "Harmonics measured per note (1-256)", DefaultValueFactory = _ => NoteDetail.DefaultHarmonics };
        var cmd = new Command("detail", "Measure each training note's harmonic levels over the generator's copy of it (ln amplitude per harmonic) and write them to the model's detail.safetensors, which the additive path adds to the notes it plays.")
        {
            data, model, harmonics,
        };
        cmd.SetAction(r =>
        {
            string modelDir = r.GetValue(model)!;
            int h = r.GetValue(harmonics);
            if (h < 1 || h > NeuralSynth.Dsp.Neural.HarmonicMelBasis.MaxHarmonic) throw new CliException($"--harmonics must be 1-{NeuralSynth.Dsp.Neural.HarmonicMelBasis.MaxHarmonic}, got {h}");
            NoteDetail? detail = null;
            int offKey = 0;
            AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("train notes against their copies");
                    (detail, offKey) = DetailMeasurement.Measure(r.GetValue(data)!, modelDir, h, (done, total) => { task.MaxValue = total; task.Value = done; });
                });
            string path = Path.Combine(modelDir, NoteDetail.FileName);
            detail!.Save(path);
            var cfg = GansynthConfig.Load(Path.Combine(modelDir, GansynthModel.ConfigFile));
            // The spread of the detail per family and harmonic range: how far the real notes stray from the copies.
            var table = new Table().AddColumns("family", "notes", "rms h1-4 (ln)", "rms h5-16", "rms h17-64", "mean h1-4", "mean h17-64");
            foreach (var family in Enumerable.Range(0, detail.Count).GroupBy(i => GansynthConfig.FamilyOf(cfg.CodeNames[detail.CodeOf(i)])).OrderBy(g => g.Key))
            {
                (double Rms, double Mean) Stats(int lo, int hi)
                {
                    double ss = 0, s = 0; int k = 0;
                    foreach (int i in family)
                        for (int j = lo; j <= Math.Min(hi, detail.Harmonics); j++) { double v = detail.LevelsOf(i)[j - 1]; ss += v * v; s += v; k++; }
                    return k == 0 ? (0, 0) : (Math.Sqrt(ss / k), s / k);
                }
                var (a, am) = Stats(1, 4);
                var (b, _) = Stats(5, 16);
                var (c, cm) = Stats(17, 64);
                table.AddRow(family.Key, $"{family.Count()}", $"{a:F2}", $"{b:F2}", $"{c:F2}", $"{am:+0.00;-0.00}", $"{cm:+0.00;-0.00}");
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"{detail.Count} notes x {detail.Harmonics} harmonics -> {path} ({offKey} notes YIN hears off their key lend none)");
            string png = Path.Combine(modelDir, "detail.png");
            int shown = DrawComparison(r.GetValue(data)!, modelDir, cfg, png);
            AnsiConsole.MarkupLineInterpolated($"{shown} instruments' MIDI 60 notes: real, the generator's copy, the copy with its detail -> {png}");
            return 0;
        });
        return cmd;
    }

    /// Rainbowgrams of each family's first training instrument at MIDI 60, velocity 90 (or the nearest it has): the real
    /// note, the generator's copy from its code, the copy with the detail, as three rows (the copies on the additive path
    /// as played).
    static int DrawComparison(string dataDir, string modelDir, GansynthConfig cfg, string png)
    {
        var train = NeuralSynth.Models.Dataset.NoteDataset.Load(dataDir, "train");
        using var plain = NoteRenderer.Load(modelDir, InversionPath.Additive, detail: false);
        using var detailed = NoteRenderer.Load(modelDir, InversionPath.Additive);
        var codes = cfg.CodeNames.Select((name, k) => (name, k)).GroupBy(c => GansynthConfig.FamilyOf(c.name)).OrderBy(g => g.Key).Select(g => g.First()).ToList();
        var rows = new List<float[]>[] { [], [], [] };
        foreach (var (name, k) in codes)
        {
            var note = train.Examples.Where(e => e.InstrumentStr == name && e.Pitch >= cfg.MinPitch && e.Pitch <= cfg.MaxPitch)
                .OrderBy(e => Math.Abs(e.Pitch - 60)).ThenBy(e => Math.Abs(e.Velocity - 90)).First();
            var request = new NoteRequest(new Latent(cfg.Codes[k]), note.Pitch, note.Velocity);
            rows[0].Add(cfg.Spectral.FitLength(train.LoadAudio(note, cfg.Spectral.SampleRate)));
            rows[1].Add(plain.RenderOne(request));
            rows[2].Add(detailed.RenderOne(request));
        }
        Rainbowgram.RenderGrid(rows.SelectMany(r => r).ToList(), cfg.Spectral.SampleRate, png, columns: codes.Count);
        return codes.Count;
    }
}
