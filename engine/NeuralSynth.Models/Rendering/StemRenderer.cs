using System.Numerics.Tensors;
using NeuralSynth.Formats;
using NeuralSynth.Realtime;

namespace NeuralSynth.Models.Rendering;

/// How one MIDI track sounds: its timbre and the envelope/gain settings of its preset.
public sealed record TrackSound(string PresetName, Latent Z, double GainDb = 0, double VelocitySensitivity = 1, double ReleaseSeconds = 0.3, double PitchBendRange = 2,
    double VibratoCents = 0, double VibratoHz = VoiceEngineOptions.DefaultVibratoRateHz)
{
    /// How a preset sounds on a model with this prior (and its macro directions, if it has them).
    public static TrackSound From(Realtime.Timbre.Preset p, LatentPrior prior, Realtime.Timbre.TimbreDirections? directions) =>
        new(p.Name, p.ToLatent(prior, directions), p.GainDb, p.VelocitySensitivity, p.ReleaseS, p.PitchBendRange, p.VibratoCents, p.VibratoHz);
}

public sealed record Stem(string TrackName, int TrackIndex, string PresetName, float[] Left, float[] Right);

public sealed record StemRenderOptions
{
    public int SampleRate { get; init; } = 48000;
    public int BlockSize { get; init; } = 256;
    /// How long after the last event a stem may ring on (it stops earlier once silent).
    public double MaxTailSeconds { get; init; } = 4;
    public int Polyphony { get; init; } = 128;
    /// Render threads for the notes (each note is computed whole on one thread, so the output does not depend on it).
    public int Threads { get; init; } = 1;

    // Bounds on one song, so a runaway file gets a clear refusal instead of hours of work or an exhausted memory:
    // every stem is held in memory (48 kHz stereo float: 23 MB per track-minute).
    public double MaxSongSeconds { get; init; } = 30 * 60;
    public int MaxTracks { get; init; } = 64;
    public int MaxNotes { get; init; } = 200_000;
}

/// Offline rendering of a Standard MIDI File to one stereo stem per track, through the same
/// VoiceEngine the plugin runs, in offline mode: every note the song needs is rendered first, in a
/// fixed order and fixed batches (batch composition changes float rounding), so the output is
/// complete and bit-identical run to run.
public sealed class StemRenderer(INoteRenderer renderer, VoiceCache cache, VelocityLayers layers)
{
    /// Notes per Render call: a multiple of the renderer's own batch, small enough for a moving progress bar.
    const int Chunk = 8;

