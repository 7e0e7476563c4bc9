namespace NeuralSynth.Realtime;

/// The velocities notes are rendered at, one per layer (NoteKey.VelocityLayer is the index).
/// Default 50, 90, 127: the velocities of the training dataset. A played velocity uses the layer
/// whose velocity is nearest (ties go to the louder layer); the voice engine's gain curve covers
/// the difference between the played and the rendered velocity.
public sealed class VelocityLayers
{
    readonly int[] velocities;
    public static readonly VelocityLayers Default = new(50, 90, 127);

    public VelocityLayers(params int[] velocities)
    {
        if (velocities.Length == 0) throw new ArgumentException("at least one velocity layer");
        for (int i = 0; i < velocities.Length; i++)
        {
            if (velocities[i] is < 1 or > 127) throw new ArgumentOutOfRangeException(nameof(velocities), "velocities are 1-127");
            if (i > 0 && velocities[i] <= velocities[i - 1]) throw new ArgumentException("velocities must increase");
        }
        this.velocities = (int[])velocities.Clone();
    }

    public int Count => velocities.Length;
    public int VelocityOf(int layer) => velocities[Math.Clamp(layer, 0, velocities.Length - 1)];
    public IReadOnlyList<int> All => velocities;

    /// Allocation-free; safe on the audio thread.
    public int LayerFor(int velocity)
    {
        int best = 0;
        for (int i = 1; i < velocities.Length; i++)
            if (Math.Abs(velocities[i] - velocity) <= Math.Abs(velocities[best] - velocity)) best = i;
        return best;
    }
}
