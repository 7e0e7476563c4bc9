using System.Runtime.InteropServices;
using NeuralSynth.Models.Rendering;
using NeuralSynth.Realtime;
using NeuralSynth.Realtime.Timbre;

namespace NeuralSynth.Plugin;

/// <summary>
/// ALL sound-making of the plugin goes through this one class; the processor only forwards notes, parameters
/// and render calls here. Everything it is given carries a sample offset relative to the start of the next
/// <see cref="Process"/> call, which renders sample-accurately and consumes the events inside its block.
///
/// Sound comes from the NeuralSynth engine: the shared <see cref="ModelHost"/> (default generator, voice cache,
/// render schedulers) and one <see cref="VoiceEngine"/> per instance. Timbre parameters (sound, morph X/Y, macros,
/// seed) map to a latent through <see cref="TimbreControls"/> off the audio thread; the engine re-renders the keyboard
/// in the background and crossfades playing notes to the new sound. Release, velocity sensitivity and bend range are
/// applied on the audio thread. Polyphony and the inversion path are set-up parameters: they make a new VoiceEngine,
/// built off the audio thread and swapped in at the next block (playing notes stop).
///
/// Threading: Setup/Reset on the UI thread while not processing; NoteOn/NoteOff/SetParameter/Process on the audio
/// thread, where nothing allocates, locks or does I/O in realtime and prefetch modes: a note that is not cached yet
/// plays the nearest cached pitch transposed (or waits silently) until its render arrives. In offline mode (2)
/// Process waits for the model and for every note it plays, so a bounce is complete.
/// </summary>
public sealed unsafe class InstrumentEngine : IDisposable
{
    public const int MaxVoices = 512;
    public const int EventCapacity = 16384;
    /// <summary>Host rates accepted (the VoiceEngine's range); setupProcessing refuses others with kResultFalse.
    /// The instrument is specified for 22.05-192 kHz.</summary>
    public const double MinSampleRate = 8000, MaxSampleRate = 768000;
    /// <summary>The largest block handed to the VoiceEngine; longer calls are rendered in pieces.</summary>
    public const int EngineBlock = 8192;
    const int OfflineMode = 2;

    public static bool SupportsSampleRate(double rate) => rate >= MinSampleRate && rate <= MaxSampleRate;

    /// <summary>Id of the model playing (saved in the state): the generator's weights hash once loaded.</summary>
    public string ModelId => ModelHost.Ready?.GeneratorId ?? "neuralsynth-default";

    enum EventKind : byte { NoteOn, NoteOff, Parameter }

    struct PendingEvent
    {
        public int Offset;
        public EventKind Kind;
        public short Pitch;
        public float Velocity;
        public uint ParamId;
        public double Value;
    }

    // The block's queued events and gain points (~0.5 MB) live outside the GC heap and go back when the instance is
    // released (Dispose). As arrays they were large-object garbage after every instance, which the runtime (kept from
    // blocking gen-2 collections, see ModelHost) handed back only much later: a host opening and closing 20 instances
    // saw its memory climb ~10 MB a round before a collection came.
    PendingEvent* _events = (PendingEvent*)NativeMemory.Alloc(EventCapacity, (nuint)sizeof(PendingEvent));
    int _eventCount;
    (int Offset, float Gain)* _gainPoints = ((int, float)*)NativeMemory.Alloc(EventCapacity, (nuint)sizeof((int, float)));
    // Keys down (their MIDI velocity), so a new engine - the model finished loading, polyphony or path changed -
    // starts the notes the musician is holding instead of staying silent until the next key press.
    readonly byte[] _heldVelocity = new byte[128];

    // Written by the audio thread (plain units), read by the updater; versions tell it what changed.
    readonly double[] _plain = new double[Parameters.All.Max(p => (int)p.Id) + 1];
    int _timbreVersion, _structureVersion, _setupVersion;
    int _appliedTimbre = -1, _appliedStructure = -1, _appliedSetup = -1;
    readonly object _update = new();

    VoiceEngine? _engine;       // the audio thread's engine
    VoiceEngine? _nextEngine;   // built by the updater, swapped in by the audio thread
    VoiceEngine? _retired;      // swapped out by the audio thread, its voices freed by the updater
    double _sampleRate = 44100;
    int _maxBlock = 8192;
    int _processMode;
    float _gain = 1, _gainTarget = 1, _gainCoef = 0.004f;
    float _trim = 1;   // the Sound's level trim (its preset's gain_db), smoothed like the gain

