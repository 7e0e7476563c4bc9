using static TorchSharp.torch;

namespace NeuralSynth.Models;

/// Thrown by a trainer at the first non-finite loss or gradient, before the optimiser steps: the weights in memory and the last
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

    /// After backward, before the optimiser step: throws NonFiniteLossException naming the first parameter whose
    /// gradient is not finite (a finite loss can still back-propagate an overflow).
    public static void CheckGradients(TorchSharp.torch.nn.Module module, string name, int step, string checkpointDir)
    {
        foreach (var (param, p) in module.named_parameters())
        {
            if (p.grad is null) continue;
            using var finite = p.grad.isfinite().all();
            if (finite.item<bool>()) continue;
            throw new NonFiniteLossException($"step {step}: the {name}'s gradient of {param} is not finite; training stopped before updating the weights. " +
                $"The last checkpoint ({checkpointDir}) is intact; lower the learning rate or check the data, then rerun to resume.");
        }
    }
}
