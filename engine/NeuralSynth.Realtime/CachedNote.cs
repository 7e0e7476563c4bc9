namespace NeuralSynth.Realtime;

/// A rendered note ready for the audio thread: immutable samples at the model rate plus the
/// sustain loop chosen when it was cached. Voices read `Buffer` directly: `Padding` zeros, the
/// `Length` playable samples (crossfade baked in before the loop end), then `Padding` samples that
/// continue the loop from its start (or zeros), so the resampler's window never needs a branch.
/// The pin count (touched with Interlocked by the audio thread, never blocking) tells the cache
/// which notes voices are playing; `LastUsed` orders eviction.
public sealed class CachedNote
{
    /// Half the longest resampler kernel the engine uses (256 taps, the 8x decimation bank).
    public const int Padding = 128;

    public NoteKey Key { get; }
    public int SampleRate { get; }
    public int Pitch => Key.Pitch;
    public int VelocityLayer => Key.VelocityLayer;
    /// Playable samples. For a looped note this ends at LoopEnd (nothing after it is ever played).
    public int Length { get; }
    /// -1 when the note does not loop (it plays to its end and stops).
    public int LoopStart { get; }
    public int LoopEnd { get; }
    public int CrossfadeLength { get; }
    public bool HasLoop => LoopStart >= 0;
    public int LoopLength => HasLoop ? LoopEnd - LoopStart : 0;

    internal readonly float[] Buffer;
    public ReadOnlySpan<float> Samples => Buffer.AsSpan(Padding, Length);
    /// What the note costs against the cache budget.
    public long Bytes => Buffer.Length * sizeof(float) + 256L;

    int pinCount;
    long lastUsed;
    public int PinCount => Volatile.Read(ref pinCount);
    public long LastUsed => Volatile.Read(ref lastUsed);
    internal void Pin() => Interlocked.Increment(ref pinCount);
    internal void Unpin() => Interlocked.Decrement(ref pinCount);
    internal void Touch(long tick) => Volatile.Write(ref lastUsed, tick);

    CachedNote(NoteKey key, int sampleRate, float[] buffer, int length, int loopStart, int loopEnd, int crossfade)
    {
        Key = key; SampleRate = sampleRate; Buffer = buffer; Length = length;
        LoopStart = loopStart; LoopEnd = loopEnd; CrossfadeLength = crossfade;
    }

    /// Builds the playback buffer from a freshly rendered waveform (worker thread; allocates).
    /// Finds the sustain loop unless `findLoop` is false.
    public static CachedNote Create(NoteKey key, ReadOnlySpan<float> samples, int sampleRate, bool findLoop = true)
    {
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate));
        if (samples.Length == 0) throw new ArgumentException($"note {key} has no samples");
        LoopPoints? loop = findLoop ? LoopFinder.Find(samples, sampleRate, key.Pitch, Padding) : null;
        if (loop is not LoopPoints lp)
        {
            var buffer = new float[Padding + samples.Length + Padding];
            samples.CopyTo(buffer.AsSpan(Padding));
            return new CachedNote(key, sampleRate, buffer, samples.Length, -1, -1, 0);
        }
        var baked = new float[Padding + lp.End + Padding];
        var body = baked.AsSpan(Padding, lp.End);
        samples[..lp.End].CopyTo(body);
        // Crossfade from the note's own continuation into what precedes the loop start, then copy
        // the guard verbatim: around the seam the played signal is the original waveform around Start.
        int fadeFrom = lp.End - lp.Guard - lp.Crossfade;
        for (int j = 0; j < lp.Crossfade; j++)
        {
            float w = (j + 0.5f) / lp.Crossfade;
            body[fadeFrom + j] = (1 - w) * samples[fadeFrom + j] + w * samples[fadeFrom + j - lp.Length];
        }
        for (int j = 0; j < lp.Guard; j++) body[lp.End - lp.Guard + j] = samples[lp.End - lp.Guard + j - lp.Length];
        return FromPlayable(key, sampleRate, baked, lp.End, lp.Start, lp.End, lp.Crossfade);
    }

    /// A note whose playable samples (crossfade already baked) and loop are known, e.g. read back
    /// from the disk cache. `buffer` holds Padding + length + Padding floats; the continuation after
    /// the loop end is (re)written here.
    internal static CachedNote FromPlayable(NoteKey key, int sampleRate, float[] buffer, int length, int loopStart, int loopEnd, int crossfade)
    {
        if (buffer.Length != Padding + length + Padding) throw new ArgumentException("buffer size does not match the length");
        if (loopStart >= 0)
        {
            if (loopEnd != length || loopStart >= loopEnd) throw new ArgumentException("loop points outside the note");
            int loopLength = loopEnd - loopStart;
            for (int j = 0; j < Padding; j++) buffer[Padding + loopEnd + j] = buffer[Padding + loopStart + j % loopLength];
        }
        return new CachedNote(key, sampleRate, buffer, length, loopStart, loopStart >= 0 ? loopEnd : -1, crossfade);
    }
}