    static readonly List<WeakReference<InstrumentEngine>> s_instances = new();
    static Thread? s_updater;

    public double SampleRate => _sampleRate;
    public int MaxBlock => _maxBlock;
    public int ProcessMode => _processMode;
    /// <summary>True once a VoiceEngine (hence the model) is in place.</summary>
    public bool IsReady => Volatile.Read(ref _engine) != null;
    /// <summary>The engine playing (tests and tools; not for the audio thread of another instance).</summary>
    public VoiceEngine? Voices => Volatile.Read(ref _engine);

    public InstrumentEngine()
    {
        foreach (var p in Parameters.All) _plain[p.Id] = p.DefaultPlain;
        _gainTarget = _gain = DbToGain(_plain[ParamIds.Gain]);
        _trim = TrimTarget();
        ModelHost.LoadAsync();   // start loading the model now, in the background
        lock (s_instances)
        {
            s_instances.Add(new WeakReference<InstrumentEngine>(this));
            if (s_updater == null)
            {
                s_updater = new Thread(UpdaterLoop) { IsBackground = true, Name = "NeuralSynth timbre updater", Priority = ThreadPriority.BelowNormal };
                s_updater.Start();
            }
        }
    }

    static float DbToGain(double db) => (float)Math.Pow(10, db / 20);

    /// <summary>Before processing starts (UI thread). processMode: 0 realtime, 1 prefetch, 2 offline.</summary>
    public void Setup(double sampleRate, int maxBlock, int processMode)
    {
        // Hosts call this on setupProcessing and again on activation: only a new rate or mode needs a new engine.
        bool changed = sampleRate != _sampleRate || processMode != _processMode;
        _sampleRate = sampleRate;
        _maxBlock = maxBlock;
        _processMode = processMode;
        _gainCoef = (float)(1 - Math.Exp(-1.0 / (0.005 * sampleRate)));   // ~5 ms gain smoothing
        if (changed) Interlocked.Increment(ref _setupVersion);
        Reset();
        // Not the audio thread: build the engine now if the model is there (offline: wait for it), so the first
        // block already plays.
        UpdateNow(wait: processMode == OfflineMode);
    }

    /// <summary>Silences every voice and drops pending events (on activation changes).</summary>
    public void Reset()
    {
        _eventCount = 0;
        Array.Clear(_heldVelocity);
        _gain = _gainTarget;
        _trim = TrimTarget();
        Volatile.Read(ref _engine)?.AllSoundOff();
    }

    /// <summary>Frees every voice (unpinning its cached notes) when the instance stops for good (terminate, final
    /// release): not while processing.</summary>
    public void Stop()
    {
        lock (_update)
        {
            Interlocked.Exchange(ref _retired, null)?.FreeAllVoices();
            Volatile.Read(ref _nextEngine)?.FreeAllVoices();
            Volatile.Read(ref _engine)?.FreeAllVoices();
            Array.Clear(_heldVelocity);
            _eventCount = 0;
        }
    }

    /// <summary>Gives back the event buffers once the instance is released for good (the processor's final
    /// release, after Stop): no host calls process on it after that, and a stray call plays silence.</summary>
    public void Dispose()
    {
        Stop();
        lock (_update)
        {
            NativeMemory.Free(_events); _events = null;
            NativeMemory.Free(_gainPoints); _gainPoints = null;
            _eventCount = 0;
        }
        GC.SuppressFinalize(this);
    }

    ~InstrumentEngine()
    {
        NativeMemory.Free(_events);
        NativeMemory.Free(_gainPoints);
    }

    public bool IsSilent => Volatile.Read(ref _engine) is not { ActiveVoices: > 0 };

    /// <summary>Samples of sound after the last note-off: the release time (-60 dB) plus the crossfades.</summary>
    public uint TailSamples => (uint)Math.Min(uint.MaxValue - 1.0, Math.Ceiling((_plain[ParamIds.Release] + 0.05) * _sampleRate));

    public void NoteOn(int offset, int pitch, float velocity, float tuningCents = 0) =>
        Enqueue(new PendingEvent { Offset = offset, Kind = EventKind.NoteOn, Pitch = (short)pitch, Velocity = velocity });

    public void NoteOff(int offset, int pitch) =>
        Enqueue(new PendingEvent { Offset = offset, Kind = EventKind.NoteOff, Pitch = (short)pitch });

