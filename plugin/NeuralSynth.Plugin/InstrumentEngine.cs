namespace NeuralSynth.Plugin;

/// <summary>
/// ALL sound-making of the plugin goes through this one class; the processor only forwards notes, parameters
/// and render calls here. Everything it is given carries a sample offset relative to the start of the next
/// <see cref="Process"/> call, which renders sample-accurately and consumes the events inside its block.
///
/// INTERIM: until it is wired to the real NeuralSynth engine (engine/NeuralSynth.Realtime VoiceEngine and
/// RenderScheduler, engine/NeuralSynth.Models for the timbre), each note plays an INTERIM TEST TONE: a plain
/// sine at the note's pitch (band-limited by construction; notes at or above 0.45 x the sample rate are not
/// played) with a short attack and an exponential release. It exists only so the plugin's pitch, velocity,
/// pitch bend, sustain, gain, polyphony and release can be tested end to end. Timbre parameters (morph,
/// macros, seed, inversion path) are accepted and ignored by the test tone.
///
/// Threading: Setup/Reset on the UI thread while not processing; NoteOn/NoteOff/SetParameter/Process on the
/// audio thread. Nothing here allocates, locks or does I/O after construction.
///
/// Wiring notes for engine/NeuralSynth.Realtime.VoiceEngine (as its code reads at the time of writing):
/// NoteOn(offset, pitch, velocity 0-1) maps to VoiceEngine.NoteOn(offset, pitch, round(velocity * 127));
/// PitchBend/Sustain parameters to VoiceEngine.PitchBend(offset, -1..1) / Sustain(offset, down);
/// Process(n) to VoiceEngine.Process(left[..n], right[..n]) (n never exceeds the Setup maxBlock: the processor
/// chunks larger host blocks); Setup to SetSampleRate (8-768 kHz, what SupportsSampleRate accepts) with
/// VoiceEngineOptions.Offline = processMode == 2. VoiceEngineOptions (polyphony, release, bend range, velocity
/// sensitivity) are fixed per VoiceEngine, so those parameters need a rebuild off the audio thread (or an
/// engine change); timbre parameters need SetTimbre, which must not run on the audio thread either.
/// </summary>
public sealed unsafe class InstrumentEngine
{
    public const int MaxVoices = 64;
    public const int EventCapacity = 16384;
    /// <summary>Host rates accepted (the real VoiceEngine's range); setupProcessing refuses others with kResultFalse.
    /// The instrument is specified for 22.05-192 kHz.</summary>
    public const double MinSampleRate = 8000, MaxSampleRate = 768000;

    public static bool SupportsSampleRate(double rate) => rate >= MinSampleRate && rate <= MaxSampleRate;

    /// <summary>Id of the model playing; saved in the state. The interim test tone has no model.</summary>
    public string ModelId => "interim-test-tone";

    enum EventKind : byte { NoteOn, NoteOff, Parameter }

    struct PendingEvent
    {
        public int Offset;
        public EventKind Kind;
        public short Pitch;
        public float Velocity;
        public float Tuning;
        public uint ParamId;
        public double Value;
    }

    struct Voice
    {
        public bool Active, Released, HeldBySustain;
        public short Pitch;
        public float Tuning;         // cents
        public float Amplitude;
        public double Phase;         // radians
        public double Envelope;
        public long StartedAt;
    }

    readonly PendingEvent[] _events = new PendingEvent[EventCapacity];
    int _eventCount;
    readonly Voice[] _voices = new Voice[MaxVoices];
    long _noteCounter;

    double _sampleRate = 44100;
    int _maxBlock = 8192;
    int _processMode;

    // Plain parameter values (units as in Parameters).
    double _velocitySensitivity = 1, _releaseSeconds = 0.3, _bendRange = 2, _bend, _modWheel;
    int _polyphony = 16;
    bool _sustain;
    double _gain = 1, _gainTarget = 1, _vibratoPhase;

    public double SampleRate => _sampleRate;
    public int MaxBlock => _maxBlock;
    public int ProcessMode => _processMode;

    public InstrumentEngine()
    {
        foreach (var p in Parameters.All) ApplyParameter(p.Id, p.DefaultPlain);
        _gain = _gainTarget;
    }

