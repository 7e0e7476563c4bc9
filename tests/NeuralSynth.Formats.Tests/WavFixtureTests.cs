using System.Buffers.Binary;

namespace NeuralSynth.Formats.Tests;

/// Files written by another program (SoX 14.4): WAVE_FORMAT_EXTENSIBLE for 24/32-bit and 3 channels, an 18-byte
/// float fmt chunk, 'fact' chunks, an odd-length 8-bit data chunk with its pad byte. Each .wav has a .f32 next to
/// it: SoX's own decoding as raw interleaved float32, made with `sox -D file.wav -t f32 file.f32`.
public class WavFixtureTests
{
    [Theory]
    [InlineData("sox-s16-mono.wav", 22050, 1, 0.0)]
    [InlineData("sox-s16-3ch-ext.wav", 48000, 3, 0.0)]
    [InlineData("sox-s24-stereo-ext.wav", 44100, 2, 0.0)]
    // SoX rounds 32-bit integers to float in single precision arithmetic (errors of ~2^-25 full scale);
    // we round exactly, so the two agree to within one 24-bit step.
    [InlineData("sox-s32-stereo-ext.wav", 96000, 2, 1.0 / (1 << 24))]
    [InlineData("sox-f32-mono.wav", 8000, 1, 0.0)]
    [InlineData("sox-u8-mono-odd.wav", 11025, 1, 0.0)]
    public void DecodesAsSoxDoes(string name, int rate, int channels, double tolerance)
    {
        var w = WavFile.Read(TestPaths.Fixture(name));
        var raw = File.ReadAllBytes(TestPaths.Fixture(Path.ChangeExtension(name, ".f32")));
        int frames = raw.Length / 4 / channels;
        Assert.Equal(rate, w.SampleRate);
        Assert.Equal(channels, w.Channels.Length);
        Assert.Equal(frames, w.Frames);
        for (int i = 0; i < frames; i++)
            for (int c = 0; c < channels; c++)
            {
                float expected = BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * (i * channels + c)));
                if (tolerance == 0) Assert.Equal(expected, w.Channels[c][i]);
                else Assert.True(Math.Abs(expected - w.Channels[c][i]) <= tolerance, $"frame {i} channel {c}: {w.Channels[c][i]} vs SoX {expected}");
            }
    }
}
