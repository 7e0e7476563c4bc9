using NeuralSynth.Dsp;
using NeuralSynth.Dsp.Neural;
using NeuralSynth.Models.Audio;
using NeuralSynth.Models.Rendering;

namespace NeuralSynth.Models.Tests.Gansynth;

/// The plane targets: a note played from chosen planes by the additive renderer is measured back to those planes, each
/// harmonic on its own (which the note's log-mel alone cannot tell apart), and its noise plane comes out far below.
public class HarmonicAnalysisTests
{
    [Theory]
    [InlineData(36)]
    [InlineData(60)]
    [InlineData(81)]
    public void MeasuresBackThePlanesANoteWasPlayedFrom(int pitch)
    {
        var s = SpectralConfig.Default;
        const int minPitch = 24, maxPitch = 84, frames = 40;
        int mels = s.NMels, rows = mels, plane = rows * frames;
        var basis = HarmonicMelBasis.Compute(s.SampleRate, s.NFft, s.Hop, mels, s.FMin, s.FMax, minPitch, maxPitch, rows);
        int p = pitch - minPitch, top = HarmonicAnalysis.TopHarmonic(basis, p);
        var rowH = HarmonicAnalysis.RowHarmonics(rows);
        // Uneven levels from harmonic to harmonic (odd ones 2 nats down, as a clarinet's), falling slowly over time.
        var planes = new float[2 * plane];
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < frames; t++)
                planes[r * frames + t] = r < rows / 2 && r % 2 == 0 && r > 0 ? -4f - 0.1f * r - 0.01f * t : -2f - 0.1f * r - 0.01f * t;
        Array.Fill(planes, -20f, plane, mels * frames); // no noise
        var audio = new HarmonicSynth(s, basis, minPitch).Render(planes, frames, p, filter: false);
        using var mel = new MelSpectrogram(s);
        var lm = mel.LogMel(audio);
        var logMel = new float[mels * frames];
        Buffer.BlockCopy(lm, 0, logMel, 0, logMel.Length * sizeof(float));

        var measured = HarmonicAnalysis.Planes(audio, logMel, Yin.MidiToHz(pitch), p, basis, s.SampleRate, s.NFft, s.Hop, frames, MathF.Log(s.LogFloor), 4f);
        Assert.Equal((rows + mels) * frames, measured.Length);
        double sum = 0; int count = 0;
        for (int r = 0; r < rows / 2; r++) // the rows that are harmonics one by one
        {
            if (rowH[r] > top) break;
            for (int t = 3; t < frames - 3; t++) { sum += Math.Abs(measured[r * frames + t] - planes[r * frames + t]); count++; }
        }
        Assert.True(count >= 3 * (frames - 6), $"MIDI {pitch}: only {count} values compared");
        Assert.True(sum / count < 0.1, $"MIDI {pitch}: measured harmonic levels are {sum / count:F3} nats from the played ones on average");
        // The odd/even pattern is heard: it is what a band's total cannot say.
        if (top >= 4)
            Assert.True(measured[1 * frames + 10] - measured[2 * frames + 10] > 1.5, $"MIDI {pitch}: harmonic 2 vs 3 measured {measured[1 * frames + 10]:F2} / {measured[2 * frames + 10]:F2}");
        // Nothing is left for the noise plane where the harmonics are loud.
        double noiseBelow = 0; int bands = 0;
        for (int m = 0; m < mels; m++)
            for (int t = 3; t < frames - 3; t++)
                if (logMel[m * frames + t] > -6) { noiseBelow += logMel[m * frames + t] - measured[plane + m * frames + t]; bands++; }
        Assert.True(bands > 0 && noiseBelow / bands > 2.5, $"MIDI {pitch}: the noise plane is only {noiseBelow / Math.Max(1, bands):F2} nats below the loud bands");
    }

    [Fact]
    public void RowHarmonicsInvertsRowPosition()
    {
        var h = HarmonicAnalysis.RowHarmonics(80);
        for (int r = 0; r < 80; r++) Assert.Equal(r, HarmonicMelBasis.RowPosition(h[r], 80), 6);
    }
}