    /// <summary>Before processing starts (UI thread). processMode: 0 realtime, 1 prefetch, 2 offline.</summary>
    public void Setup(double sampleRate, int maxBlock, int processMode)
    {
        _sampleRate = sampleRate;
        _maxBlock = maxBlock;
        _processMode = processMode;
        Reset();
    }

    /// <summary>Silences every voice and drops pending events (on activation changes).</summary>
    public void Reset()
    {
        Array.Clear(_voices);
        _eventCount = 0;
        _gain = _gainTarget;
    }

    public bool IsSilent
    {
        get
        {
            for (int i = 0; i < MaxVoices; i++) if (_voices[i].Active) return false;
            return true;
        }
    }

    /// <summary>Samples of sound after the last note-off: the release time, to the -80 dB point.</summary>
    public uint TailSamples => (uint)Math.Min(uint.MaxValue - 1.0, Math.Ceiling(_releaseSeconds * 4.0 / 3.0 * _sampleRate));

    public void NoteOn(int offset, int pitch, float velocity, float tuningCents = 0) =>
        Enqueue(new PendingEvent { Offset = offset, Kind = EventKind.NoteOn, Pitch = (short)pitch, Velocity = velocity, Tuning = tuningCents });

    public void NoteOff(int offset, int pitch) =>
        Enqueue(new PendingEvent { Offset = offset, Kind = EventKind.NoteOff, Pitch = (short)pitch });

    /// <summary>A parameter change in plain units (dB, seconds, semitones...; see <see cref="Parameters"/>).</summary>
    public void SetParameter(uint id, double plainValue, int offset) =>
        Enqueue(new PendingEvent { Offset = offset, Kind = EventKind.Parameter, ParamId = id, Value = plainValue });

    void Enqueue(in PendingEvent e)
    {
        if (_eventCount == EventCapacity) return;            // a host sending >16k events per block loses the rest
        int i = _eventCount++;
        while (i > 0 && _events[i - 1].Offset > e.Offset) { _events[i] = _events[i - 1]; i--; }   // stable by offset
        _events[i] = e;
    }

    /// <summary>Renders <paramref name="n"/> samples into both channels (overwriting), applying queued events at
    /// their offsets. n = 0 applies every queued event at once (a parameter flush).</summary>
    public void Process(float* left, float* right, int n)
    {
        int next = 0;
        if (n <= 0)
        {
            while (next < _eventCount) Apply(in _events[next++]);
            _eventCount = 0;
            return;
        }
        int pos = 0;
        while (pos < n)
        {
            while (next < _eventCount && _events[next].Offset <= pos) Apply(in _events[next++]);
            int end = next < _eventCount ? Math.Min(n, _events[next].Offset) : n;
            RenderInterimTestTone(left + pos, right + pos, end - pos);
            pos = end;
        }
        int remaining = _eventCount - next;
        for (int k = 0; k < remaining; k++)
        {
            _events[k] = _events[next + k];
            _events[k].Offset -= n;
        }
        _eventCount = remaining;
    }

