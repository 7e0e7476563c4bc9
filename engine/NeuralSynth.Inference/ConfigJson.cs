using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.Json.Serialization;
using NeuralSynth.Models.Gansynth;
using NeuralSynth.Models.Vocoder;

namespace NeuralSynth.Models;

// Source-generated (de)serialisers for the model configs a player loads. Reflection-based System.Text.Json spent
// ~65 ms building its metadata for the first config of a process, even precompiled: a tenth of a warm `render` of the
// demo song, and of the plug-in's first load.

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(GansynthConfig))]
internal sealed partial class GansynthConfigJson : JsonSerializerContext;

[JsonSourceGenerationOptions(WriteIndented = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, AllowTrailingCommas = true,
    ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(VocoderConfig))]
internal sealed partial class VocoderConfigJson : JsonSerializerContext;

/// Reads a config file over the type's defaults. The source-generated readers set every init-only property, so a key
/// the file lacks would become null or 0, not the property's default (the IF-Mel baseline's config, written before
/// "head" existed, loaded with no head at all until 2026-12-08): the file's keys are laid over the defaults, object by
/// object (a "spectral" block that names only some of its keys keeps the rest of its defaults).
internal static class ConfigReader
{
    public static T? OverDefaults<T>(string json, JsonTypeInfo<T> info, T defaults)
    {
        var options = new JsonDocumentOptions { AllowTrailingCommas = info.Options.AllowTrailingCommas, CommentHandling = info.Options.ReadCommentHandling };
        var file = JsonNode.Parse(json, documentOptions: options) as JsonObject ?? throw new JsonException("the config is not a JSON object");
        var full = (JsonObject)JsonSerializer.SerializeToNode(defaults, info)!;
        Lay(file, full);
        return full.Deserialize(info);
    }

    static void Lay(JsonObject from, JsonObject onto)
    {
        foreach (var (key, value) in from.ToList())
        {
            from.Remove(key);
            if (value is JsonObject inner && onto[key] is JsonObject under) Lay(inner, under);
            else onto[key] = value;
        }
    }
}
