namespace TorchEbm.Autodiff;

/// <summary>
/// Where one create-graph backward pass accumulates gradients: each Var's gradient is itself a Var on the tape (a sum
/// of its contributions), so the result can be differentiated again. No leaf's <see cref="Var.Grad"/> is touched.
/// </summary>
/// <param name="active">The Vars gradients flow into in this pass.</param>
/// <param name="sums">An empty dictionary to keep the gradients in (reused pass after pass).</param>
internal sealed class GraphGradients(HashSet<Var> active, Dictionary<Var, Var> sums) : IDisposable
{
    private readonly Dictionary<Var, Var> _sums = sums;
    private Var? _taken;

    /// <summary>Whether a gradient flows to <paramref name="v"/> in this pass (compute its contribution only then).</summary>
    public bool Wants(Var v) => active.Contains(v);

    /// <summary>Adds <paramref name="contribution"/> to <paramref name="v"/>'s gradient (a new Var; nothing is changed in place).</summary>
    public void Add(Var v, Var contribution) => _sums[v] = _sums.TryGetValue(v, out Var? sum) ? sum + contribution : contribution;

    /// <summary>The gradient of <paramref name="v"/> so far, or null when nothing has flowed to it.</summary>
    public Var? For(Var v) => _sums.GetValueOrDefault(v);

    /// <summary>Hands <paramref name="v"/>'s gradient to the caller (it is no longer freed here).</summary>
    public Var Take(Var v)
    {
        if (!_sums.Remove(v, out Var? gradient)) throw new InvalidOperationException("No gradient flowed to the requested Var.");
        return _taken = gradient;
    }

    /// <summary>
    /// Frees the gradients nothing reads: the others are read by the result (they are its graph) and are freed with it.
    /// </summary>
    public void Dispose()
    {
        foreach (Var gradient in _sums.Values)
            if (!ReferenceEquals(gradient, _taken) && !gradient.IsRead) gradient.Dispose();
        _sums.Clear();
    }
}
