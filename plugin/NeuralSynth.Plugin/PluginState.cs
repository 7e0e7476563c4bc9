using System.Buffers.Binary;
using System.Text;
using NeuralSynth.Realtime.Timbre;

namespace NeuralSynth.Plugin;

/// <summary>
/// The processor's saved state (what IComponent::getState writes, and the controller reads back in
/// setComponentState; the 'Comp' chunk of a .vstpreset). Little-endian binary:
/// <code>
///   "NSYN" | u16 version (2) | u8 modelIdLength | modelId (UTF-8) | u16 count | count x (u32 paramId, f64 normalized)
///   | u8 cornerCount (0 or 4) | cornerCount x (u8 kind: 0 seed -> i64 seed | 1 latent -> u16 n, n x f32) | u32 CRC-32
/// </code>
/// The CRC covers every byte before it, so truncation or corruption is caught. Unknown parameter ids
/// (from a later version) are skipped; missing ones keep their defaults. Version 1 states (no corner section) still
/// load. Corners are the morph pad's four latents when they are not a sound of the bundled bank: a timbre captured
/// from audio (`neuralsynth invert`) or any JSON preset exported with `neuralsynth preset export`.
/// </summary>
public sealed class PluginState
{
    public const int Version = 2;
    public const int MaxBytes = 1 << 20;
    const int MaxLatent = 4096;
    static ReadOnlySpan<byte> Magic => "NSYN"u8;

    public required string ModelId { get; init; }
    public required double[] Values { get; init; }   // by index in Parameters.All
    /// Custom morph corners (4), or null: the Sound parameter's bank preset gives them.
    public CornerSpec[]? Corners { get; init; }

    public static PluginState Default(string modelId) => new() { ModelId = modelId, Values = Parameters.Defaults() };

    /// The state a JSON preset makes: its corners, XY, macros, seed, gain, velocity sensitivity, release, bend range and
    /// vibrato (everything else at defaults).
    public static PluginState FromPreset(Preset preset, string modelId)
    {
        var values = Parameters.Defaults();
        void Set(uint id, double plain) => values[Parameters.IndexOf(id)] = Parameters.Get(id)!.ToNormalized(plain);
        foreach (uint id in Parameters.SoundIds) Set(id, Parameters.PresetPlain(preset, id));
        Set(ParamIds.Gain, preset.GainDb);
        Set(ParamIds.PitchBendRange, preset.PitchBendRange);
        int bank = Array.IndexOf(SoundBank.Names, preset.Name);
        if (bank >= 0 && SoundBank.PresetOf(bank) is { } p && p.Corners.SequenceEqual(preset.Corners)) Set(ParamIds.Sound, bank);
        return new PluginState { ModelId = modelId, Values = values, Corners = [.. preset.Corners] };
    }

    /// The JSON preset this state plays, the inverse of FromPreset: the state's own corners, else those of the bank sound
    /// its Sound parameter names; XY, macros, seed, gain, velocity sensitivity, release, bend range and vibrato from the values.
    public Preset ToPreset(string name)
    {
        // Plain values to 6 decimals: the normalized round trip leaves 1e-15 residues (7.700000000000003 dB).
        double Plain(uint id) => Math.Round(Parameters.Get(id)!.ToPlain(Values[Parameters.IndexOf(id)]), 6);
        var sound = SoundBank.PresetOf((int)Math.Round(Plain(ParamIds.Sound)));
        var corners = Corners ?? sound?.Corners.ToArray()
            ?? throw new InvalidOperationException("the state plays a bank sound and this build has no bank (presets folder) to read it from");
        bool isSound = sound is not null && corners.SequenceEqual(sound.Corners);
        return new Preset
        {
            Name = name,
            Model = isSound ? sound!.Model : "gansynth",
            Corners = corners,
            X = Plain(ParamIds.MorphX) / 100,
            Y = Plain(ParamIds.MorphY) / 100,
            Macros = Enumerable.Range(0, ParamIds.MacroCount).Select(i => Plain(ParamIds.Macro1 + (uint)i) / 100).ToArray(),
            Seed = (long)Math.Round(Plain(ParamIds.Seed)),
            GainDb = Plain(ParamIds.Gain),
            VelocitySensitivity = Plain(ParamIds.VelocitySensitivity) / 100,
            ReleaseS = Plain(ParamIds.Release),
            PitchBendRange = (int)Math.Round(Plain(ParamIds.PitchBendRange)),
            VibratoCents = Plain(ParamIds.Vibrato),
            VibratoHz = Plain(ParamIds.VibratoRate),
            Family = isSound ? sound!.Family : null,
        };
    }

    public byte[] Serialize()
    {
        var model = Encoding.UTF8.GetBytes(ModelId);
        if (model.Length > 255) throw new InvalidOperationException("model id longer than 255 bytes");
        if (Corners is { Length: not Preset.CornerCount }) throw new InvalidOperationException($"a state carries {Preset.CornerCount} corners or none");
        int cornerBytes = 1 + (Corners?.Sum(c => c.IsSeed ? 9 : 3 + 4 * c.Values!.Length) ?? 0);
        int size = 4 + 2 + 1 + model.Length + 2 + Values.Length * 12 + cornerBytes + 4;
        var bytes = new byte[size];
        var s = bytes.AsSpan();
        Magic.CopyTo(s);
        BinaryPrimitives.WriteUInt16LittleEndian(s[4..], Version);
        s[6] = (byte)model.Length;
        model.CopyTo(s[7..]);
        int o = 7 + model.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(s[o..], (ushort)Values.Length);
        o += 2;
        for (int i = 0; i < Values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(s[o..], Parameters.All[i].Id);
            BinaryPrimitives.WriteDoubleLittleEndian(s[(o + 4)..], Values[i]);
            o += 12;
        }
        s[o++] = (byte)(Corners?.Length ?? 0);
        foreach (var c in Corners ?? [])
        {
            if (c.Seed is long seed) { s[o++] = 0; BinaryPrimitives.WriteInt64LittleEndian(s[o..], seed); o += 8; continue; }
            s[o++] = 1;
            BinaryPrimitives.WriteUInt16LittleEndian(s[o..], (ushort)c.Values!.Length);
            o += 2;
            foreach (float v in c.Values) { BinaryPrimitives.WriteSingleLittleEndian(s[o..], v); o += 4; }
        }
        BinaryPrimitives.WriteUInt32LittleEndian(s[o..], Crc32.Compute(s[..o]));
        return bytes;
    }

