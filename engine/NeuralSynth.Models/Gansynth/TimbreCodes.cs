using TorchSharp;
using static TorchSharp.torch;
using static NeuralSynth.Models.TorchScalars;

namespace NeuralSynth.Models.Gansynth;

/// The learned timbre codes of the training instruments (config code_weight > 0; GansynthConfig.Codes says what they
/// are for). A module of its own, with its own Adam and checkpoint files, so a resume can switch the codes on without
/// touching the generator's optimizer state.
public sealed class TimbreCodes : nn.Module
{
    readonly TorchSharp.Modules.Parameter codes;
    public string[] Names { get; }
    readonly Dictionary<string, int> index;

    /// Codes for the named instruments: the config's own where it has them (a resumed or shipped run), else seeded
    /// Gaussian directions (the caller seeds torch).
    public TimbreCodes(GansynthConfig cfg, string[] names) : base("timbre_codes")
    {
        Names = names;
        index = names.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i);
        Tensor init;
        if (cfg.HasCodes)
        {
            // Data that adds instruments to a run's (a SoundFont more) keeps the codes it has and gives the new
            // instruments seeded Gaussian ones; data that lacks some of the run's instruments is another run.
            var known = cfg.CodeNames.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i);
            if (!cfg.CodeNames.All(index.ContainsKey))
                throw new ArgumentException($"the run's codes are for the instruments {string.Join(", ", cfg.CodeNames.Take(5))}... ({cfg.CodeNames.Length}); the data has {string.Join(", ", names.Take(5))}... ({names.Length}) and lacks {string.Join(", ", cfg.CodeNames.Where(n => !index.ContainsKey(n)).Take(5))}");
            Added = names.Where(n => !known.ContainsKey(n)).ToArray();
            using var fresh = randn(names.Length, cfg.LatentSize);
            var values = fresh.data<float>().ToArray();
            for (int i = 0; i < names.Length; i++)
                if (known.TryGetValue(names[i], out int k)) cfg.Codes[k].CopyTo(values, i * cfg.LatentSize);
            init = tensor(values, [names.Length, cfg.LatentSize]);
        }
        else init = randn(names.Length, cfg.LatentSize);
        codes = new TorchSharp.Modules.Parameter(init);
        RegisterComponents();
        Renormalize();
    }

    /// Instruments the data has and the run's codes had not (their codes start random; LoadCheckpoint then keeps the
    /// config's codes, which the checkpoint's equal, and starts the codes' Adam afresh).
    public string[] Added { get; } = [];

    public Tensor Codes => codes;
    public int Count => Names.Length;

    /// The code index of each named instrument.
    public long[] IndexOf(IEnumerable<string> instruments) => instruments.Select(n => (long)index[n]).ToArray();

    /// Every code back to norm sqrt(latent_size): the generator pixel-norms its latent, so only directions matter, and a
    /// fixed norm keeps code_sigma's noise the same size relative to every code.
    public void Renormalize()
    {
        using var _ = no_grad();
        using var norm = codes.norm(1, keepdim: true).clamp_min(S(1e-8));
        using var scale = Rdiv(Math.Sqrt(codes.shape[1]), norm);
        codes.mul_(scale);
    }

    public float[][] ToArrays()
    {
        using var held = codes.detach(); // held while its data is read (an unrooted temporary may be finalized mid-read)
        var flat = held.data<float>().ToArray();
        int d = (int)codes.shape[1];
        return Enumerable.Range(0, Count).Select(k => flat.AsSpan(k * d, d).ToArray()).ToArray();
    }
}
