using ILGPU.Runtime;
using TorchEbm.Autodiff;
using TorchEbm.Elementwise;

namespace TorchEbm.Optim;

/// <summary>
/// An exponential moving average of parameters (as TorchEBM's and timm's EMA): after each optimizer step
/// <see cref="Update"/> sets avg = decay avg + (1 - decay) p on the device; <see cref="Apply"/> swaps the averages into
/// the parameters for a scope (sampling, evaluation, <c>Checkpoint.Save</c>) and puts the live weights back when the
/// scope is disposed.
/// </summary>
/// <remarks>
/// The averages start at the parameters' values when the EMA is created (no zero start, so there is no bias to correct:
/// after t updates the average is decay^t p_0 + (1 - decay) sum_k decay^(t-k) p_k, weights summing to 1). Two launches
/// per parameter per update, no host synchronisation.
/// </remarks>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly Var[] _parameters;
    private readonly Tensor[] _averages;
    private Scope? _applied;

    /// <summary>Starts averaging <paramref name="parameters"/> from their current values.</summary>
    /// <param name="parameters">The parameters averaged (e.g. model.Parameters()), live, each once.</param>
    /// <param name="decay">The weight of the old average, in (0, 1); 0.999 averages over about the last 1000 updates.</param>
    /// <exception cref="ArgumentNullException">parameters is null or holds null.</exception>
    /// <exception cref="ArgumentException">parameters is empty or holds one parameter twice.</exception>
    /// <exception cref="ArgumentOutOfRangeException">decay is not in (0, 1) (or is NaN).</exception>
    /// <exception cref="ObjectDisposedException">A parameter has been disposed.</exception>
    public ExponentialMovingAverage(IEnumerable<Var> parameters, float decay = 0.999f)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(decay > 0f && decay < 1f))
            throw new ArgumentOutOfRangeException(nameof(decay), decay, $"decay must be in (0, 1), got {decay}.");
        _parameters = [.. parameters];
        if (_parameters.Length == 0) throw new ArgumentException("parameters must hold at least one parameter.", nameof(parameters));
        var seen = new HashSet<Var>(ReferenceEqualityComparer.Instance);
        foreach (Var p in _parameters)
        {
            if (p is null) throw new ArgumentNullException(nameof(parameters), "parameters holds null.");
            ObjectDisposedException.ThrowIf(p.IsDisposed, p);
            if (!seen.Add(p)) throw new ArgumentException("parameters holds one parameter twice.", nameof(parameters));
        }
        Decay = decay;
        _averages = new Tensor[_parameters.Length];
        using (DisposeScope.Suspend()) // the EMA owns its averages
            for (int i = 0; i < _parameters.Length; i++) _averages[i] = Copy(_parameters[i].Value);
    }

    /// <summary>The weight of the old average.</summary>
    public float Decay { get; }

    /// <summary>Updates applied so far.</summary>
    public int Updates { get; private set; }

    /// <summary>Whether the averages are swapped into the parameters (inside an <see cref="Apply"/> scope).</summary>
    public bool IsApplied => _applied is not null;

    /// <summary>Whether <see cref="Dispose"/> has run.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>The average of parameter <paramref name="index"/> (owned by the EMA; read, don't dispose).</summary>
    public Tensor Average(int index)
    {
        ThrowIfDisposed();
        return _averages[index];
    }

    /// <summary>avg = decay avg + (1 - decay) p for every parameter; call after each optimizer step.</summary>
    /// <exception cref="InvalidOperationException">The averages are applied (the parameters hold them, not the live weights).</exception>
    /// <exception cref="ObjectDisposedException">The EMA or a parameter has been disposed.</exception>
    public void Update()
    {
        ThrowIfDisposed();
        if (IsApplied)
            throw new InvalidOperationException("Update() inside an Apply() scope would average the averages: dispose the scope first.");
        for (int i = 0; i < _parameters.Length; i++)
        {
            Tensor p = _parameters[i].Value, average = _averages[i];
            ObjectDisposedException.ThrowIf(p.IsDisposed, _parameters[i]);
            ElementwiseOps.Scale(p.Device, average.View, average.View, Decay);
            ElementwiseOps.AddScaled(p.Device, p.View, average.View, 1f - Decay);
        }
        Updates++;
    }

    /// <summary>
    /// Copies the averages into the parameters until the returned scope is disposed, which copies the live weights back
    /// bit for bit: <c>using (ema.Apply()) { sample, evaluate or Checkpoint.Save the model }</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A scope is already open.</exception>
    /// <exception cref="ObjectDisposedException">The EMA or a parameter has been disposed.</exception>
    public IDisposable Apply()
    {
        ThrowIfDisposed();
        if (IsApplied) throw new InvalidOperationException("The averages are already applied: dispose the open Apply() scope first.");
        foreach (Var p in _parameters) ObjectDisposedException.ThrowIf(p.IsDisposed, p);
        var live = new Tensor[_parameters.Length];
        using (DisposeScope.Suspend())
            for (int i = 0; i < _parameters.Length; i++)
            {
                live[i] = Copy(_parameters[i].Value);
                _averages[i].View.CopyTo(_parameters[i].Value.View);
            }
        return _applied = new Scope(this, live);
    }

    /// <summary>Frees the averages; an open Apply() scope restores the live weights first.</summary>
    public void Dispose()
    {
        if (IsDisposed) return;
        _applied?.Dispose();
        foreach (Tensor a in _averages) a.Dispose();
        IsDisposed = true;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    private static Tensor Copy(Tensor value)
    {
        Tensor copy = value.Device.Allocate(value.Shape);
        value.View.CopyTo(copy.View);
        return copy;
    }

    /// <summary>The open Apply() scope: holds the live weights and puts them back once.</summary>
    private sealed class Scope(ExponentialMovingAverage owner, Tensor[] live) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            for (int i = 0; i < live.Length; i++)
            {
                if (!owner._parameters[i].IsDisposed) live[i].View.CopyTo(owner._parameters[i].Value.View);
                live[i].Dispose();
            }
            owner._applied = null;
        }
    }
}
