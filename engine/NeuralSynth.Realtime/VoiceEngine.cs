using System.Collections.Concurrent;

namespace NeuralSynth.Realtime;

/// The real-time instrument: turns note events into stereo audio from cached notes. Used by the
/// VST3 processor and by the offline `render` command.
///
/// API and threading:
///   var engine = new VoiceEngine(cache, scheduler, options);   // any thread; scheduler may be null (cache only)
///   engine.SetSampleRate(hostRate, maxBlock);                  // not the audio thread (allocates); resets voices
///   engine.SetTimbre(z);                                       // any thread but the audio thread (asks the
///                                                              // scheduler for the keyboard); takes effect at
///                                                              // the next Process, crossfading playing notes
///   per block, on the audio thread, in this order:
///     engine.NoteOn(offset, pitch, velocity);  engine.NoteOff(offset, pitch);
///     engine.PitchBend(offset, -1..1);  engine.ModWheel(offset, 0..1);  engine.Sustain(offset, down);
///     engine.AllNotesOff(offset);
///     engine.AllSoundOff(offset);
///     engine.Process(left, right);     // overwrites left/right (same length, <= maxBlock)
/// `offset` is the sample index inside the coming Process block (clamped to it); events of one
/// block may arrive in any order, they are applied in offset order (ties in call order) and the
/// block is split at their offsets, so timing is sample-accurate. Up to 4096 events per block.
/// Event methods and Process never allocate, lock, or do I/O (except in Offline mode, where
/// Process waits for renders).
///
/// Sound: a cached note starts at its offset with no latency. A missing note plays the nearest
/// cached pitch of the same timbre transposed (or waits silently if there is none) and swaps to
/// the exact note with a short crossfade when the scheduler delivers it. Pitches outside the
/// model's range transpose the nearest rendered pitch. Held notes loop at the loop points chosen
/// when they were cached. Voice stealing takes the oldest released voice, else the oldest voice,
/// and fades it out quickly.
public sealed class VoiceEngine
{
    struct Event
    {
        public int Offset, A, B, Order;
        public float F;
        public EventKind Kind;
    }
    enum EventKind : byte { NoteOn, NoteOff, Bend, Mod, Sustain, AllNotesOff, AllSoundOff }

    const int Chunk = 128;             // voices are rendered in chunks of at most this many samples
    const int MaxEvents = 4096;
    const float SilentEnv = 1e-4f;     // -80 dB: a released voice is done

    static readonly ConcurrentDictionary<(int, int, int), PolyphaseFilter> sharedBanks = new();

    readonly VoiceCache cache;
    readonly RenderScheduler? scheduler;
    readonly VoiceEngineOptions options;
    readonly Voice[] voices;
    readonly PolyphaseFilter[] banks;  // bank k: cutoff 1/2^k, for steps up to 2^k
    readonly Event[] events = new Event[MaxEvents];
    readonly float[] scratch = new float[Chunk];
    int eventCount, activeCount;
    long noteCounter;

    double hostRate = 48000, baseStep;
    int maxBlock = 4096;
    float releaseCoef, timbreFadeStep, swapFadeStep, stealFadeStep;
    double bendSemitones, bendNormalized;
    // The mod wheel, followed through a 20 ms smoother so that a jump of the wheel does not jump the pitch: from
    // modFrom at sample modSince (of the engine's clock) toward modWheel, in closed form, so its value at any sample
    // does not depend on how the host cut the blocks.
    double modWheel, modFrom;
    long modSince, clock;
    const double ModSmoothingSeconds = 0.02;
    // Performance settings: start from the options, changeable on the audio thread between blocks.
    double releaseSeconds, velocitySensitivity, bendRange, vibratoCents, vibratoWheelCents, vibratoHz;
    bool sustainDown;
    Latent? pendingTimbre, timbre, previousTimbre;

    public ModelInfo Model { get; }
    public VoiceEngineOptions Options => options;
    public double HostSampleRate => hostRate;
    /// Notes currently playing (not counting voices fading out).
    public int ActiveVoices => activeCount;
    public Latent? Timbre => Volatile.Read(ref pendingTimbre);

