using System.Runtime.InteropServices;

namespace NeuralSynth.Models.Vocoder;

/// CPU time consumed by the calling thread (clock_gettime(CLOCK_THREAD_CPUTIME_ID)), in milliseconds. With
/// torch.set_num_threads(1) torch runs its kernels on the calling thread, so this measures "one core" cost even on
/// a machine shared with other jobs, where wall time mostly measures the queue. NaN where unavailable.
public static partial class ThreadCpuClock
{
    [StructLayout(LayoutKind.Sequential)]
    struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    const int ClockThreadCpuTimeId = 3;

    public static double NowMs()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        try
        {
            return ClockGetTime(ClockThreadCpuTimeId, out var t) == 0 ? t.Seconds * 1e3 + t.Nanoseconds / 1e6 : double.NaN;
        }
        catch (DllNotFoundException) { return double.NaN; }
        catch (EntryPointNotFoundException) { return double.NaN; }
    }
}
