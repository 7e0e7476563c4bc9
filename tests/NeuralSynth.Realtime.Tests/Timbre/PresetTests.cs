using System.Text;
using NeuralSynth.Formats;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;

namespace NeuralSynth.Realtime.Tests.Timbre;

public class PresetTests
{
    const string Valid = """
    {
      "version": 1, "name": "Test Brass", "model": "gansynth",
      "corners": [12, 407, [0.5, -1.25, 2], 9],
      "x": 0.25, "y": 0.75, "macros": [0, 0.5, -0.5, 0, 0, 0, 0, 1], "seed": 3,
      "gain_db": -6, "velocity_sensitivity": 0.8, "release_s": 0.5, "pitch_bend_range": 12,
      "vibrato_cents": 8.5, "vibrato_hz": 5.2, "family": "brass", "notes": "hand-written"
    }
    """;

    static Preset Parse(string json) => Preset.Parse(Encoding.UTF8.GetBytes(json), "presets/x.json");

    static string ErrorOf(string json) => Assert.Throws<InvalidFileException>(() => Parse(json)).Message;

    static string Replace(string field, string value)
    {
        // Rewrites one field's value in the valid preset.
        var lines = Valid.Replace(", \"", ",\n\"").Split('\n');
        return string.Join('\n', lines.Select(l => l.TrimStart().StartsWith($"\"{field}\"") ? $"\"{field}\": {value}" + (l.TrimEnd().EndsWith(',') ? "," : "") : l));
    }

    [Fact]
    public void ParsesEveryField()
    {
        var p = Parse(Valid);
        Assert.Equal("Test Brass", p.Name);
        Assert.Equal("gansynth", p.Model);
        Assert.Equal(CornerSpec.FromSeed(12), p.Corners[0]);
        Assert.Equal(new float[] { 0.5f, -1.25f, 2f }, p.Corners[2].Values);
        Assert.Equal(0.25, p.X);
        Assert.Equal(1.0, p.Macros[7]);
        Assert.Equal(3, p.Seed);
        Assert.Equal(-6, p.GainDb);
        Assert.Equal(0.8, p.VelocitySensitivity);
        Assert.Equal(12, p.PitchBendRange);
        Assert.Equal(8.5, p.VibratoCents);
        Assert.Equal(5.2, p.VibratoHz);
        Assert.Equal("brass", p.Family);
    }

