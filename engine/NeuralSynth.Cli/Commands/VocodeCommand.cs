using System.CommandLine;
using NeuralSynth.Dsp;
using NeuralSynth.Formats;
using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Vocoder;
using Spectre.Console;
using TorchSharp;

namespace NeuralSynth.Cli.Commands;

/// `neuralsynth vocode --wav in.wav --out out.wav [--model DIR] [--pitch N]`: analysis -> resynthesis through the
/// multiband vocoder (the log-mel the vocoder would get from the generator, computed from a real recording).
public sealed class VocodeCommand : ICliCommand
{
    public static Command Create()
    {
        var wav = new Option<string>("--wav") { Description = "Input WAV (mono or the first channel is used; must be at the model's sample rate)", Required = true };
        var output = new Option<string>("--out") { Description = "Output WAV (PCM16)", Required = true };
        var model = new Option<string?>("--model") { Description = "Vocoder model directory (config.json + generator.safetensors; default: presets/models/vocoder)" };
        var pitch = new Option<double?>("--pitch") { Description = "MIDI pitch of the note (fractional allowed); default: YIN median f0 of the input" };
        var postFilter = new Option<bool?>("--post-filter") { Description = "true/false: rescale the output's STFT per mel band until its mel matches the analysis mel (MelPostFilter); default: the model config's post_filter" };
        var threads = new Option<int>("--threads") { Description = "Torch CPU threads", DefaultValueFactory = _ => 1 };
        var cmd = new Command("vocode", "Resynthesise a recording through the neural vocoder (log-mel + f0 -> waveform).")
        {
            wav, output, model, pitch, postFilter, threads,
        };
        cmd.SetAction(r =>
        {
            torch.set_num_threads(Math.Max(1, r.GetValue(threads)));
            string input = r.GetValue(wav)!;
            string dir = r.GetValue(model) ?? DefaultModelDirectory()
                ?? throw new CliException("no --model given and presets/models/vocoder was not found above the current or program directory");
            using var vocoder = VocoderModel.Load(dir);
            if (r.GetValue(postFilter) is bool pf) vocoder.PostFilter = pf;
            var spectral = vocoder.Config.Spectral;
            var audio = AudioInput.LoadMono(input, spectral.SampleRate); // any rate, depth and channel count
            if (audio.Length < spectral.Hop) throw new CliException($"{input}: only {audio.Length} samples; need at least one hop ({spectral.Hop})");
            // Whole frames only: the vocoder makes frames * hop samples.
            int frames = audio.Length / spectral.Hop;
            var fitted = new float[frames * spectral.Hop];
            Array.Copy(audio, fitted, fitted.Length);

            float f0;
            string f0Source;
            if (r.GetValue(pitch) is double midi)
            {
                f0 = (float)Yin.MidiToHz(midi);
                f0Source = $"--pitch {midi}";
            }
            else
            {
                f0 = Yin.MedianPitch(fitted, spectral.SampleRate, 25f, Math.Min(2000f, spectral.SampleRate / 2f));
                if (float.IsNaN(f0)) { f0 = 0; f0Source = "YIN found no pitch: noise excitation only"; }
                else f0Source = $"YIN median ({Yin.HzToMidi(f0):F2} MIDI)";
            }

            using var mel = new MelSpectrogram(spectral);
            var logMel = mel.LogMel(fitted);
            var y = vocoder.Synthesize(logMel, [f0]);
            WavFile.Write(r.GetValue(output)!, [y], spectral.SampleRate);
            var t = vocoder.LastTimings!;
            AnsiConsole.MarkupLineInterpolated(
                $"{input} -> {r.GetValue(output)}: {frames} frames, f0 {f0:F2} Hz ({f0Source}), {y.Length / (double)spectral.SampleRate:F2} s in {t.TotalMs:F1} ms (excitation {t.ExcitationMs:F1}, torch {t.TorchMs:F1}, SIMD synthesis {t.SynthesisMs:F1}{(t.PostFilterMs > 0 ? $", post-filter {t.PostFilterMs:F1}" : "")})");
            return 0;
        });
        return cmd;
    }

    /// presets/models/vocoder found walking up from the current directory, then from the program's directory.
    public static string? DefaultModelDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "presets", "models", "vocoder");
                if (File.Exists(Path.Combine(candidate, VocoderModel.ConfigFile))) return candidate;
            }
        }
        return null;
    }
}
