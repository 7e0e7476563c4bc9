namespace NeuralSynth.Plugin.Vst3;

/// <summary>VST3 result codes as Linux/macOS define them (not Windows HRESULTs): success is 0.</summary>
public static class Tresult
{
    public const int Ok = 0;            // kResultOk == kResultTrue
    public const int False = 1;         // kResultFalse
    public const int NoInterface = -1;
    public const int InvalidArgument = 2;
    public const int NotImplemented = 3;
    public const int InternalError = 4;
    public const int NotInitialized = 5;
    public const int OutOfMemory = 6;
}