    /// <summary>A parameter change in plain units (dB, seconds, semitones...; see <see cref="Parameters"/>).</summary>
    public void SetParameter(uint id, double plainValue, int offset) =>
        Enqueue(new PendingEvent { Offset = offset, Kind = EventKind.Parameter, ParamId = id, Value = plainValue });

    void Enqueue(in PendingEvent e)
    {
        if (_events == null) return;                          // released
        if (_eventCount == EventCapacity) return;            // a host sending >16k events per block loses the rest
        int i = _eventCount++;
        while (i > 0 && _events[i - 1].Offset > e.Offset) { _events[i] = _events[i - 1]; i--; }   // stable by offset
        _events[i] = e;
    }

    /// <summary>Custom morph corners from a loaded state or preset (null: the Sound parameter's bank preset).</summary>
    public CornerSpec[]? Corners => Volatile.Read(ref _corners);
    CornerSpec[]? _corners;

    /// <summary>Sets custom morph corners (null returns to the bank). Any thread; no allocation.</summary>
    public void SetCorners(CornerSpec[]? corners)
    {
        if (ReferenceEquals(Volatile.Read(ref _corners), corners)) return;
        Volatile.Write(ref _corners, corners);
        Interlocked.Increment(ref _timbreVersion);
    }

    /// <summary>Renders <paramref name="n"/> samples into both channels (overwriting), applying queued events at
    /// their offsets; events at or after n stay queued for the next call. n = 0 applies every queued event at once
    /// (a parameter flush).</summary>
    public void Process(float* left, float* right, int n)
    {
        if (_events == null) { Silence(left, right, n); return; }   // released
        try { ProcessUnguarded(left, right, n); }
        catch (Exception e)
        {
            // Never let one bad block break the instance: drop its events, output silence, say why (rate-limited).
            _eventCount = 0;
            Silence(left, right, n);
            Vst3.Guard.Fail(e, "process");
        }
    }

    static void Silence(float* left, float* right, int n)
    {
        if (n > 0 && left != null && right != null) { new Span<float>(left, n).Clear(); new Span<float>(right, n).Clear(); }
    }

    void ProcessUnguarded(float* left, float* right, int n)
    {
        if (_processMode == OfflineMode) UpdateNow(wait: true);
        // Taken atomically: the updater may replace (and free) a next engine the audio thread has not taken yet.
        if (Volatile.Read(ref _nextEngine) != null && Interlocked.Exchange(ref _nextEngine, null) is { } next)
        {
            // The old engine's voices pin cached notes: the updater frees them (not the audio thread's work).
            if (_engine is { } old) Volatile.Write(ref _retired, old);
            Volatile.Write(ref _engine, next);
            RestartHeldKeys(next);
        }
        if (n <= 0)
        {
            int points = Dispatch(_engine, int.MaxValue, 0);
            if (points > 0) _gainTarget = _gainPoints[points - 1].Gain;
            return;
        }
        for (int done = 0; done < n;)
        {
            int m = Math.Min(n - done, EngineBlock);
            Render(left + done, right + done, m);
            done += m;
        }
    }

    void RestartHeldKeys(VoiceEngine engine)
    {
        for (int p = 0; p < _heldVelocity.Length; p++)
            if (_heldVelocity[p] != 0) engine.NoteOn(0, p, _heldVelocity[p]);
    }

    void Render(float* left, float* right, int n)
    {
        var engine = _engine;
        int gainPoints = Dispatch(engine, n, n);
        var l = new Span<float>(left, n);
        var r = new Span<float>(right, n);
        if (engine == null) { l.Clear(); r.Clear(); }
        else engine.Process(l, r);
        // Gain: each automation point takes effect at its offset, smoothed (~5 ms) so steps do not click; the Sound's
        // trim follows the same way when the Sound (or custom corners) change.
        float g = _gain, target = _gainTarget, coef = _gainCoef, t = _trim, trimTarget = TrimTarget();
        int p = 0;
        for (int i = 0; i < n; i++)
        {
            while (p < gainPoints && _gainPoints[p].Offset <= i) target = _gainPoints[p++].Gain;
            g += (target - g) * coef;
            t += (trimTarget - t) * coef;
            // Settle exactly (a step of at most -80 dB): float smoothing would otherwise stall ~1e-5 short of the
            // target, and unity gain should be bit-transparent.
            if (MathF.Abs(target - g) < 1e-4f) g = target;
            if (MathF.Abs(trimTarget - t) < 1e-4f) t = trimTarget;
            l[i] *= g * t;
            r[i] *= g * t;
        }
        while (p < gainPoints) target = _gainPoints[p++].Gain;
        _gain = g;
        _gainTarget = target;
        _trim = t;
    }

