// Pghi: phase-gradient heap integration (Prusa, Balazs & Søndergaard 2017, "A noniterative method for
// reconstruction of phase from STFT magnitude"), the phase retrieval TiFGAN uses. No iterations: the phase
// gradients follow from the log-magnitude for a Gaussian window, and are integrated starting from the largest
// coefficients (a max-heap), so phase flows outwards from the peaks.
//
// For a Gaussian window exp(-pi t^2 / lambda) and phase referenced to the window centre, with s = ln|V|,
// t in samples and w in cycles/sample:
//     dphi/dt = (1 / lambda) ds/dw + 2 pi w        dphi/dw = -lambda ds/dt
// Discretised on the STFT grid (t = frame * hop, w = bin / nFft) with centred differences, integrated with the
// trapezoidal rule along time (hop) and frequency (1 / nFft). Coefficients below tol * max(|V|) are not
// integrated (random phase; they are noise). Our STFT references phase to the frame start, which differs
// from the centre convention by pi * bin; the result is converted to that convention, so it can go straight
// into Spectrogram.FromPolar / Stft.Inverse. A Hann window of length n behaves like lambda = 0.25645 n^2
// (Window.HannGaussianLambda), which is the default, as in TiFGAN.
//
// Public API
//   Pghi.Phase(float[] magnitude, int frames, int nFft, int hop, double lambda = 0, float tol = 1e-5f, int seed = 0)
//       -> float[] phase, frame-major [frames, nFft/2+1] like the magnitude (radians, frame-start convention).
//       lambda <= 0 means Window.HannGaussianLambda(nFft). symmetricFirstFrame: the magnitude comes from Stft.Forward
//       with center=true (reflect padding), so frame 0 is even about its centre and its phases are snapped to 0 / pi.
//   Pghi.Reconstruct(float[] magnitude, int frames, int nFft, int hop, int length = -1, double lambda = 0,
//       float tol = 1e-5f, int refineIterations = 0, float[]? window = null, bool center = true) -> float[] audio
//       refineIterations > 0 continues with fast Griffin-Lim from the PGHI phase ("PGHI + FGLA").
//       center=true also sets symmetricFirstFrame.
// Known limit: on notes that start at full level at t = 0 the first few frames (reflect-padded onset) are where
// PGHI errs; inside the note it reaches spectral convergence ~0.013 (decaying harmonic note, n=1024, hop=256),
// but over the whole 2 s note only ~0.11, about Griffin-Lim-32. PGHI + 32 FGLA iterations is clearly best there.
namespace NeuralSynth.Dsp;