    public VoiceEngine(VoiceCache cache, RenderScheduler? scheduler, VoiceEngineOptions? options = null)
    {
        this.cache = cache; this.scheduler = scheduler; this.options = options ?? new VoiceEngineOptions();
        releaseSeconds = this.options.ReleaseSeconds;
        velocitySensitivity = this.options.VelocitySensitivity;
        bendRange = this.options.PitchBendRange;
        SetVibrato(this.options.VibratoCents, this.options.VibratoWheelCents, this.options.VibratoRateHz);
        if (this.options.Polyphony is < 1 or > 512) throw new ArgumentOutOfRangeException(nameof(options), "polyphony is 1-512");
        if (this.options.Offline && scheduler is null) throw new ArgumentException("offline mode needs a render scheduler");
        Model = scheduler is not null ? ModelInfo.From(scheduler.Renderer)
            : this.options.Model ?? throw new ArgumentException("without a scheduler, options.Model must say which model's notes to play");
        // Two slots per note: one may be fading out (steal, crossfade) while its successor plays.
        voices = new Voice[2 * this.options.Polyphony];
        for (int i = 0; i < voices.Length; i++) voices[i] = new Voice();
        banks = new PolyphaseFilter[4];
        for (int k = 0; k < banks.Length; k++)
        {
            int taps = this.options.ResamplerTaps << k, phases = this.options.ResamplerPhases;
            banks[k] = sharedBanks.GetOrAdd((taps, phases, k), key => new PolyphaseFilter(key.Item1, key.Item2, 1.0 / (1 << key.Item3)));
        }
        if (banks[^1].Taps / 2 > CachedNote.Padding) throw new ArgumentException("resampler taps too long for the note padding");
        SetSampleRate(48000, 4096);
    }

    /// Host rate (22.05-192 kHz) and largest block. Call before processing and on every rate change,
    /// not on the audio thread. Silences every voice.
    public void SetSampleRate(double hostSampleRate, int maxBlockSize)
    {
        if (hostSampleRate is < 8000 or > 768000) throw new ArgumentOutOfRangeException(nameof(hostSampleRate));
        if (maxBlockSize < 1) throw new ArgumentOutOfRangeException(nameof(maxBlockSize));
        hostRate = hostSampleRate; maxBlock = maxBlockSize;
        baseStep = Model.SampleRate / hostRate;
        releaseCoef = ReleaseCoefficient(releaseSeconds, hostRate);
        timbreFadeStep = (float)(1 / Math.Max(1, options.TimbreCrossfadeSeconds * hostRate));
        swapFadeStep = (float)(1 / Math.Max(1, options.SwapCrossfadeSeconds * hostRate));
        stealFadeStep = (float)(1 / Math.Max(1, options.StealFadeSeconds * hostRate));
        FreeAllVoices();
    }

    /// Frees every voice at once (no fade) and unpins its cached notes, so the cache may evict them: for an engine
    /// being discarded or reset. Not while another thread runs Process on this engine.
    public void FreeAllVoices()
    {
        foreach (var v in voices) Free(v);
        eventCount = 0;
    }

    /// The per-sample gain of a release that falls 60 dB in `seconds` (exponentially) at `rate` samples per second.
    public static float ReleaseCoefficient(double seconds, double rate) => (float)Math.Exp(Math.Log(1e-3) / Math.Max(1, seconds * rate));

    /// Release time (to -60 dB) of notes released from now on and of those already releasing. Audio thread, between
    /// blocks (no allocation): musicians automate it, so it must not rebuild the engine.
    public void SetRelease(double seconds)
    {
        releaseSeconds = Math.Clamp(double.IsFinite(seconds) ? seconds : 0.3, 0.001, 60);
        releaseCoef = ReleaseCoefficient(releaseSeconds, hostRate);
    }

