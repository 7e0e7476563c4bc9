using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSynth.Models;

/// Scalars that stay alive while libtorch reads them.
///
/// TorchSharp hands libtorch a Scalar's handle and keeps no reference to the managed object during the call, so a
/// Scalar made for one call (`x * 0.5`, `x + 1.0`, `x.pow(2)`, and the alpha = 1 that `a + b` adds for the caller)
/// is unreachable while libtorch runs, and the GC's finalizer thread may free it mid-call whenever another thread
/// allocates. That is what killed training runs at steps ~7,700 and 32,800 and a fresh-clone CI run ("Expected false
/// to be true" in c10::Scalar::toFloat). engine/BannedSymbols.Torch.txt bans those calls in torch code at compile
/// time; this is what to use instead:
/// constants through S (process-lived, one per value), values that change at run time through a Scalar held with
/// `using` for the span of the call, and additions through Add.
/// torch.Generator is the same kind of object (a raw handle and a finalizer): hold it with `using` for as long as
/// randn reads it; a generator passed inline, or last used in a call, may be freed while libtorch draws from it (a
/// test host died in libtorch_cpu that way). So is a temporary tensor outside a dispose scope: in
/// `p.copy_(randn(shape) * c)` nothing holds randn's result while mul reads it, nor the product while copy_ does;
/// hold such temporaries with `using var` (a test host died in libc10 reading a freed tensor so, 1 run in ~10).
public static class TorchScalars
{
    static readonly ConstantScalars<double> Reals = new(v => v.ToScalar(), 4096);
    static readonly ConstantScalars<long> Integers = new(v => v.ToScalar(), 4096);

    /// The process-lived Scalar of a floating-point constant (float64: libtorch keeps a float32 tensor float32).
    public static Scalar S(double value) => Reals.Get(value);

    /// The process-lived Scalar of an integer constant (for integer tensors, which a real Scalar would promote).
    public static Scalar SI(long value) => Integers.Get(value);

    /// a + b (TorchSharp's `a + b` passes a temporary alpha Scalar). The alpha is the integer 1 TorchSharp passes:
    /// libtorch rejects a floating-point alpha for integer tensors (index arithmetic), and for float tensors 1 and 1.0
    /// are the same.
    public static Tensor Add(Tensor a, Tensor b) => a.add(b, SI(1));

    /// a + c for a constant c (a real c: for float tensors; an integer tensor would be promoted to float).
    public static Tensor Add(Tensor a, double c) => a.add(S(c), SI(1));

    /// a += b, in place.
    public static Tensor AddInPlace(Tensor a, Tensor b) => a.add_(b, SI(1));

    /// c - x for a constant c, as TorchSharp's `c - x` computes it (-x + c), without its temporary Scalars.
    public static Tensor Rsub(double c, Tensor x)
    {
        using var negated = x.negative();
        return negated.add(S(c), SI(1));
    }

    /// c / x for a constant c, as TorchSharp's `c / x` computes it (reciprocal(x) * c), without its temporary Scalar.
    public static Tensor Rdiv(double c, Tensor x)
    {
        using var reciprocal = x.reciprocal();
        return reciprocal.mul(S(c));
    }
}

/// One Scalar per distinct value, never freed. More distinct values than the capacity means run-time values are being
/// fed to it, each of which would live forever: that throws instead of leaking.
public sealed class ConstantScalars<T>(Func<T, Scalar> make, int capacity) where T : notnull
{
    readonly ConcurrentDictionary<T, Scalar> cache = new();

    public Scalar Get(T value)
    {
        if (cache.TryGetValue(value, out var s)) return s;
        if (cache.Count >= capacity)
            throw new InvalidOperationException(
                $"TorchScalars hold {capacity} constants: a value that changes at run time belongs in a Scalar held with using");
        return cache.GetOrAdd(value, make);
    }
}
