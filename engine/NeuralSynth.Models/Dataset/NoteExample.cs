using System.Text.Json.Serialization;

namespace NeuralSynth.Models.Dataset;

/// One note's metadata, in NSynth's field names so NSynth tooling reads our datasets and vice versa.
public sealed record NoteExample
{
    [JsonPropertyName("note_str")] public required string NoteStr { get; init; }
    [JsonPropertyName("pitch")] public required int Pitch { get; init; }
    [JsonPropertyName("velocity")] public required int Velocity { get; init; }
    [JsonPropertyName("instrument")] public int Instrument { get; init; }
    [JsonPropertyName("instrument_str")] public required string InstrumentStr { get; init; }
    [JsonPropertyName("instrument_family")] public int InstrumentFamily { get; init; }
    [JsonPropertyName("instrument_family_str")] public required string InstrumentFamilyStr { get; init; }
    [JsonPropertyName("instrument_source")] public int InstrumentSource { get; init; }
    [JsonPropertyName("instrument_source_str")] public required string InstrumentSourceStr { get; init; }
    [JsonPropertyName("sample_rate")] public required int SampleRate { get; init; }
    [JsonPropertyName("qualities_str")] public string[] QualitiesStr { get; init; } = [];
}
