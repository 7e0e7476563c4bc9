namespace NeuralSynth.Plugin;

/// <summary>What the factory and moduleinfo.json say about the plug-in. Class ids never change once shipped.</summary>
public static class PluginInfo
{
    public const string Vendor = "NeuralSynth";
    public const string Url = "https://github.com/neuralsynth/neuralsynth";
    public const string Email = "mailto:neuralsynth@example.org";
    public const string Name = "NeuralSynth";
    public const string Version = "1.0.0";
    public const string SdkVersion = "VST 3.7.14";
    public const string ProcessorCategory = "Audio Module Class";
    public const string ControllerCategory = "Component Controller Class";
    public const string SubCategories = "Instrument|Synth";
    public const uint ClassFlagDistributable = 1;

    /// <summary>"NSynthProcessor1" in ASCII.</summary>
    public static ReadOnlySpan<byte> ProcessorCid => "NSynthProcessor1"u8;
    /// <summary>"NSynthController" in ASCII.</summary>
    public static ReadOnlySpan<byte> ControllerCid => "NSynthController"u8;
}
