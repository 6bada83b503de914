using TorchEbm.Autodiff;

namespace TorchEbm.Optim;

/// <summary>Updates parameters from their gradients on the device (PyTorch's torch.optim, same rules and defaults).</summary>
public abstract class Optimizer : IDisposable
{
    private readonly Var[] _parameters;
    private float _lr;

    /// <summary>Checks and keeps the parameters.</summary>
    /// <exception cref="ArgumentException">No parameters, a null one, one that requires no gradient, or parameters on different devices.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lr"/> is not positive and finite.</exception>
    protected Optimizer(IEnumerable<Var> parameters, float lr)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        if (_parameters.Length == 0) throw new ArgumentException("The optimizer got no parameters.", nameof(parameters));
        for (int i = 0; i < _parameters.Length; i++)
        {
            Var p = _parameters[i] ?? throw new ArgumentException($"parameters[{i}] is null.", nameof(parameters));
            if (!p.IsLeaf || !p.RequiresGrad)
                throw new ArgumentException($"parameters[{i}] must be a leaf Var that requires a gradient.", nameof(parameters));
            if (!ReferenceEquals(p.Device, _parameters[0].Device))
                throw new ArgumentException($"parameters[{i}] lives on {p.Device} but parameters[0] on {_parameters[0].Device}.", nameof(parameters));
        }
        Lr = lr;
    }

    /// <summary>The parameters, in order.</summary>
    public IReadOnlyList<Var> Parameters => _parameters;

    /// <summary>The learning rate (may be changed between steps, e.g. by a schedule).</summary>
    public float Lr
    {
        get => _lr;
        set
        {
            if (!float.IsFinite(value) || value <= 0) throw new ArgumentOutOfRangeException(nameof(Lr), value, "The learning rate must be positive and finite.");
            _lr = value;
        }
    }

    /// <summary>Zeros every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (Var p in _parameters) p.ZeroGrad();
    }

    /// <summary>One update of every parameter that has a gradient (parameters no backward pass reached are skipped, as in PyTorch).</summary>
    public void Step()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            Var p = _parameters[i];
            ObjectDisposedException.ThrowIf(p.IsDisposed, p);
            if (p.Grad is Tensor grad) Update(i, p.Value, grad);
        }
    }

    /// <summary>Updates parameter <paramref name="index"/> in place from its gradient.</summary>
    protected abstract void Update(int index, Tensor parameter, Tensor gradient);

    /// <summary>Frees the optimizer's state (moments, momentum buffers); the parameters stay alive.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
