using System.Globalization;
using System.Text;
using System.Text.Json;
using NeuralSynth.Formats;

namespace NeuralSynth.Realtime.Timbre;

/// A saved sound: which model, the four morph corners, the timbre parameters and the playing parameters.
/// Stored as versioned JSON (snake_case, one object):
/// <code>
/// { "version": 1, "name": "Warm Brass", "model": "gansynth", "corners": [12, 407, [0.1, ...], 9],
///   "x": 0.5, "y": 0.5, "macros": [0,0,0,0,0,0,0,0], "seed": 0, "gain_db": 0, "velocity_sensitivity": 1,
///   "release_s": 0.3, "pitch_bend_range": 2, "vibrato_cents": 0, "vibrato_hz": 5.5, "family": "brass", "notes": "..." }
/// </code>
/// Required: version, name, model, corners (4 entries, each a seed integer or a list of latent floats).
/// Optional fields take the defaults below. Unknown fields are errors (they are usually typos). Every problem
/// is one InvalidFileException naming the file, the field and the byte offset of the field's value.
public sealed record Preset
{
    public const int CurrentVersion = 1;
    public const int CornerCount = 4;
    public const int MaxSeed = 999; // the plugin's Seed parameter range

    public int Version { get; init; } = CurrentVersion;
    public required string Name { get; init; }
    /// Model folder name under presets/models/ (e.g. "gansynth"), or a path to a model folder.
    public required string Model { get; init; }
    public required IReadOnlyList<CornerSpec> Corners { get; init; }
    public double X { get; init; } = 0.5;
    public double Y { get; init; } = 0.5;
    public IReadOnlyList<double> Macros { get; init; } = new double[TimbreSettings.MacroCount];
    public long Seed { get; init; }
    public double GainDb { get; init; }
    /// 0 = every note at full level, 1 = level follows velocity fully.
    public double VelocitySensitivity { get; init; } = 1;
    public double ReleaseS { get; init; } = 0.3;
    public int PitchBendRange { get; init; } = 2;
    /// The sound's own vibrato: peak cents (0-100; 0 plays exactly in tune) and rate (VoiceEngineOptions.VibratoCents).
    public double VibratoCents { get; init; }
    public double VibratoHz { get; init; } = VoiceEngineOptions.DefaultVibratoRateHz;
    /// Instrument family hint (NSynth names: bass, brass, flute, guitar, keyboard, mallet, organ, reed, string, synth_lead, vocal).
    public string? Family { get; init; }
    public string? Notes { get; init; }

    public TimbreSettings Settings => new() { X = X, Y = Y, Macros = Macros.ToArray(), Seed = Seed };

    public Latent[] CornerLatents(LatentPrior prior) => Corners.Select(c => c.ToLatent(prior)).ToArray();

    /// The preset's latent for a model with this prior (TimbreControls over its corners and parameters).
    public Latent ToLatent(LatentPrior prior, TimbreDirections? directions) =>
        TimbreControls.Compute(CornerLatents(prior), Settings, directions, prior);

    /// The model folder: Model if it is an existing directory (absolute, or relative to the current
    /// directory or to the preset's folder), else presetFolder/models/Model.
    public string ResolveModelDir(string presetPath)
    {
        if (Directory.Exists(Model)) return Path.GetFullPath(Model);
        string folder = Path.GetDirectoryName(Path.GetFullPath(presetPath)) ?? ".";
        string near = Path.Combine(folder, Model);
        if (Directory.Exists(near)) return near;
        return Path.Combine(folder, "models", Model);
    }

    // ---------------------------------------------------------------- reading

    static readonly string[] KnownFields =
        ["version", "name", "model", "corners", "x", "y", "macros", "seed", "gain_db", "velocity_sensitivity", "release_s", "pitch_bend_range", "vibrato_cents", "vibrato_hz", "family", "notes"];

