namespace TorchEbm.Autodiff;

/// <summary>
/// Where one backward pass accumulates gradients: leaves that take part write into their own <see cref="Var.Grad"/>
/// (accumulated across passes until zeroed), intermediates into buffers freed when the pass ends, or, for the ops of
/// a kept graph (<see cref="GraphReplay"/>), into the buffer kept with each op, zeroed pass after pass.
/// </summary>
/// <remarks>One instance per thread (<see cref="PassScratch"/>) serves pass after pass: <see cref="Begin"/> starts a pass,
/// <see cref="Dispose"/> ends it.</remarks>
internal sealed class Gradients : IDisposable
{
    private readonly Dictionary<Var, Tensor> _buffers = new(ReferenceEqualityComparer.Instance);
    private HashSet<Var> _active = [];
    private Var? _only;

    /// <summary>Starts a pass.</summary>
    /// <param name="active">The Vars gradients flow into in this pass.</param>
    /// <param name="only">When set, the one leaf whose gradient is wanted: its buffer is private, and no leaf's Grad is touched.</param>
    public Gradients Begin(HashSet<Var> active, Var? only)
    {
        _active = active;
        _only = only;
        return this;
    }

    /// <summary>The buffer to accumulate <paramref name="v"/>'s gradient into, or null when no gradient flows to it.</summary>
    public Tensor? For(Var v)
    {
        if (!_active.Contains(v)) return null;
        if (v.IsLeaf && _only is null) return v.EnsureGrad();
        if (!_buffers.TryGetValue(v, out Tensor? buffer))
        {
            buffer = v.IsKept ? v.KeptGradient() : v.Device.ZerosLike(v.Value);
            _buffers.Add(v, buffer);
        }
        return buffer;
    }

    /// <summary>Hands the private buffer of <paramref name="v"/> to the caller (it is no longer freed here; a kept op's buffer is copied).</summary>
    public Tensor Take(Var v)
    {
        Tensor buffer = For(v) ?? throw new InvalidOperationException("No gradient flowed to the requested Var.");
        _buffers.Remove(v);
        return v.IsKept ? buffer.Clone() : buffer;
    }

    /// <summary>Ends the pass: frees the intermediates' buffers (a leaf's Grad stays).</summary>
    public void Dispose()
    {
        foreach ((Var v, Tensor buffer) in _buffers)
            if (!v.IsKept) buffer.Dispose();
        _buffers.Clear();
        _only = null;
    }
}
