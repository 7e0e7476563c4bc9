using System.Text.Json;
using System.Text.Json.Serialization;
using NeuralSynth.Formats;

namespace NeuralSynth.Realtime.Timbre;

/// The macro directions of one model: unit vectors in latent space, found by `neuralsynth analyze directions`
/// (PCA of the generator's early-layer activations, regressed back onto z, as GANSpace does), with the
/// standard deviation of z's projection onto each one (the unit a macro knob moves in).
/// Stored as directions.json beside the model's weights; torch-free so the plugin and the real-time side read it.
public sealed class TimbreDirections
{
    public const string FileName = "directions.json";
    public const int FormatVersion = 1;

    public int LatentSize { get; }
    /// Unit vectors, most important first (at most TimbreSettings.MacroCount are used).
    public IReadOnlyList<float[]> Directions { get; }
    /// Std over z ~ N(0, I) of z . direction (about 1 for a Gaussian latent; measured, not assumed).
    public IReadOnlyList<double> Std { get; }
    /// Fraction of the activation variance each principal component explains (for reports).
    public IReadOnlyList<double> ExplainedVariance { get; }
    /// Model id (content hash) the directions were computed for; empty if unknown.
    public string ModelId { get; }
    /// Free-form description of how they were made (layer, samples, pitches).
    public string Source { get; }
    /// Leading latent coordinates that carry the instrument family of a family-conditioned model (its family count;
    /// 0 = none): the seed control keeps them from corner A, so a new seed plays another timbre of the same family.
    public int FamilyAxes { get; }

    public TimbreDirections(int latentSize, IReadOnlyList<float[]> directions, IReadOnlyList<double> std,
        IReadOnlyList<double>? explainedVariance = null, string modelId = "", string source = "", int familyAxes = 0)
    {
        if (latentSize < 1) throw new ArgumentException("latent size must be >= 1");
        if (familyAxes < 0 || familyAxes > latentSize) throw new ArgumentException($"family axes {familyAxes} must be within 0-{latentSize}");
        if (std.Count != directions.Count) throw new ArgumentException($"{directions.Count} directions but {std.Count} std values");
        var unit = new List<float[]>(directions.Count);
        for (int i = 0; i < directions.Count; i++)
        {
            var d = directions[i];
            if (d.Length != latentSize) throw new ArgumentException($"direction {i} has {d.Length} values, latent size is {latentSize}");
            double n = 0;
            foreach (float v in d) n += (double)v * v;
            n = Math.Sqrt(n);
            if (!(n > 1e-12) || !double.IsFinite(n)) throw new ArgumentException($"direction {i} is zero or not finite");
            if (!(std[i] > 0) || !double.IsFinite(std[i])) throw new ArgumentException($"std {i} must be a positive number");
            // Stored normalised so a macro's scale means exactly "std units along a unit vector".
            unit.Add(d.Select(v => (float)(v / n)).ToArray());
        }
        LatentSize = latentSize;
        Directions = unit;
        Std = std.ToArray();
        ExplainedVariance = (explainedVariance ?? Enumerable.Repeat(0.0, directions.Count).ToList()).ToArray();
        if (ExplainedVariance.Count != directions.Count) throw new ArgumentException("explained variance count differs from the direction count");
        ModelId = modelId;
        Source = source;
        FamilyAxes = familyAxes;
    }

    public int Count => Directions.Count;

    sealed class Dto
    {
        [JsonPropertyName("version")] public int Version { get; set; }
        [JsonPropertyName("model_id")] public string? ModelId { get; set; }
        [JsonPropertyName("source")] public string? Source { get; set; }
        [JsonPropertyName("latent_size")] public int LatentSize { get; set; }
        [JsonPropertyName("explained_variance")] public double[]? ExplainedVariance { get; set; }
        [JsonPropertyName("std")] public double[]? Std { get; set; }
        [JsonPropertyName("directions")] public float[][]? Directions { get; set; }
        [JsonPropertyName("family_axes"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? FamilyAxes { get; set; }
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public void Save(string path)
    {
        var dto = new Dto
        {
            Version = FormatVersion, ModelId = ModelId, Source = Source, LatentSize = LatentSize,
            ExplainedVariance = ExplainedVariance.ToArray(), Std = Std.ToArray(), Directions = Directions.ToArray(),
            FamilyAxes = FamilyAxes > 0 ? FamilyAxes : null,
        };
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(dto, Json));
        File.Move(tmp, path, overwrite: true);
    }

    public static TimbreDirections LoadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: directions file not found", path);
        Dto? dto;
        try { dto = JsonSerializer.Deserialize<Dto>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidFileException(path, e.BytePositionInLine ?? 0, "malformed directions file: " + e.Message); }
        if (dto == null) throw new InvalidFileException(path, 0, "directions file is empty");
        if (dto.Version != FormatVersion) throw new InvalidFileException(path, 0, $"field 'version' is {dto.Version}, this build reads version {FormatVersion}");
        if (dto.Directions == null) throw new InvalidFileException(path, 0, "field 'directions' is missing");
        if (dto.Std == null) throw new InvalidFileException(path, 0, "field 'std' is missing");
        try { return new TimbreDirections(dto.LatentSize, dto.Directions, dto.Std, dto.ExplainedVariance, dto.ModelId ?? "", dto.Source ?? "", dto.FamilyAxes ?? 0); }
        catch (ArgumentException e) { throw new InvalidFileException(path, 0, e.Message); }
    }

    /// directions.json in a model folder; throws if it exists but is malformed.
    public static TimbreDirections Load(string modelDir) => LoadFile(Path.Combine(modelDir, FileName));

    /// As Load, but null when the model has no directions yet (macros then do nothing).
    public static TimbreDirections? TryLoad(string modelDir)
    {
        string path = Path.Combine(modelDir, FileName);
        return File.Exists(path) ? LoadFile(path) : null;
    }
}
