// Tests check internal helpers (colour mapping) directly.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("NeuralSynth.Dsp.Tests")]