    /// 0 (every velocity as loud) .. 1 (VelocityRangeDb between velocity 1 and 127), for notes started from now on.
    public void SetVelocitySensitivity(double amount) => velocitySensitivity = Math.Clamp(double.IsFinite(amount) ? amount : 1, 0, 1);

    /// Semitones of a full pitch-bend; a bend in progress follows the new range.
    public void SetPitchBendRange(double semitones)
    {
        bendRange = Math.Clamp(double.IsFinite(semitones) ? semitones : 2, 0, 48);
        bendSemitones = bendNormalized * bendRange;
    }

    /// Vibrato (VoiceEngineOptions): the sound's own and the full wheel's peak depth, 0-100 cents each, and the rate,
    /// 0.5-12 Hz. Audio thread, between blocks; playing notes follow at once.
    public void SetVibrato(double ownCents, double wheelCents, double rateHz)
    {
        vibratoCents = Math.Clamp(double.IsFinite(ownCents) ? ownCents : 0, 0, VoiceEngineOptions.MaxVibratoCents);
        vibratoWheelCents = Math.Clamp(double.IsFinite(wheelCents) ? wheelCents : VoiceEngineOptions.DefaultVibratoWheelCents, 0, VoiceEngineOptions.MaxVibratoCents);
        vibratoHz = Math.Clamp(double.IsFinite(rateHz) ? rateHz : VoiceEngineOptions.DefaultVibratoRateHz,
            VoiceEngineOptions.MinVibratoRateHz, VoiceEngineOptions.MaxVibratoRateHz);
    }

    /// The sound's own vibrato grows from 0 to its depth over each note's first this many seconds (the attack stays on
    /// pitch, as a player's does before the vibrato sets in).
    public const double VibratoOnsetSeconds = 0.2;

    public double ReleaseSeconds => releaseSeconds;

    /// Sets the timbre (latent). Not on the audio thread: it may ask the scheduler to fill the
    /// keyboard for it. Playing notes crossfade (TimbreCrossfadeSeconds) to the new timbre's notes
    /// as soon as those are cached.
    public void SetTimbre(Latent z)
    {
        var previous = Interlocked.Exchange(ref pendingTimbre, z);
        if (scheduler is null) return;
        scheduler.RegisterLatent(z);
        if (options.CancelOtherTimbres) scheduler.CancelAllExcept(z);
        else if (previous is not null && previous.Hash != z.Hash) scheduler.CancelKeyboard(previous);
        if (options.FillKeyboardOnTimbreChange) scheduler.FillKeyboard(z, null, options.CancelOtherTimbres);
    }

    /// The cache key the engine needs for (pitch, velocity) in timbre z: lets an offline caller
    /// render a whole song's notes up front (scheduler.WaitUntilRendered).
    public NoteKey KeyFor(Latent z, int pitch, int velocity)
        => new(Model.ModelId, z.Hash, Math.Clamp(pitch, Model.MinPitch, Model.MaxPitch), options.Layers.LayerFor(velocity));

    /// For tests and tools (allocates): the playing (non-ghost) voices.
    internal List<(int Pitch, CachedNote? Note, bool Released, bool WantsExact)> ActiveVoiceStates()
    {
        var list = new List<(int, CachedNote?, bool, bool)>();
        foreach (var v in voices) if (v.State == Voice.Kind.Active) list.Add((v.Pitch, v.Note, v.Released, v.WantsExact));
        return list;
    }

    // ---- events (audio thread) ----