    /// <summary>Bank sounds play at their preset's level (gain_db brings each to the same loudness); custom corners
    /// come with a state or preset whose Gain parameter already carries it.</summary>
    float TrimTarget() => Volatile.Read(ref _corners) != null ? 1f : SoundBank.Trim[Math.Clamp((int)_plain[ParamIds.Sound], 0, SoundBank.Trim.Length - 1)];

    /// <summary>Hands queued events before offset <paramref name="limit"/> to the engine and shifts the rest down by
    /// <paramref name="shift"/>. Returns the number of gain points collected for this piece.</summary>
    int Dispatch(VoiceEngine? engine, int limit, int shift)
    {
        int k = 0, gainPoints = 0;
        for (; k < _eventCount && _events[k].Offset < limit; k++)
        {
            ref var e = ref _events[k];
            int offset = Math.Max(0, e.Offset);
            switch (e.Kind)
            {
                case EventKind.NoteOn when e.Velocity > 0:
                    int velocity = Math.Clamp((int)Math.Round(e.Velocity * 127), 1, 127);
                    if ((uint)e.Pitch < 128) _heldVelocity[e.Pitch] = (byte)velocity;
                    engine?.NoteOn(offset, e.Pitch, velocity);
                    break;
                case EventKind.NoteOn or EventKind.NoteOff:
                    if ((uint)e.Pitch < 128) _heldVelocity[e.Pitch] = 0;
                    engine?.NoteOff(offset, e.Pitch);
                    break;
                case EventKind.Parameter when e.ParamId == ParamIds.Gain:
                    _plain[ParamIds.Gain] = e.Value;
                    _gainPoints[gainPoints++] = (offset, DbToGain(e.Value));
                    break;
                case EventKind.Parameter: ApplyParameter(engine, e.ParamId, e.Value, offset); break;
            }
        }
        int remaining = _eventCount - k;
        for (int i = 0; i < remaining; i++)
        {
            _events[i] = _events[k + i];
            _events[i].Offset -= shift;
        }
        _eventCount = remaining;
        return gainPoints;
    }

    void ApplyParameter(VoiceEngine? engine, uint id, double v, int offset)
    {
        if (id >= (uint)_plain.Length) return;
        bool changed = _plain[id] != v;   // hosts resend unchanged values (state loads, activation): no rebuilds for those
        _plain[id] = v;
        switch (id)
        {
            case ParamIds.PitchBend: engine?.PitchBend(offset, (float)v); break;
            case ParamIds.Sustain: engine?.Sustain(offset, v >= 0.5); break;
            case ParamIds.Release: engine?.SetRelease(v); break;
            case ParamIds.VelocitySensitivity: engine?.SetVelocitySensitivity(v / 100); break;
            case ParamIds.PitchBendRange: engine?.SetPitchBendRange(v); break;
            case ParamIds.ModWheel: engine?.ModWheel(offset, (float)(v / 100)); break;
            case ParamIds.Vibrato or ParamIds.VibratoWheel or ParamIds.VibratoRate:
                engine?.SetVibrato(_plain[ParamIds.Vibrato], _plain[ParamIds.VibratoWheel], _plain[ParamIds.VibratoRate]);
                break;
            case ParamIds.MorphX or ParamIds.MorphY or ParamIds.Seed or ParamIds.Sound or (>= ParamIds.Macro1 and < ParamIds.Macro1 + ParamIds.MacroCount):
                if (changed) Interlocked.Increment(ref _timbreVersion);
                break;
            case ParamIds.Polyphony or ParamIds.InversionPath:
                if (changed) Interlocked.Increment(ref _structureVersion);
                break;
        }
    }

    // ---- off the audio thread ----

    static void UpdaterLoop()
    {
        var live = new List<InstrumentEngine>();
        while (true)
        {
            Thread.Sleep(10);
            live.Clear();
            lock (s_instances)
            {
                s_instances.RemoveAll(w => !w.TryGetTarget(out _));
                foreach (var w in s_instances) if (w.TryGetTarget(out var e)) live.Add(e);
            }
            foreach (var e in live)
            {
                // Offline instances update synchronously at each block start (deterministic bounces).
                if (e._processMode == OfflineMode) continue;
                try { e.UpdateNow(wait: false); }
                catch (Exception ex) { Console.Error.WriteLine($"NeuralSynth: engine update failed: {ex.Message}"); }
            }
            live.Clear();   // do not keep instances alive between rounds
        }
    }