    public IReadOnlyList<Stem> Render(MidiFile midi, Func<int, MidiTrack, TrackSound> soundFor, StemRenderOptions options,
        Action<string, double>? progress = null, CancellationToken cancel = default)
    {
        if (options.SampleRate is < 22050 or > 192000) throw new ArgumentException($"--rate {options.SampleRate}: the engine renders at 22050-192000 Hz");
        var model = ModelInfo.From(renderer);
        CheckLimits(midi, options);
        var tracks = Enumerable.Range(0, midi.Tracks.Count)
            .Where(t => midi.Tracks[t].Events.Any(e => e.Kind == MidiEventKind.NoteOn && e.Value > 0))
            .Select(t => (Index: t, Track: midi.Tracks[t], Sound: soundFor(t, midi.Tracks[t])))
            .ToList();

        // 1. Every note of the song, rendered into the cache before any audio is made.
        var keys = new List<NoteKey>();
        foreach (var (_, track, sound) in tracks)
        {
            foreach (var e in track.Events)
                if (e.Kind == MidiEventKind.NoteOn && e.Value > 0)
                    keys.Add(new NoteKey(model.ModelId, sound.Z.Hash, Math.Clamp(e.Number, model.MinPitch, model.MaxPitch), layers.LayerFor(e.Value)));
        }
        var byLatent = tracks.Select(t => t.Sound.Z).DistinctBy(z => z.Hash).ToDictionary(z => z.Hash);
        var missing = keys.Distinct().Where(k => !cache.Contains(k))
            .OrderBy(k => k.LatentHash).ThenBy(k => k.VelocityLayer).ThenBy(k => k.Pitch).ToList();
        var chunks = missing.Chunk(Chunk).ToList();
        int done = 0;
        Parallel.ForEach(chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads), CancellationToken = cancel }, chunk =>
        {
            var audio = renderer.Render(chunk.Select(k => new NoteRequest(byLatent[k.LatentHash], k.Pitch, layers.VelocityOf(k.VelocityLayer))).ToList(), cancel);
            for (int j = 0; j < chunk.Length; j++) cache.Add(CachedNote.Create(chunk[j], audio[j], renderer.SampleRate));
            progress?.Invoke($"rendering {missing.Count} notes", (double)Interlocked.Add(ref done, chunk.Length) / missing.Count);
        });
        progress?.Invoke($"rendering {missing.Count} notes", 1);

        // 2. Each track through its own VoiceEngine, sample-accurately, in blocks; tracks are independent, so they run
        // in parallel (each stem is the same samples whatever the thread count).
        var stems = new Stem[tracks.Count];
        Parallel.For(0, tracks.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads), CancellationToken = cancel },
            t => stems[t] = RenderTrack(tracks[t].Index, tracks[t].Track, tracks[t].Sound, model, options, progress, cancel));
        return stems;
    }

    Stem RenderTrack(int index, MidiTrack track, TrackSound sound, ModelInfo model, StemRenderOptions options, Action<string, double>? progress, CancellationToken cancel)
    {
        var engine = new VoiceEngine(cache, null, new VoiceEngineOptions
        {
            // Every note is already cached, so the engine never misses and needs no scheduler to wait on.
            Model = model, Offline = false, FillKeyboardOnTimbreChange = false, CancelOtherTimbres = false,
            Polyphony = options.Polyphony, ReleaseSeconds = sound.ReleaseSeconds, VelocitySensitivity = sound.VelocitySensitivity,
            PitchBendRange = sound.PitchBendRange, VibratoCents = sound.VibratoCents, VibratoRateHz = sound.VibratoHz, Layers = layers,
        });
        engine.SetSampleRate(options.SampleRate, options.BlockSize);
        engine.SetTimbre(sound.Z);
        float gain = (float)Math.Pow(10, sound.GainDb / 20);
        var events = track.Events.OrderBy(e => e.Tick).ToList();
        long lastEvent = events.Count == 0 ? 0 : (long)Math.Ceiling(events[^1].Seconds * options.SampleRate);
        long maxLength = lastEvent + (long)(options.MaxTailSeconds * options.SampleRate);
        int block = options.BlockSize;
        var left = new float[(int)Math.Min(maxLength + block, int.MaxValue / 2)];
        var right = new float[left.Length];
        int length = 0, next = 0;
        for (long start = 0; start < maxLength; start += block)
        {
            cancel.ThrowIfCancellationRequested();
            long end = start + block;
            for (; next < events.Count; next++)
            {
                var e = events[next];
                long at = (long)Math.Round(e.Seconds * options.SampleRate);
                if (at >= end) break;
                int offset = (int)Math.Max(0, at - start);
                switch (e.Kind)
                {
                    case MidiEventKind.NoteOn when e.Value > 0: engine.NoteOn(offset, e.Number, e.Value); break;
                    case MidiEventKind.NoteOn:
                    case MidiEventKind.NoteOff: engine.NoteOff(offset, e.Number); break;
                    case MidiEventKind.PitchBend: engine.PitchBend(offset, e.Value / 8192f); break;
                    case MidiEventKind.ControlChange when e.Number == MidiEvent.SustainPedal: engine.Sustain(offset, e.Value >= 64); break;
                    case MidiEventKind.ControlChange when e.Number == MidiEvent.ModWheel: engine.ModWheel(offset, e.Value / 127f); break;
                    case MidiEventKind.ControlChange when e.Number is 120: engine.AllSoundOff(offset); break;
                    case MidiEventKind.ControlChange when e.Number is 123: engine.AllNotesOff(offset); break;
                }
            }
            var bl = left.AsSpan(length, block);
            var br = right.AsSpan(length, block);
            engine.Process(bl, br);
            System.Numerics.Tensors.TensorPrimitives.Multiply(bl, gain, bl);
            System.Numerics.Tensors.TensorPrimitives.Multiply(br, gain, br);
            length += block;
            // Past the last event, stop once every voice has rung out.
            if (start >= lastEvent && engine.ActiveVoices == 0) break;
            if ((start / block) % 256 == 0) progress?.Invoke($"track {index} '{track.Name}'", Math.Min(1, (double)start / Math.Max(1, lastEvent)));
        }
        progress?.Invoke($"track {index} '{track.Name}'", 1);
        return new Stem(track.Name, index, sound.PresetName, left[..length], right[..length]);
    }

    /// Throws ArgumentException naming the file and the limit it exceeds (song length, tracks with notes, notes).
    public static void CheckLimits(MidiFile midi, StemRenderOptions options)
    {
        int tracks = midi.Tracks.Count(t => t.Events.Any(e => e.Kind == MidiEventKind.NoteOn && e.Value > 0));
        long notes = midi.Tracks.Sum(t => (long)t.Events.Count(e => e.Kind == MidiEventKind.NoteOn && e.Value > 0));
        double seconds = midi.DurationSeconds;
        static string Clock(double s) => s >= 3600 ? $"{(long)(s / 3600)} h {(long)(s % 3600 / 60):00} min" : $"{(long)(s / 60)}:{(long)(s % 60):00}";
        if (seconds > options.MaxSongSeconds)
            throw new ArgumentException($"{midi.Path}: the song lasts {Clock(seconds)}; render takes songs up to {Clock(options.MaxSongSeconds)} (split it into parts)");
        if (tracks > options.MaxTracks)
            throw new ArgumentException($"{midi.Path}: {tracks} tracks have notes; render makes at most {options.MaxTracks} stems per song");
        if (notes > options.MaxNotes)
            throw new ArgumentException($"{midi.Path}: {notes:N0} notes; render takes at most {options.MaxNotes:N0} per song (split it into parts)");
    }

    /// Sum of the stems, padded to the longest.
    public static (float[] Left, float[] Right) Mix(IReadOnlyList<Stem> stems)
    {
        int n = stems.Count == 0 ? 0 : stems.Max(s => s.Left.Length);
        var l = new float[n];
        var r = new float[n];
        foreach (var s in stems)
        {
            TensorPrimitives.Add(l.AsSpan(0, s.Left.Length), s.Left, l.AsSpan(0, s.Left.Length));
            TensorPrimitives.Add(r.AsSpan(0, s.Right.Length), s.Right, r.AsSpan(0, s.Right.Length));
        }
        return (l, r);
    }
}