    public void NoteOn(int offset, int pitch, int velocity)
    {
        if (velocity <= 0) { NoteOff(offset, pitch); return; } // MIDI: note-on with velocity 0 is a note-off
        Post(EventKind.NoteOn, offset, pitch, Math.Min(velocity, 127), 0);
    }
    public void NoteOff(int offset, int pitch) => Post(EventKind.NoteOff, offset, pitch, 0, 0);
    /// normalized: -1 (down PitchBendRange semitones) .. 1 (up).
    public void PitchBend(int offset, float normalized) => Post(EventKind.Bend, offset, 0, 0, Math.Clamp(normalized, -1f, 1f));
    /// Mod wheel (MIDI CC1 / 127): 0 (no added vibrato) .. 1 (VibratoWheelCents more).
    public void ModWheel(int offset, float amount) => Post(EventKind.Mod, offset, 0, 0, float.IsFinite(amount) ? Math.Clamp(amount, 0f, 1f) : 0f);
    /// Sustain pedal (MIDI CC64 >= 64 is down).
    public void Sustain(int offset, bool down) => Post(EventKind.Sustain, offset, down ? 1 : 0, 0, 0);
    /// Releases every note (CC123), as if each got a note-off with the pedal up.
    public void AllNotesOff(int offset = 0) => Post(EventKind.AllNotesOff, offset, 0, 0, 0);
    /// Silences everything within a few ms (CC120, transport stop).
    public void AllSoundOff(int offset = 0) => Post(EventKind.AllSoundOff, offset, 0, 0, 0);

    void Post(EventKind kind, int offset, int a, int b, float f)
    {
        if (eventCount == MaxEvents) return; // a pathological block; dropping beats allocating
        events[eventCount] = new Event { Kind = kind, Offset = Math.Max(0, offset), A = a, B = b, F = f, Order = eventCount };
        eventCount++;
    }

    // ---- processing (audio thread) ----

    public void Process(Span<float> left, Span<float> right)
    {
        int n = left.Length;
        if (right.Length != n) throw new ArgumentException("left and right differ in length");
        if (n > maxBlock) throw new ArgumentException($"block of {n} exceeds the max block {maxBlock} given to SetSampleRate");
        left.Clear(); right.Clear();
        ApplyTimbre();
        PollStandIns();
        SortEvents();
        int e = 0, pos = 0;
        while (pos < n)
        {
            while (e < eventCount && Math.Min(events[e].Offset, n - 1) <= pos) Apply(in events[e++]);
            int next = e < eventCount ? Math.Min(events[e].Offset, n - 1) : n;
            int end = Math.Min(next, pos + Chunk);
            RenderSegment(left[pos..end], right[pos..end]);
            pos = end;
        }
        while (e < eventCount) Apply(in events[e++]); // n == 0
        eventCount = 0;
    }

    void SortEvents()
    {
        for (int i = 1; i < eventCount; i++) // insertion sort: stable, in place, few events
        {
            var x = events[i];
            int j = i - 1;
            while (j >= 0 && events[j].Offset > x.Offset) { events[j + 1] = events[j]; j--; }
            events[j + 1] = x;
        }
    }

    void Apply(in Event ev)
    {
        switch (ev.Kind)
        {
            case EventKind.NoteOn: StartNote(ev.A, ev.B); break;
            case EventKind.NoteOff:
                foreach (var v in voices)
                    if (v.State == Voice.Kind.Active && v.Pitch == ev.A && !v.Released && !v.SustainHeld)
                    {
                        if (sustainDown) v.SustainHeld = true; else Release(v);
                    }
                break;
            case EventKind.Bend: bendNormalized = ev.F; bendSemitones = ev.F * bendRange; break;
            case EventKind.Mod: modFrom = WheelAt(clock); modSince = clock; modWheel = ev.F; break;
            case EventKind.Sustain:
                sustainDown = ev.A != 0;
                if (!sustainDown)
                    foreach (var v in voices) if (v.State == Voice.Kind.Active && v.SustainHeld) Release(v);
                break;
            case EventKind.AllNotesOff:
                foreach (var v in voices) if (v.State == Voice.Kind.Active) Release(v);
                break;
            case EventKind.AllSoundOff:
                foreach (var v in voices) if (v.State == Voice.Kind.Active) FadeOut(v, stealFadeStep);
                break;
        }
    }

    void Release(Voice v) { v.Released = true; v.SustainHeld = false; }