    public static Preset Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: preset not found", path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// Parses preset JSON; `source` names the file in error messages.
    public static Preset Parse(ReadOnlySpan<byte> utf8, string source)
    {
        var offsets = FieldOffsets(utf8, source);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new InvalidFileException(source, e.BytePositionInLine ?? 0, "not valid JSON: " + e.Message); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidFileException(source, 0, "a preset must be one JSON object");
            var r = new FieldReader(root, source, offsets);
            foreach (var p in root.EnumerateObject())
                if (!KnownFields.Contains(p.Name)) throw r.Error(p.Name, "is not a preset field (known: " + string.Join(", ", KnownFields) + ")");

            int version = r.Int("version", required: true, 1, int.MaxValue, 0);
            if (version > CurrentVersion) throw r.Error("version", $"is {version}; this build reads preset versions up to {CurrentVersion}");
            var preset = new Preset
            {
                Version = version,
                Name = r.String("name", required: true)!,
                Model = r.String("model", required: true)!,
                Corners = r.Corners("corners"),
                X = r.Number("x", 0, 1, 0.5),
                Y = r.Number("y", 0, 1, 0.5),
                Macros = r.NumberArray("macros", TimbreSettings.MacroCount, -1, 1),
                Seed = r.Int("seed", required: false, 0, MaxSeed, 0),
                GainDb = r.Number("gain_db", -60, 12, 0),
                VelocitySensitivity = r.Number("velocity_sensitivity", 0, 1, 1),
                ReleaseS = r.Number("release_s", 0.01, 10, 0.3),
                PitchBendRange = r.Int("pitch_bend_range", required: false, 0, 24, 2),
                VibratoCents = r.Number("vibrato_cents", 0, VoiceEngineOptions.MaxVibratoCents, 0),
                VibratoHz = r.Number("vibrato_hz", VoiceEngineOptions.MinVibratoRateHz, VoiceEngineOptions.MaxVibratoRateHz, VoiceEngineOptions.DefaultVibratoRateHz),
                Family = r.String("family", required: false),
                Notes = r.String("notes", required: false),
            };
            return preset;
        }
    }

    /// Byte offset of each top-level field's value, so errors can point into the file.
    static Dictionary<string, long> FieldOffsets(ReadOnlySpan<byte> utf8, string source)
    {
        var map = new Dictionary<string, long>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            string? pending = null;
            while (reader.Read())
            {
                if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName) { pending = reader.GetString(); continue; }
                if (pending != null && reader.CurrentDepth == 1) { map.TryAdd(pending, reader.TokenStartIndex); pending = null; }
            }
        }
        catch (JsonException e) { throw new InvalidFileException(source, reader.BytesConsumed, "not valid JSON: " + e.Message); }
        return map;
    }

    sealed class FieldReader(JsonElement root, string source, Dictionary<string, long> offsets)
    {
        public InvalidFileException Error(string field, string what) =>
            new(source, offsets.GetValueOrDefault(field), $"field '{field}' {what}");

        bool TryGet(string field, bool required, out JsonElement e)
        {
            if (root.TryGetProperty(field, out e) && e.ValueKind != JsonValueKind.Null) return true;
            if (required) throw new InvalidFileException(source, 0, $"field '{field}' is missing");
            return false;
        }

        public string? String(string field, bool required)
        {
            if (!TryGet(field, required, out var e)) return null;
            if (e.ValueKind != JsonValueKind.String) throw Error(field, $"must be a string, got {Describe(e)}");
            string s = e.GetString()!;
            if (required && s.Trim().Length == 0) throw Error(field, "must not be empty");
            return s;
        }

        public double Number(string field, double min, double max, double fallback)
        {
            if (!TryGet(field, false, out var e)) return fallback;
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out double v) || !double.IsFinite(v)) throw Error(field, $"must be a number, got {Describe(e)}");
            if (v < min || v > max) throw Error(field, $"must be between {F(min)} and {F(max)}, got {F(v)}");
            return v;
        }

        public int Int(string field, bool required, int min, int max, int fallback)
        {
            if (!TryGet(field, required, out var e)) return fallback;
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v)) throw Error(field, $"must be an integer, got {Describe(e)}");
            if (v < min || v > max) throw Error(field, $"must be an integer from {min} to {max}, got {v}");
            return (int)v;
        }

        public double[] NumberArray(string field, int count, double min, double max)
        {
            if (!TryGet(field, false, out var e)) return new double[count];
            if (e.ValueKind != JsonValueKind.Array) throw Error(field, $"must be a list of {count} numbers, got {Describe(e)}");
            int n = e.GetArrayLength();
            if (n != count) throw Error(field, $"must have {count} numbers, got {n}");
            var r = new double[count];
            int i = 0;
            foreach (var item in e.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out double v) || !double.IsFinite(v))
                    throw Error(field, $"entry {i} must be a number, got {Describe(item)}");
                if (v < min || v > max) throw Error(field, $"entry {i} must be between {F(min)} and {F(max)}, got {F(v)}");
                r[i++] = v;
            }
            return r;
        }

        public CornerSpec[] Corners(string field)
        {
            TryGet(field, true, out var e);
            if (e.ValueKind != JsonValueKind.Array) throw Error(field, $"must be a list of {CornerCount} corners (seed integers or lists of latent numbers), got {Describe(e)}");
            int n = e.GetArrayLength();
            if (n != CornerCount) throw Error(field, $"must have {CornerCount} corners, got {n}");
            var r = new CornerSpec[CornerCount];
            int i = 0;
            foreach (var item in e.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Number)
                {
                    if (!item.TryGetInt64(out long seed) || seed < 0) throw Error(field, $"entry {i} must be a non-negative integer seed or a list of numbers, got {Describe(item)}");
                    r[i] = CornerSpec.FromSeed(seed);
                }
                else if (item.ValueKind == JsonValueKind.Array)
                {
                    var values = new List<float>();
                    int k = 0;
                    foreach (var v in item.EnumerateArray())
                    {
                        if (v.ValueKind != JsonValueKind.Number || !v.TryGetSingle(out float f) || !float.IsFinite(f))
                            throw Error(field, $"entry {i}, number {k} must be a finite number, got {Describe(v)}");
                        values.Add(f);
                        k++;
                    }
                    if (values.Count == 0) throw Error(field, $"entry {i} is an empty list");
                    r[i] = CornerSpec.FromValues(values.ToArray());
                }
                else throw Error(field, $"entry {i} must be a seed integer or a list of numbers, got {Describe(item)}");
                i++;
            }
            return r;
        }

        static string Describe(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => $"the string \"{Truncate(e.GetString()!)}\"",
            JsonValueKind.Number => $"the number {e.GetRawText()}",
            JsonValueKind.Array => $"a list of {e.GetArrayLength()}",
            JsonValueKind.Object => "an object",
            JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
            _ => e.ValueKind.ToString().ToLowerInvariant(),
        };

        static string Truncate(string s) => s.Length <= 24 ? s : s[..24] + "...";
    }

    static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------- writing

    public byte[] ToJsonBytes()
    {
        Validate();
        using var ms = new MemoryStream();
        // Relaxed escaping: presets are files people read, so an apostrophe stays an apostrophe (not \u0027).
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("version", CurrentVersion);
            w.WriteString("name", Name);
            w.WriteString("model", Model);
            w.WriteStartArray("corners");
            foreach (var c in Corners)
            {
                if (c.Seed is long s) w.WriteNumberValue(s);
                else
                {
                    w.WriteStartArray();
                    foreach (float v in c.Values!) w.WriteNumberValue(v);
                    w.WriteEndArray();
                }
            }
            w.WriteEndArray();
            w.WriteNumber("x", X);
            w.WriteNumber("y", Y);
            w.WriteStartArray("macros");
            foreach (double m in Macros) w.WriteNumberValue(m);
            w.WriteEndArray();
            w.WriteNumber("seed", Seed);
            w.WriteNumber("gain_db", GainDb);
            w.WriteNumber("velocity_sensitivity", VelocitySensitivity);
            w.WriteNumber("release_s", ReleaseS);
            w.WriteNumber("pitch_bend_range", PitchBendRange);
            if (VibratoCents != 0 || VibratoHz != VoiceEngineOptions.DefaultVibratoRateHz) { w.WriteNumber("vibrato_cents", VibratoCents); w.WriteNumber("vibrato_hz", VibratoHz); }
            if (Family != null) w.WriteString("family", Family);
            if (Notes != null) w.WriteString("notes", Notes);
            w.WriteEndObject();
        }
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }

    public string ToJson() => Encoding.UTF8.GetString(ToJsonBytes());

    /// Writes atomically (temp file + rename), so a crash never leaves half a preset.
    public void Save(string path)
    {
        var bytes = ToJsonBytes();
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        string tmp = path + ".tmp";
        File.WriteAllBytes(tmp, bytes);
        File.Move(tmp, path, overwrite: true);
    }

    /// The same checks Parse makes, for presets built in code (throws ArgumentException naming the field).
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("preset field 'name' must not be empty");
        if (string.IsNullOrWhiteSpace(Model)) throw new ArgumentException("preset field 'model' must not be empty");
        if (Corners is not { Count: CornerCount }) throw new ArgumentException($"preset field 'corners' must have {CornerCount} corners");
        if (Corners.Any(c => c is null || c.Seed < 0)) throw new ArgumentException("preset field 'corners' holds a null corner or a negative seed");
        Check("x", X, 0, 1); Check("y", Y, 0, 1);
        if (Macros is not { Count: TimbreSettings.MacroCount }) throw new ArgumentException($"preset field 'macros' must have {TimbreSettings.MacroCount} numbers, got {Macros?.Count ?? 0}");
        for (int i = 0; i < Macros.Count; i++) Check($"macros[{i}]", Macros[i], -1, 1);
        if (Seed < 0 || Seed > MaxSeed) throw new ArgumentException($"preset field 'seed' must be from 0 to {MaxSeed}, got {Seed}");
        Check("gain_db", GainDb, -60, 12);
        Check("velocity_sensitivity", VelocitySensitivity, 0, 1);
        Check("release_s", ReleaseS, 0.01, 10);
        if (PitchBendRange < 0 || PitchBendRange > 24) throw new ArgumentException($"preset field 'pitch_bend_range' must be from 0 to 24, got {PitchBendRange}");
        Check("vibrato_cents", VibratoCents, 0, VoiceEngineOptions.MaxVibratoCents);
        Check("vibrato_hz", VibratoHz, VoiceEngineOptions.MinVibratoRateHz, VoiceEngineOptions.MaxVibratoRateHz);
    }

    static void Check(string field, double v, double min, double max)
    {
        if (!double.IsFinite(v) || v < min || v > max) throw new ArgumentException($"preset field '{field}' must be between {F(min)} and {F(max)}, got {v.ToString(CultureInfo.InvariantCulture)}");
    }

    public bool Equals(Preset? o) =>
        o is not null && Version == o.Version && Name == o.Name && Model == o.Model && Corners.SequenceEqual(o.Corners)
        && X == o.X && Y == o.Y && Macros.SequenceEqual(o.Macros) && Seed == o.Seed && GainDb == o.GainDb
        && VelocitySensitivity == o.VelocitySensitivity && ReleaseS == o.ReleaseS && PitchBendRange == o.PitchBendRange
        && VibratoCents == o.VibratoCents && VibratoHz == o.VibratoHz && Family == o.Family && Notes == o.Notes;

    public override int GetHashCode() => HashCode.Combine(Name, Model, X, Y, Seed);
}