    [Fact]
    public void SaveThenLoadIsExact()
    {
        var z = Latent.FromSeed(5, 64);
        var p = Parse(Valid) with { Corners = [CornerSpec.FromLatent(z), CornerSpec.FromSeed(1), CornerSpec.FromSeed(long.MaxValue), CornerSpec.FromSeed(0)], X = 0.1 + 0.2 };
        string dir = Directory.CreateTempSubdirectory("ns-preset").FullName;
        try
        {
            string path = Path.Combine(dir, "p.json");
            p.Save(path);
            var back = Preset.Load(path);
            Assert.Equal(p, back);
            Assert.Equal(z, back.Corners[0].ToLatent(LatentPrior.Gaussian(64))); // floats survive bit for bit
            Assert.Equal(p.ToLatent(LatentPrior.Gaussian(64), null), back.ToLatent(LatentPrior.Gaussian(64), null));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void OptionalFieldsTakeDefaults()
    {
        var p = Parse("""{"version":1,"name":"n","model":"m","corners":[1,2,3,4]}""");
        Assert.Equal(0.5, p.X);
        Assert.Equal(new double[8], p.Macros);
        Assert.Equal(0, p.Seed);
        Assert.Equal(1, p.VelocitySensitivity);
        Assert.Null(p.Family);
    }

    [Fact]
    public void WrongMacroCountNamesFileAndField()
    {
        string msg = ErrorOf(Replace("macros", "[0, 0, 0, 0, 0]"));
        Assert.StartsWith("presets/x.json: field 'macros' must have 8 numbers, got 5", msg);
    }

    [Theory]
    [InlineData("x", "1.5", "field 'x' must be between 0 and 1, got 1.5")]
    [InlineData("x", "\"left\"", "field 'x' must be a number, got the string \"left\"")]
    [InlineData("macros", "[0,0,0,0,0,0,0,2]", "field 'macros' entry 7 must be between -1 and 1, got 2")]
    [InlineData("corners", "[1,2,3]", "field 'corners' must have 4 corners, got 3")]
    [InlineData("corners", "[1,2,-3,4]", "field 'corners' entry 2 must be a non-negative integer seed")]
    [InlineData("corners", "[1,2,[1,\"a\"],4]", "field 'corners' entry 2, number 1 must be a finite number")]
    [InlineData("corners", "[1,2,{},4]", "field 'corners' entry 2 must be a seed integer or a list of numbers")]
    [InlineData("seed", "1000", "field 'seed' must be an integer from 0 to 999, got 1000")]
    [InlineData("seed", "2.5", "field 'seed' must be an integer")]
    [InlineData("pitch_bend_range", "48", "field 'pitch_bend_range' must be an integer from 0 to 24, got 48")]
    [InlineData("version", "2", "field 'version' is 2; this build reads preset versions up to 1")]
    [InlineData("name", "\"  \"", "field 'name' must not be empty")]
    [InlineData("release_s", "0", "field 'release_s' must be between 0.01 and 10, got 0")]
    [InlineData("vibrato_cents", "-1", "field 'vibrato_cents' must be between 0 and 100, got -1")]
    [InlineData("vibrato_hz", "40", "field 'vibrato_hz' must be between 0.5 and 12, got 40")]
    public void BadFieldsGiveOneClearError(string field, string value, string expected)
    {
        string msg = ErrorOf(Replace(field, value));
        Assert.StartsWith("presets/x.json: ", msg);
        Assert.Contains(expected, msg);
    }

    [Fact]
    public void ErrorsPointAtTheFieldsBytes()
    {
        string json = Replace("macros", "[1]");
        var e = Assert.Throws<InvalidFileException>(() => Parse(json));
        Assert.Equal("[1]", json.Substring((int)e.Offset, 3));
    }

    [Fact]
    public void MissingAndUnknownFieldsAndBrokenJson()
    {
        Assert.Contains("field 'corners' is missing", ErrorOf("""{"version":1,"name":"n","model":"m"}"""));
        Assert.Contains("field 'macro' is not a preset field", ErrorOf("""{"version":1,"name":"n","model":"m","corners":[1,2,3,4],"macro":[]}"""));
        Assert.Contains("not valid JSON", ErrorOf("""{"version":1,"name":"n",""" ));
        Assert.Contains("must be one JSON object", ErrorOf("[1,2]"));
    }

    [Fact]
    public void ExplicitCornerOfTheWrongSizeIsRejectedWhenUsed()
    {
        var p = Parse(Valid);
        var e = Assert.Throws<ArgumentException>(() => p.ToLatent(LatentPrior.Gaussian(64), null));
        Assert.Contains("3 numbers, the model's latent size is 64", e.Message);
    }

    [Fact]
    public void ToLatentIsTheTimbreControlsResult()
    {
        var p = Parse("""{"version":1,"name":"n","model":"m","corners":[1,2,3,4],"x":0.3,"y":0.9}""");
        var expected = TimbreControls.Compute(Latent.FromSeed(1, 64), Latent.FromSeed(2, 64), Latent.FromSeed(3, 64), Latent.FromSeed(4, 64),
            new TimbreSettings { X = 0.3, Y = 0.9 }, null, LatentPrior.Gaussian(64));
        Assert.Equal(expected, p.ToLatent(LatentPrior.Gaussian(64), null));
    }

    [Fact]
    public void SaveRefusesInvalidPresets()
    {
        var p = Parse(Valid) with { Macros = [1, 2] };
        var e = Assert.Throws<ArgumentException>(() => p.ToJsonBytes());
        Assert.Contains("'macros' must have 8 numbers, got 2", e.Message);
    }
}