    void StartNote(int pitch, int velocity)
    {
        scheduler?.NotePlayed(pitch);
        var z = timbre;
        int layer = options.Layers.LayerFor(velocity);
        int wanted = Math.Clamp(pitch, Model.MinPitch, Model.MaxPitch);
        // A repeated key releases its previous voice (it rings on in its release).
        if (options.RetriggerReleasesPrevious)
            foreach (var other in voices)
                if (other.State == Voice.Kind.Active && other.Pitch == pitch && !other.Released) Release(other);

        CachedNote? note = null;
        bool exact = false;
        if (z is not null)
        {
            note = cache.GetTable(Model.ModelId, z.Hash, layer)?[wanted];
            if (note is null && options.Offline)
            {
                // Offline: allocation and blocking are fine. A failed render leaves the voice to a stand-in (or
                // silence) rather than failing the whole block; the scheduler's RenderFailed reports it.
                try { scheduler!.WaitUntilRendered(z, [(wanted, layer)]); }
                catch (InvalidOperationException) { }
                note = cache.GetTable(Model.ModelId, z.Hash, layer)?[wanted];
            }
            exact = note is not null;
            if (!exact)
            {
                scheduler?.RequestFromAudioThread(z, wanted, layer);
                note = StandIn(z, layer, wanted) ?? (previousTimbre is { } old ? StandIn(old, layer, wanted) : null);
            }
        }

        var v = AllocateVoice();
        v.State = Voice.Kind.Active;
        activeCount++;
        v.Pitch = pitch; v.WantedPitch = wanted; v.Velocity = velocity; v.Layer = layer;
        v.VelocityGain = VelocityGain(velocity, layer);
        v.Env = 1; v.Fade = 1; v.FadeStep = 0;
        v.Released = false; v.SustainHeld = false;
        v.StartOrder = ++noteCounter; v.Elapsed = 0; v.NoteTime = 0; v.Pos = 0;
        v.VibratoPhase = 2 * Math.PI * (v.StartOrder * 0.6180339887498949 % 1.0); // notes of a chord do not swing together
        v.WantedLatent = exact ? null : z;
        SetNote(v, note);
    }

    /// Nearest cached pitch of timbre z: same layer first, then the other layers by distance.
    CachedNote? StandIn(Latent z, int layer, int pitch)
    {
        for (int d = 0; d < options.Layers.Count; d++)
        {
            if (VoiceCache.Nearest(cache.GetTable(Model.ModelId, z.Hash, layer - d), pitch) is { } below) return below;
            if (d > 0 && VoiceCache.Nearest(cache.GetTable(Model.ModelId, z.Hash, layer + d), pitch) is { } above) return above;
        }
        return null;
    }

    float VelocityGain(int velocity, int layer)
    {
        double range = options.VelocityRangeDb * velocitySensitivity;
        double db = -range * (1 - velocity / 127.0) + range * (1 - options.Layers.VelocityOf(layer) / 127.0);
        return (float)Math.Pow(10, db / 20);
    }

    void SetNote(Voice v, CachedNote? note)
    {
        if (ReferenceEquals(v.Note, note)) return;
        v.Note?.Unpin();
        v.Note = note;
        if (note is not null) { note.Pin(); cache.MarkUsed(note); }
    }

    Voice AllocateVoice()
    {
        if (activeCount >= options.Polyphony)
        {
            // Steal: the oldest released voice, else the oldest voice; it fades out in its slot.
            Voice? victim = null;
            foreach (var v in voices)
                if (v.State == Voice.Kind.Active && v.Released && (victim is null || v.StartOrder < victim.StartOrder)) victim = v;
            if (victim is null)
                foreach (var v in voices)
                    if (v.State == Voice.Kind.Active && (victim is null || v.StartOrder < victim.StartOrder)) victim = v;
            FadeOut(victim!, stealFadeStep);
        }
        foreach (var v in voices) if (v.State == Voice.Kind.Free) return v;
        // Every spare slot is fading out: cut the ghost closest to silence.
        Voice? quietest = null;
        foreach (var v in voices)
            if (v.State == Voice.Kind.Ghost && (quietest is null || v.Fade < quietest.Fade)) quietest = v;
        Free(quietest!);
        return quietest!;
    }