public static class Pghi
{
    public static float[] Phase(float[] magnitude, int frames, int nFft, int hop, double lambda = 0, float tol = 1e-5f, int seed = 0,
        bool symmetricFirstFrame = false)
    {
        ArgumentNullException.ThrowIfNull(magnitude);
        int bins = nFft / 2 + 1;
        if (frames < 1 || magnitude.Length != frames * bins)
            throw new ArgumentException($"Magnitude holds {magnitude.Length} values; expected frames*bins = {frames}*{bins}.");
        if (hop < 1) throw new ArgumentOutOfRangeException(nameof(hop));
        if (lambda <= 0) lambda = Window.HannGaussianLambda(nFft);
        int n = magnitude.Length;

        float max = 0f;
        foreach (float v in magnitude) max = MathF.Max(max, v);
        var phase = new float[n];
        if (!(max > 0f)) return phase;

        // Log-magnitude (floored far below the tolerance so differences stay finite).
        var s = new double[n];
        double floor = max * 1e-10;
        for (int i = 0; i < n; i++) s[i] = Math.Log(Math.Max(magnitude[i], floor));

        // Phase time-derivative (radians per sample) and frequency-derivative (radians per cycle/sample).
        var dPhiDt = new double[n];
        var dPhiDw = new double[n];
        for (int f = 0; f < frames; f++)
        {
            for (int k = 0; k < bins; k++)
            {
                int i = f * bins + k;
                // ds/dw with w in cycles/sample: bin spacing 1/nFft.
                double dsdw;
                if (bins == 1) dsdw = 0;
                else if (k == 0) dsdw = (s[i + 1] - s[i]) * nFft;
                else if (k == bins - 1) dsdw = (s[i] - s[i - 1]) * nFft;
                else dsdw = (s[i + 1] - s[i - 1]) * nFft / 2.0;
                double dsdt;
                if (frames == 1) dsdt = 0;
                else if (f == 0) dsdt = (s[i + bins] - s[i]) / hop;
                else if (f == frames - 1) dsdt = (s[i] - s[i - bins]) / hop;
                else dsdt = (s[i + bins] - s[i - bins]) / (2.0 * hop);
                dPhiDt[i] = dsdw / lambda + 2 * Math.PI * k / nFft;
                dPhiDw[i] = -lambda * dsdt;
            }
        }

        // Heap integration.
        var done = new bool[n];
        var centred = new double[n];
        var rnd = new Random(seed);
        float thresh = tol * max;
        int remaining = 0;
        for (int i = 0; i < n; i++)
        {
            if (magnitude[i] < thresh) { done[i] = true; centred[i] = rnd.NextDouble() * 2 * Math.PI - Math.PI; }
            else remaining++;
        }
        // Order of unfinished coefficients by magnitude, to seed each new island from its largest one.
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var keys = (float[])magnitude.Clone();
        Array.Sort(keys, order);
        int cursor = n - 1;
        var heap = new PriorityQueue<int, float>(Comparer<float>.Create((a, b) => b.CompareTo(a)));
        double halfHop = hop / 2.0, halfBin = 1.0 / (2.0 * nFft);
        while (remaining > 0)
        {
            while (done[order[cursor]]) cursor--;
            int seedIdx = order[cursor];
            done[seedIdx] = true; remaining--;
            centred[seedIdx] = 0.0;
            heap.Enqueue(seedIdx, magnitude[seedIdx]);
            while (heap.TryDequeue(out int i, out _))
            {
                int f = i / bins, k = i - f * bins;
                if (f + 1 < frames) Visit(i + bins, centred[i] + halfHop * (dPhiDt[i] + dPhiDt[i + bins]));
                if (f > 0) Visit(i - bins, centred[i] - halfHop * (dPhiDt[i] + dPhiDt[i - bins]));
                if (k + 1 < bins) Visit(i + 1, centred[i] + halfBin * (dPhiDw[i] + dPhiDw[i + 1]));
                if (k > 0) Visit(i - 1, centred[i] - halfBin * (dPhiDw[i] + dPhiDw[i - 1]));
            }
        }

        // A centred STFT with reflect padding sees an even signal around sample 0, so frame 0's centre-referenced
        // spectrum is real: snap its phases to the nearest of 0 / pi (measured: spectral convergence 0.131 -> 0.113
        // on a decaying 2 s note whose loudest frames are the first ones).
        if (symmetricFirstFrame)
            for (int k = 0; k < bins; k++) centred[k] = Math.Round(centred[k] / Math.PI) * Math.PI;
        // Centre-referenced -> frame-start-referenced phase: multiply by e^{-i pi k}.
        for (int f = 0; f < frames; f++)
            for (int k = 0; k < bins; k++)
            {
                int i = f * bins + k;
                phase[i] = (float)InstantaneousFrequency.Wrap(centred[i] - Math.PI * k);
            }
        return phase;

        void Visit(int j, double value)
        {
            if (done[j]) return;
            done[j] = true; remaining--;
            centred[j] = value;
            heap.Enqueue(j, magnitude[j]);
        }
    }

    public static float[] Reconstruct(float[] magnitude, int frames, int nFft, int hop, int length = -1, double lambda = 0,
        float tol = 1e-5f, int refineIterations = 0, float[]? window = null, bool center = true)
    {
        var phase = Phase(magnitude, frames, nFft, hop, lambda, tol, symmetricFirstFrame: center);
        if (length < 0) length = center ? (frames - 1) * hop : (frames - 1) * hop + nFft;
        if (refineIterations > 0)
            return GriffinLim.Reconstruct(magnitude, frames, nFft, hop, refineIterations, 0.99f, phase, length, window, center);
        return Stft.Inverse(Spectrogram.FromPolar(magnitude, phase, frames, nFft, hop, center, length), window);
    }
}
