using NAudio.Wave;
using NeuralSynth.Dsp;

namespace NeuralSynth.Cli.Tests;

/// Audio files users have, written by an independent library (NAudio), go through `neuralsynth vocode`: every common
/// rate, depth and channel layout is converted, none refused, and the note comes out at its pitch at the model rate.
public class AudioInputTests
{
    public static TheoryData<int, int, int, bool> Formats => new()
    {
        // rate, bits, channels, float
        { 44100, 16, 2, false },
        { 48000, 24, 1, false },
        { 96000, 32, 1, true },
        { 22050, 8, 1, false },
        { 16000, 32, 2, false },
        { 8000, 64, 1, true },
        { 32000, 24, 3, false },
    };

    static void WriteTone(string path, int rate, int bits, int channels, bool isFloat, double hz)
    {
        WaveFormat format = isFloat
            ? WaveFormat.CreateCustomFormat(WaveFormatEncoding.IeeeFloat, rate, channels, rate * channels * bits / 8, channels * bits / 8, bits)
            : channels > 2 ? new WaveFormatExtensible(rate, bits, channels) : new WaveFormat(rate, bits, channels);
        using var w = new WaveFileWriter(path, format);
        int frames = rate; // one second
        var frame = new byte[channels * bits / 8];
        for (int i = 0; i < frames; i++)
        {
            double v = 0.5 * Math.Sin(2 * Math.PI * hz * i / rate) * Math.Min(1, i / (0.01 * rate));
            for (int c = 0; c < channels; c++)
            {
                var s = frame.AsSpan(c * bits / 8, bits / 8);
                switch (isFloat, bits)
                {
                    case (true, 32): BitConverter.TryWriteBytes(s, (float)v); break;
                    case (true, 64): BitConverter.TryWriteBytes(s, v); break;
                    case (false, 8): s[0] = (byte)Math.Round(128 + 127 * v); break;
                    case (false, 16): BitConverter.TryWriteBytes(s, (short)Math.Round(32767 * v)); break;
                    case (false, 24):
                        int x = (int)Math.Round(8388607 * v);
                        s[0] = (byte)x; s[1] = (byte)(x >> 8); s[2] = (byte)(x >> 16);
                        break;
                    default: BitConverter.TryWriteBytes(s, (int)Math.Round(2147483647 * v)); break;
                }
            }
            w.Write(frame, 0, frame.Length);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void VocodeConvertsAnyCommonWav(int rate, int bits, int channels, bool isFloat)
    {
        var dir = Cli.TempDir();
        try
        {
            string input = Path.Combine(dir, $"tone-{rate}-{bits}{(isFloat ? "f" : "")}-{channels}ch.wav"), output = Path.Combine(dir, "out.wav");
            WriteTone(input, rate, bits, channels, isFloat, 220);
            var r = Cli.Run(120, "vocode", "--wav", input, "--out", output);
            Assert.True(r.ExitCode == 0, r.ToString());
            var y = NeuralSynth.Formats.WavFile.Read(output);
            Assert.Equal(16000, y.SampleRate);
            Assert.InRange(y.Frames, 15000, 16000);
            float heard = Yin.MedianPitch(y.Channels[0], y.SampleRate, 50, 1000);
            Assert.True(Math.Abs(Yin.Cents(heard, 220)) < 50, $"{Path.GetFileName(input)}: vocoded tone at {heard:F1} Hz, asked 220 Hz");
        }
        finally { Directory.Delete(dir, true); }
    }
}