    /// Turns an active voice into a ghost that fades out and frees its slot.
    void FadeOut(Voice v, float step)
    {
        if (v.State == Voice.Kind.Active) activeCount--;
        v.State = Voice.Kind.Ghost;
        v.FadeStep = -step;
        v.WantedLatent = null;
    }

    void Free(Voice v)
    {
        if (v.State == Voice.Kind.Active) activeCount--;
        v.State = Voice.Kind.Free;
        SetNote(v, null);
        v.WantedLatent = null;
    }

    /// Moves `v` to `note` with a crossfade: a ghost copy keeps playing the old note while fading out.
    void CrossfadeTo(Voice v, CachedNote note, float fadeStep, bool fromStart)
    {
        if (v.Note is not null && !fromStart)
        {
            Voice? ghost = null;
            foreach (var g in voices) if (g.State == Voice.Kind.Free) { ghost = g; break; }
            if (ghost is not null)
            {
                ghost.CopyFrom(v);
                ghost.Note!.Pin(); // the ghost holds its own pin on the old note
                ghost.State = Voice.Kind.Ghost;
                ghost.FadeStep = -fadeStep;
                ghost.WantedLatent = null;
            }
        }
        // Where the new note is at this point of the note's life (a waiting voice starts at the top): its own time,
        // bend and vibrato included, so that it continues as the same note played from its start would.
        double pos = fromStart ? 0 : v.NoteTime * baseStep;
        if (note.HasLoop && pos >= note.LoopEnd) pos = note.LoopStart + (pos - note.LoopStart) % note.LoopLength;
        if (!note.HasLoop && pos >= note.Length) return; // nothing left of the exact note: keep the stand-in
        SetNote(v, note);
        v.Pos = pos;
        if (!fromStart) { v.Fade = 0; v.FadeStep = fadeStep; }
    }

    void ApplyTimbre()
    {
        var z = Volatile.Read(ref pendingTimbre);
        if (ReferenceEquals(z, timbre)) return;
        previousTimbre = timbre;
        timbre = z;
        if (z is null) return;
        foreach (var v in voices)
        {
            if (v.State != Voice.Kind.Active) continue;
            v.WantedLatent = z;
            if (options.Offline && cache.GetTable(Model.ModelId, z.Hash, v.Layer)?[v.WantedPitch] is null)
            {
                try { scheduler!.WaitUntilRendered(z, [(v.WantedPitch, v.Layer)]); }
                catch (InvalidOperationException) { }   // keeps the old timbre's note (see StartNote)
            }
        }
        PollStandIns(timbreFadeStep);
    }

    /// Voices playing a stand-in (or nothing) check whether their exact note has arrived.
    void PollStandIns(float fadeStep = 0)
    {
        if (fadeStep == 0) fadeStep = swapFadeStep;
        foreach (var v in voices)
        {
            if (v.State != Voice.Kind.Active || v.WantedLatent is not { } z) continue;
            if (!ReferenceEquals(z, timbre) && timbre is not null) v.WantedLatent = z = timbre;
            var exact = cache.GetTable(Model.ModelId, z.Hash, v.Layer)?[v.WantedPitch];
            if (exact is null) continue;
            v.WantedLatent = null;
            CrossfadeTo(v, exact, fadeStep, fromStart: v.Note is null);
        }
    }

    /// The smoothed mod wheel (0..1) at sample `at` of the engine's clock.
    double WheelAt(double at)
    {
        if (modWheel == modFrom) return modWheel;
        double t = Math.Max(0, at - modSince) / (ModSmoothingSeconds * hostRate);
        return t > 16 ? modWheel : modWheel + (modFrom - modWheel) * Math.Exp(-t);   // e^-16: the glide is over
    }

    /// A voice's vibrato phase moves on with the note's time even while nothing swings, so a wheel moved later finds
    /// it where any cut of the blocks would have left it.
    static void AdvanceVibrato(Voice v, int len, double cellPhase)
    {
        long cells = (v.Elapsed + len) / Chunk - v.Elapsed / Chunk;
        if (cells > 0) v.VibratoPhase = (v.VibratoPhase + cells * cellPhase) % (2 * Math.PI);
    }