    void Apply(in PendingEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.NoteOn: StartVoice(e.Pitch, e.Velocity, e.Tuning); break;
            case EventKind.NoteOff: ReleaseKey(e.Pitch); break;
            case EventKind.Parameter: ApplyParameter(e.ParamId, e.Value); break;
        }
    }

    void ApplyParameter(uint id, double v)
    {
        switch (id)
        {
            case ParamIds.Gain: _gainTarget = Math.Pow(10, v / 20); break;
            case ParamIds.VelocitySensitivity: _velocitySensitivity = v / 100; break;
            case ParamIds.Release: _releaseSeconds = v; break;
            case ParamIds.PitchBendRange: _bendRange = v; break;
            case ParamIds.Polyphony: _polyphony = Math.Clamp((int)v, 1, MaxVoices); break;
            case ParamIds.PitchBend: _bend = v; break;
            case ParamIds.ModWheel: _modWheel = v / 100; break;
            case ParamIds.Sustain:
                bool on = v >= 0.5;
                if (_sustain && !on)
                {
                    for (int i = 0; i < MaxVoices; i++)
                        if (_voices[i].Active && _voices[i].HeldBySustain) { _voices[i].HeldBySustain = false; _voices[i].Released = true; }
                }
                _sustain = on;
                break;
            // Timbre (morph, macros, seed, inversion path) belongs to the real engine; the test tone has one sound.
        }
    }

    void StartVoice(int pitch, float velocity, float tuning)
    {
        if (velocity <= 0) { ReleaseKey(pitch); return; }   // MIDI convention: note-on with velocity 0 is a note-off
        // The same key struck again: the old voice releases, the new one starts.
        int active = 0;
        for (int i = 0; i < MaxVoices; i++)
        {
            ref var v = ref _voices[i];
            if (!v.Active) continue;
            if (v.Pitch == pitch && !v.Released) { v.Released = true; v.HeldBySustain = false; }
            active++;
        }
        int slot = -1;
        if (active < _polyphony)
        {
            for (int i = 0; i < MaxVoices; i++) if (!_voices[i].Active) { slot = i; break; }
        }
        if (slot < 0)
        {
            // Steal the oldest voice, preferring released ones.
            long best = long.MaxValue;
            for (int pass = 0; pass < 2 && slot < 0; pass++)
            {
                for (int i = 0; i < MaxVoices; i++)
                {
                    ref var v = ref _voices[i];
                    if (v.Active && (pass == 1 || v.Released) && v.StartedAt < best) { best = v.StartedAt; slot = i; }
                }
            }
        }
        if (slot < 0) return;
        float vel = Math.Clamp(velocity, 0, 1);
        _voices[slot] = new Voice
        {
            Active = true,
            Pitch = (short)pitch,
            Tuning = tuning,
            Amplitude = (float)(0.25 * ((1 - _velocitySensitivity) + _velocitySensitivity * vel)),
            StartedAt = ++_noteCounter,
        };
    }

    void ReleaseKey(int pitch)
    {
        for (int i = 0; i < MaxVoices; i++)
        {
            ref var v = ref _voices[i];
            if (!v.Active || v.Released || v.Pitch != pitch) continue;
            if (_sustain) v.HeldBySustain = true;
            else v.Released = true;
        }
    }

    /// <summary>INTERIM TEST TONE: sines at the voices' pitches; to be replaced by the real voice engine.</summary>
    void RenderInterimTestTone(float* left, float* right, int n)
    {
        new Span<float>(left, n).Clear();
        double sr = _sampleRate;
        double attackStep = 1.0 / Math.Max(1, 0.005 * sr);                      // 5 ms attack
        double releaseCoef = Math.Exp(Math.Log(1e-3) / Math.Max(1, _releaseSeconds * sr));   // -60 dB at the release time
        double vibratoInc = 2 * Math.PI * 5.5 / sr;
        double vibratoDepth = 0.5 * _modWheel;                                 // semitones at full mod wheel
        for (int vi = 0; vi < MaxVoices; vi++)
        {
            ref var v = ref _voices[vi];
            if (!v.Active) continue;
            double semis = v.Pitch - 69 + v.Tuning / 100.0 + _bend * _bendRange;
            double freq = 440.0 * Math.Pow(2, semis / 12);
            if (freq >= 0.45 * sr) { v.Active = false; continue; }
            double inc = 2 * Math.PI * freq / sr;
            double phase = v.Phase, env = v.Envelope, vib = _vibratoPhase;
            float amp = v.Amplitude;
            bool released = v.Released;
            for (int i = 0; i < n; i++)
            {
                if (released) env *= releaseCoef;
                else if (env < 1) env = Math.Min(1, env + attackStep);
                left[i] += (float)(Math.Sin(phase) * env) * amp;
                double step = inc;
                if (vibratoDepth > 0) { step *= Math.Pow(2, vibratoDepth * Math.Sin(vib) / 12); vib += vibratoInc; }
                phase += step;
                if (phase > 2 * Math.PI) phase -= 2 * Math.PI;
            }
            v.Phase = phase;
            v.Envelope = env;
            if (released && env < 1e-4) v.Active = false;
        }
        _vibratoPhase = (_vibratoPhase + vibratoInc * n) % (2 * Math.PI);
        // Gain, smoothed (~5 ms) so automation doesn't click; mono source copied to both channels.
        double g = _gain, target = _gainTarget, coef = 1 - Math.Exp(-1.0 / (0.005 * sr));
        for (int i = 0; i < n; i++)
        {
            g += (target - g) * coef;
            float s = left[i] * (float)g;
            left[i] = s;
            right[i] = s;
        }
        _gain = g;
    }
}