    /// <summary>Brings the engine up to date with the parameters: builds a VoiceEngine when the model is ready or a
    /// set-up parameter changed, and moves the timbre when a timbre parameter changed. wait: block until the model
    /// is loaded and the new engine is in place (offline).</summary>
    void UpdateNow(bool wait)
    {
        Interlocked.Exchange(ref _retired, null)?.FreeAllVoices();
        ModelHost? host;
        if (wait)
        {
            try { host = ModelHost.LoadAsync().GetAwaiter().GetResult(); }
            catch (Exception) { return; }   // reported once by the loader's caller; offline renders silence
        }
        else host = ModelHost.Ready;
        if (host == null) return;
        lock (_update)
        {
            int setup = Volatile.Read(ref _setupVersion), structure = Volatile.Read(ref _structureVersion), timbre = Volatile.Read(ref _timbreVersion);
            if (setup != _appliedSetup || structure != _appliedStructure || (_engine == null && _nextEngine == null))
            {
                var path = (int)Math.Round(_plain[ParamIds.InversionPath]) switch { 0 => InversionPath.If, 1 => InversionPath.Vocoder, _ => InversionPath.Additive };
                var scheduler = host.Scheduler(path);
                var engine = new VoiceEngine(host.Cache, scheduler, new VoiceEngineOptions
                {
                    Polyphony = Math.Clamp((int)_plain[ParamIds.Polyphony], 1, MaxVoices),
                    ReleaseSeconds = _plain[ParamIds.Release],
                    VelocitySensitivity = _plain[ParamIds.VelocitySensitivity] / 100,
                    PitchBendRange = _plain[ParamIds.PitchBendRange],
                    VibratoCents = _plain[ParamIds.Vibrato],
                    VibratoWheelCents = _plain[ParamIds.VibratoWheel],
                    VibratoRateHz = _plain[ParamIds.VibratoRate],
                    Offline = _processMode == OfflineMode,
                    CancelOtherTimbres = false,   // the scheduler is shared by every instance
                });
                engine.SetSampleRate(_sampleRate, EngineBlock);
                engine.SetTimbre(Timbre(host));
                // Controller state the old engine held (safe: nobody else sees the new engine yet).
                engine.PitchBend(0, (float)_plain[ParamIds.PitchBend]);
                engine.Sustain(0, _plain[ParamIds.Sustain] >= 0.5);
                engine.ModWheel(0, (float)(_plain[ParamIds.ModWheel] / 100));
                if (wait)
                {
                    // Offline: this is the thread that processes (or Setup, before processing), so swap right here.
                    var old = Volatile.Read(ref _engine);
                    Volatile.Write(ref _engine, engine);
                    Interlocked.Exchange(ref _nextEngine, null)?.FreeAllVoices();
                    old?.FreeAllVoices();
                    RestartHeldKeys(engine);
                }
                else Interlocked.Exchange(ref _nextEngine, engine)?.FreeAllVoices();
                _appliedSetup = setup; _appliedStructure = structure; _appliedTimbre = timbre;
            }
            else if (timbre != _appliedTimbre)
            {
                var z = Timbre(host);
                (Volatile.Read(ref _nextEngine) ?? Volatile.Read(ref _engine))?.SetTimbre(z);
                _appliedTimbre = timbre;
            }
        }
    }

    /// <summary>The latent the timbre parameters name: a pure function of their values (automation replays exactly).</summary>
    Latent Timbre(ModelHost host)
    {
        var macros = new double[TimbreSettings.MacroCount];
        for (int i = 0; i < macros.Length; i++) macros[i] = _plain[ParamIds.Macro1 + (uint)i] / 100.0;
        var settings = new TimbreSettings
        {
            X = _plain[ParamIds.MorphX] / 100.0,
            Y = _plain[ParamIds.MorphY] / 100.0,
            Macros = macros,
            Seed = (long)_plain[ParamIds.Seed],
        };
        var corners = host.Corners((int)_plain[ParamIds.Sound]);
        if (Volatile.Read(ref _corners) is { } custom)
        {
            try { corners = custom.Select(c => c.ToLatent(host.Prior)).ToArray(); }
            catch (ArgumentException e) { Console.Error.WriteLine($"NeuralSynth: preset corners ignored, playing the bank sound: {e.Message}"); }
        }
        return TimbreControls.Compute(corners, settings, host.Directions, host.Prior);
    }
}
