using System.CommandLine;
using NeuralSynth.Models.Dataset;
using Spectre.Console;

namespace NeuralSynth.Cli.Commands;

/// `neuralsynth dataset import`: a folder of the user's own WAV samples becomes a note dataset.
public static class DatasetImport
{
    public static Command Create()
    {
        var folder = new Option<string>("--folder") { Description = "Folder of WAV samples (pitch from names like 'C4', 'F#2', '060', else YIN)", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output dataset directory", Required = true };
        var instrument = new Option<string>("--instrument") { Description = "Instrument name for these samples", DefaultValueFactory = _ => "user" };
        var family = new Option<string>("--family") { Description = "NSynth instrument family (bass, brass, flute, guitar, keyboard, mallet, organ, reed, string, synth_lead, vocal)", DefaultValueFactory = _ => "keyboard" };
        var rate = new Option<int>("--rate") { Description = "Sample rate of the dataset in Hz", DefaultValueFactory = _ => 16000 };
        var seconds = new Option<double>("--seconds") { Description = "Note length in seconds (longer samples are cut, shorter padded)", DefaultValueFactory = _ => 2.0 };
        var cmd = new Command("import", "Import a folder of your own WAV samples as an NSynth-style dataset.") { folder, outDir, instrument, family, rate, seconds };
        cmd.SetAction(r =>
        {
            var result = SampleImporter.Import(new SampleImportOptions
            {
                Folder = r.GetValue(folder)!,
                OutDir = r.GetValue(outDir)!,
                Instrument = r.GetValue(instrument)!,
                Family = r.GetValue(family)!,
                SampleRate = r.GetValue(rate),
                Seconds = r.GetValue(seconds),
            }, Stderr.Warn);
            AnsiConsole.MarkupLineInterpolated($"imported {result.Imported} notes ({result.FromName} pitched by file name, {result.FromYin} by YIN), skipped {result.Skipped} -> {r.GetValue(outDir)}");
            return 0;
        });
        return cmd;
    }
}
