using System.Runtime.InteropServices;

namespace NeuralSynth.Models.Dataset;

/// A SoundFont synthesizer: P/Invoke to Debian's libfluidsynth3. One instance per thread;
/// reverb and chorus are off so that a note depends on nothing but (program, pitch, velocity).
public sealed partial class FluidSynth : IDisposable
{
    const string Lib = "libfluidsynth.so.3";
    const int FlushSamples = 4096;
    IntPtr settings, synth;
    readonly int soundFontId;
    public int SampleRate { get; }

    public FluidSynth(string soundFontPath, int sampleRate)
    {
        if (!File.Exists(soundFontPath)) throw new FileNotFoundException($"{soundFontPath}: SoundFont not found", soundFontPath);
        try { settings = new_fluid_settings(); }
        catch (DllNotFoundException)
        {
            throw new InvalidOperationException("libfluidsynth.so.3 is not installed (Debian: apt-get install libfluidsynth3)");
        }
        SampleRate = sampleRate;
        fluid_settings_setnum(settings, "synth.sample-rate", sampleRate);
        fluid_settings_setint(settings, "synth.reverb.active", 0);
        fluid_settings_setint(settings, "synth.chorus.active", 0);
        fluid_settings_setint(settings, "synth.polyphony", 64);
        fluid_settings_setnum(settings, "synth.gain", 0.6);
        fluid_settings_setint(settings, "synth.cpu-cores", 1);
        synth = new_fluid_synth(settings);
        if (synth == IntPtr.Zero) throw new InvalidOperationException("fluidsynth: could not create a synthesizer");
        soundFontId = fluid_synth_sfload(synth, soundFontPath, 1);
        if (soundFontId < 0) { Dispose(); throw new Formats.InvalidFileException(soundFontPath, 0, "fluidsynth could not load this SoundFont"); }
    }

    /// Renders one isolated note: held for `holdSeconds`, then released, `totalSamples` long, mono (L+R)/2.
    public float[] RenderNote(int bank, int program, int pitch, int velocity, int totalSamples, int holdSamples)
    {
        fluid_synth_system_reset(synth);
        // Let the reset voices die away in silence before the next note starts.
        var flushL = new float[FlushSamples];
        var flushR = new float[FlushSamples];
        Write(flushL, flushR, 0, FlushSamples);
        if (fluid_synth_program_select(synth, 0, soundFontId, bank, program) != 0)
            throw new ArgumentException($"program {bank}:{program} is not in the SoundFont");
        var left = new float[totalSamples];
        var right = new float[totalSamples];
        fluid_synth_noteon(synth, 0, pitch, velocity);
        Write(left, right, 0, Math.Min(holdSamples, totalSamples));
        fluid_synth_noteoff(synth, 0, pitch);
        if (holdSamples < totalSamples) Write(left, right, holdSamples, totalSamples - holdSamples);
        var mono = new float[totalSamples];
        for (int i = 0; i < totalSamples; i++) mono[i] = 0.5f * (left[i] + right[i]);
        return mono;
    }

    unsafe void Write(float[] l, float[] r, int offset, int count)
    {
        const int Block = 1024; // fluidsynth renders in 64-sample steps; chunk to keep calls cheap
        fixed (float* pl = l, pr = r)
            for (int done = 0; done < count; done += Block)
            {
                int n = Math.Min(Block, count - done);
                fluid_synth_write_float(synth, n, (IntPtr)(pl + offset + done), 0, 1, (IntPtr)(pr + offset + done), 0, 1);
            }
    }

    public void Dispose()
    {
        if (synth != IntPtr.Zero) { delete_fluid_synth(synth); synth = IntPtr.Zero; }
        if (settings != IntPtr.Zero) { delete_fluid_settings(settings); settings = IntPtr.Zero; }
    }

    [LibraryImport(Lib)] private static partial IntPtr new_fluid_settings();
    [LibraryImport(Lib)] private static partial void delete_fluid_settings(IntPtr s);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] private static partial int fluid_settings_setnum(IntPtr s, string name, double val);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] private static partial int fluid_settings_setint(IntPtr s, string name, int val);
    [LibraryImport(Lib)] private static partial IntPtr new_fluid_synth(IntPtr settings);
    [LibraryImport(Lib)] private static partial void delete_fluid_synth(IntPtr synth);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] private static partial int fluid_synth_sfload(IntPtr synth, string path, int resetPresets);
    [LibraryImport(Lib)] private static partial int fluid_synth_program_select(IntPtr synth, int chan, int sfid, int bank, int preset);
    [LibraryImport(Lib)] private static partial int fluid_synth_noteon(IntPtr synth, int chan, int key, int vel);
    [LibraryImport(Lib)] private static partial int fluid_synth_noteoff(IntPtr synth, int chan, int key);
    [LibraryImport(Lib)] private static partial int fluid_synth_system_reset(IntPtr synth);
    [LibraryImport(Lib)] private static partial int fluid_synth_write_float(IntPtr synth, int len, IntPtr lout, int loff, int lincr, IntPtr rout, int roff, int rincr);
}