    void RenderSegment(Span<float> left, Span<float> right)
    {
        int len = left.Length;
        if (len == 0) return;
        int width = Simd.MaxVectorWidth;
        // A note's vibrato is a function of the note's own time: its pitch steps once per Chunk samples of the note,
        // counted from its note-on, with the sine at each step's middle, so the note plays the same samples offline
        // and live, whatever the host's block size. Without vibrato the pitch holds through the segment.
        bool swings = vibratoCents > 0 || modWheel > 0 || WheelAt(clock + len) > 0;
        double cellPhase = 2 * Math.PI * vibratoHz * Chunk / hostRate, onsetSamples = VibratoOnsetSeconds * hostRate;
        foreach (var v in voices)
        {
            if (v.State == Voice.Kind.Free) continue;
            var note = v.Note;
            if (note is null)
            {
                // Waiting for its first note: time runs on; a released waiting voice just ends.
                AdvanceVibrato(v, len, cellPhase);
                v.Elapsed += len;
                v.NoteTime += len;
                if (v.Released || v.State == Voice.Kind.Ghost) Free(v);
                continue;
            }
            double standIn = v.Pitch - note.Pitch;   // a stand-in note of another pitch is played at this one's
            var dst = scratch.AsSpan(0, len);
            int produced = 0;
            for (int done = 0; done < len;)
            {
                int piece = len - done;
                double semis = bendSemitones;
                bool cellEnds = false;
                if (swings)
                {
                    long at = v.Elapsed + done;
                    int inCell = (int)(at % Chunk);
                    piece = Math.Min(piece, Chunk - inCell);
                    double middle = at - inCell + 0.5 * Chunk;   // the note's time at its cell's middle
                    double depthCents = vibratoWheelCents * WheelAt(clock + done + (middle - at)) + vibratoCents * Math.Min(1, middle / onsetSamples);
                    if (depthCents > 0) semis += depthCents / 100 * Math.Sin(v.VibratoPhase + 0.5 * cellPhase);
                    cellEnds = inCell + piece == Chunk;
                }
                double step = baseStep * Math.Exp((standIn + semis) * (Math.Log(2) / 12));
                double rate = semis == 0 ? 1 : Math.Exp(semis * (Math.Log(2) / 12));   // the note's own time runs at this rate
                int k = step <= 1 ? 0 : step <= 2 ? 1 : step <= 4 ? 2 : 3;
                int got = Resampler.Process(banks[k], note.Buffer, CachedNote.Padding, ref v.Pos, step,
                    note.HasLoop ? note.LoopEnd : double.MaxValue, note.LoopLength, note.HasLoop ? double.MaxValue : note.Length,
                    dst.Slice(done, piece), width);
                produced += got;
                v.NoteTime += piece * rate;
                if (cellEnds) v.VibratoPhase = (v.VibratoPhase + cellPhase) % (2 * Math.PI);
                done += piece;
                if (got < piece) break;
            }
            if (!swings) AdvanceVibrato(v, len, cellPhase);

            float env0 = v.Env, fade0 = v.Fade;
            float env1 = v.Released ? env0 * MathF.Pow(releaseCoef, len) : env0;
            float fade1 = Math.Clamp(fade0 + v.FadeStep * len, 0f, 1f);
            float g = v.VelocityGain * options.MasterGain;
            float g0 = g * env0 * fade0, g1 = g * env1 * fade1;
            if (produced > 0)
                Mixer.AccumulateRamp(dst[..produced], left, right, g0, g1, g0, g1, width);
            v.Env = env1; v.Fade = fade1;
            if (fade1 >= 1 && v.FadeStep > 0) v.FadeStep = 0;
            v.Elapsed += len;
            if (produced < len || env1 < SilentEnv || (v.State == Voice.Kind.Ghost && fade1 <= 0)) Free(v);
        }
        clock += len;
    }
}
