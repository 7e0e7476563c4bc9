namespace NeuralSynth.Models.Evaluation;

/// Metrics computed from a classifier's predicted class distributions p(y|x), as GANSynth reports them.
/// Every row of `probs` is one example's distribution (non-negative, sums to ~1). Natural logarithms.
public static class ClassMetrics
{
    /// Fraction of examples whose most probable class equals the label.
    public static double Accuracy(IReadOnlyList<float[]> probs, IReadOnlyList<int> labels)
    {
        CheckRows(probs);
        if (labels.Count != probs.Count) throw new ArgumentException($"{probs.Count} predictions but {labels.Count} labels");
        int correct = 0;
        for (int i = 0; i < probs.Count; i++) if (ArgMax(probs[i]) == labels[i]) correct++;
        return correct / (double)probs.Count;
    }

    /// Mean over examples of the entropy H(p(y|x)) in nats: 0 for confident one-hot predictions,
    /// ln(C) for uniform ones. GANSynth's "pitch entropy" (low = the classifier is sure of the pitch).
    public static double MeanEntropy(IReadOnlyList<float[]> probs)
    {
        CheckRows(probs);
        double sum = 0;
        foreach (var p in probs) sum += Entropy(p);
        return sum / probs.Count;
    }

    public static double Entropy(ReadOnlySpan<float> p)
    {
        double h = 0;
        foreach (float v in p) if (v > 0) h -= v * Math.Log(v);
        return h;
    }

    /// Inception Score exp(E_x[KL(p(y|x) || p(y))]) with p(y) the mean prediction over the set. Ranges from
    /// 1 (every example gets the same distribution) to C (confident predictions spread evenly over C classes).
    public static double InceptionScore(IReadOnlyList<float[]> probs)
    {
        CheckRows(probs);
        int c = probs[0].Length;
        var marginal = new double[c];
        foreach (var p in probs) for (int k = 0; k < c; k++) marginal[k] += p[k];
        for (int k = 0; k < c; k++) marginal[k] /= probs.Count;
        double kl = 0;
        foreach (var p in probs)
            for (int k = 0; k < c; k++)
                if (p[k] > 0) kl += p[k] * (Math.Log(p[k]) - Math.Log(marginal[k]));
        return Math.Exp(kl / probs.Count);
    }

    public static int ArgMax(ReadOnlySpan<float> p)
    {
        int best = 0;
        for (int k = 1; k < p.Length; k++) if (p[k] > p[best]) best = k;
        return best;
    }

    static void CheckRows(IReadOnlyList<float[]> rows)
    {
        if (rows.Count == 0) throw new ArgumentException("no examples");
        int c = rows[0].Length;
        if (c == 0) throw new ArgumentException("distributions have no classes");
        foreach (var r in rows) if (r.Length != c) throw new ArgumentException($"distributions have different class counts ({r.Length} vs {c})");
    }
}
