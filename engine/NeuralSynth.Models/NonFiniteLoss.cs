using static TorchSharp.torch;

namespace NeuralSynth.Models;

/// Thrown by a trainer at the first non-finite loss, before the optimiser steps: the weights in memory and the last
/// checkpoint on disk stay as they were, so nothing NaN is ever saved.
public sealed class NonFiniteLossException(string message) : Exception(message);

public static class NonFiniteLoss
{
    /// Throws NonFiniteLossException naming the loss, the step and where the last good checkpoint is.
    public static void Check(Tensor loss, string name, int step, string checkpointDir)
    {
        float v = loss.item<float>();
        if (float.IsFinite(v)) return;
        throw new NonFiniteLossException($"step {step}: {name} loss is {v}; training stopped before updating the weights. " +
            $"The last checkpoint ({checkpointDir}) is intact; lower the learning rate or check the data, then rerun to resume.");
    }
}
