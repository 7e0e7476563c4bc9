using System.Text.Json;
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
