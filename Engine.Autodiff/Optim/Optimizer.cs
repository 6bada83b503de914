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

    /// <summary>The state a checkpoint stores (the tensors are this optimizer's own: copy, don't dispose).</summary>
    public abstract OptimizerState ExportState();

    /// <summary>
    /// Replaces the state with one read from a checkpoint: host tensors by name and the metadata.
    /// </summary>
    /// <exception cref="InvalidDataException">The state was written by another kind of optimizer or for other parameters.</exception>
    public void ImportState(IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors, IReadOnlyDictionary<string, string> metadata, string source)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        string kind = GetType().Name;
        if (!metadata.TryGetValue("optimizer", out string? saved) || saved != kind)
            throw new InvalidDataException($"{source} holds the state of a {saved ?? "(unknown)"} optimizer, not of {kind}.");
        foreach ((string name, (int[] shape, _)) in tensors)
        {
            int dot = name.IndexOf('.');
            if (dot < 0 || !int.TryParse(name[..dot], out int index) || index < 0 || index >= _parameters.Length)
                throw new InvalidDataException($"{source}: state '{name}' names no parameter of this optimizer ({_parameters.Length} parameters).");
            if (!shape.AsSpan().SequenceEqual(_parameters[index].Value.Shape))
                throw new InvalidDataException($"{source}: state '{name}' has shape ({string.Join(", ", shape)}) but parameter {index} has {Shapes.Format(_parameters[index].Value.Shape)}.");
        }
        RestoreState(tensors, metadata, source);
    }

    /// <summary>Applies a checked state (names and shapes fit the parameters).</summary>
    protected abstract void RestoreState(IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors, IReadOnlyDictionary<string, string> metadata, string source);

    /// <summary>A device copy of host data shaped like parameter <paramref name="index"/>.</summary>
    protected Tensor Upload(int index, float[] data) => _parameters[index].Device.FromArray(data, _parameters[index].Value.Shape);

    /// <summary>Updates parameter <paramref name="index"/> in place from its gradient.</summary>
    protected abstract void Update(int index, Tensor parameter, Tensor gradient);

    /// <summary>Frees the optimizer's state (moments, momentum buffers); the parameters stay alive.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