    /// <summary>Parses a state; on anything wrong returns null and says why in <paramref name="error"/>.</summary>
    public static PluginState? TryParse(ReadOnlySpan<byte> s, out string error)
    {
        error = "";
        if (s.Length < 4 + 2 + 1 + 2 + 4 || !s[..4].SequenceEqual(Magic)) { error = "not a NeuralSynth state (bad magic)"; return null; }
        int version = BinaryPrimitives.ReadUInt16LittleEndian(s[4..]);
        if (version < 1 || version > Version) { error = $"state version {version} not supported (this build reads up to {Version})"; return null; }
        if (BinaryPrimitives.ReadUInt32LittleEndian(s[^4..]) != Crc32.Compute(s[..^4])) { error = "state checksum mismatch (corrupt or truncated)"; return null; }
        int modelLength = s[6];
        int o = 7 + modelLength;
        if (o + 2 + 4 > s.Length) { error = "state truncated in the model id"; return null; }
        string modelId;
        try { modelId = new UTF8Encoding(false, true).GetString(s.Slice(7, modelLength)); }
        catch (DecoderFallbackException) { error = "state model id is not UTF-8"; return null; }
        int count = BinaryPrimitives.ReadUInt16LittleEndian(s[o..]);
        o += 2;
        int end = s.Length - 4;
        if (o + count * 12 > end || (version == 1 && o + count * 12 != end)) { error = "state length does not match its parameter count"; return null; }
        var values = Parameters.Defaults();
        var present = new bool[values.Length];
        for (int i = 0; i < count; i++, o += 12)
        {
            uint id = BinaryPrimitives.ReadUInt32LittleEndian(s[o..]);
            double v = BinaryPrimitives.ReadDoubleLittleEndian(s[(o + 4)..]);
            if (!double.IsFinite(v) || v < 0 || v > 1) { error = $"state value of parameter {id} out of range"; return null; }
            int index = Parameters.IndexOf(id);
            if (index >= 0) { values[index] = v; present[index] = true; }
        }
        CornerSpec[]? corners = null;
        if (version >= 2)
        {
            if (o >= end) { error = "state truncated before its corners"; return null; }
            int n = s[o++];
            if (n is not (0 or Preset.CornerCount)) { error = $"state has {n} corners (expected 0 or {Preset.CornerCount})"; return null; }
            if (n > 0) corners = new CornerSpec[n];
            for (int c = 0; c < n; c++)
            {
                if (o >= end) { error = $"state truncated in corner {c + 1}"; return null; }
                int kind = s[o++];
                if (kind == 0)
                {
                    if (o + 8 > end) { error = $"state truncated in corner {c + 1}"; return null; }
                    corners![c] = CornerSpec.FromSeed(BinaryPrimitives.ReadInt64LittleEndian(s[o..]));
                    o += 8;
                }
                else if (kind == 1)
                {
                    if (o + 2 > end) { error = $"state truncated in corner {c + 1}"; return null; }
                    int len = BinaryPrimitives.ReadUInt16LittleEndian(s[o..]);
                    o += 2;
                    if (len is 0 or > MaxLatent || o + 4 * len > end) { error = $"state corner {c + 1} has a bad latent length {len}"; return null; }
                    var z = new float[len];
                    for (int i = 0; i < len; i++, o += 4) z[i] = BinaryPrimitives.ReadSingleLittleEndian(s[o..]);
                    if (z.Any(v => !float.IsFinite(v))) { error = $"state corner {c + 1} has a non-finite latent value"; return null; }
                    corners![c] = CornerSpec.FromValues(z);
                }
                else { error = $"state corner {c + 1} has unknown kind {kind}"; return null; }
            }
            if (o != end) { error = "state has trailing bytes after its corners"; return null; }
        }
        TakeMissingSoundValues(values, present, corners);
        return new PluginState { ModelId = modelId, Values = values, Corners = corners };
    }

    /// A sound parameter a state does not carry (one saved before it existed: the vibrato came in state version 2's
    /// lifetime) plays as the state's sound would: its bank sound's value, or for custom corners no vibrato of their
    /// own, as they played when the state was saved; not the default sound's.
    static void TakeMissingSoundValues(double[] values, bool[] present, CornerSpec[]? corners)
    {
        var sound = Parameters.Get(ParamIds.Sound)!;
        var bank = corners == null ? Parameters.SoundValues((int)sound.ToPlain(values[Parameters.IndexOf(ParamIds.Sound)])) : null;
        for (int k = 0; k < Parameters.SoundIds.Length; k++)
        {
            uint id = Parameters.SoundIds[k];
            int index = Parameters.IndexOf(id);
            if (present[index]) continue;
            if (bank != null) values[index] = bank[k];
            else if (id == ParamIds.Vibrato) values[index] = 0;
        }
    }
}

/// <summary>CRC-32 (IEEE 802.3, reflected, as zlib).</summary>
public static class Crc32
{
    static readonly uint[] s_table = BuildTable();

    static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data) c = s_table[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
