using System.Globalization;
using TorchEbm.Autodiff;

namespace TorchEbm.Optim;

/// <summary>Updates parameters from their gradients on the device (PyTorch's torch.optim, same rules and defaults).</summary>
public abstract class Optimizer : IDisposable
{
    private const string KindKey = "optimizer";
    private readonly Var[] _parameters;
    private float _lr;
    private bool _disposed;

    /// <summary>Checks and keeps the parameters.</summary>
    /// <exception cref="ArgumentException">
    /// No parameters, a null one, one that requires no gradient, the same <see cref="Var"/> twice, or parameters on different devices.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lr"/> is not positive and finite.</exception>
    protected Optimizer(IEnumerable<Var> parameters, float lr)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        if (_parameters.Length == 0) throw new ArgumentException("The optimizer got no parameters.", nameof(parameters));
        var seen = new Dictionary<Var, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _parameters.Length; i++)
        {
            Var p = _parameters[i] ?? throw new ArgumentException($"parameters[{i}] is null.", nameof(parameters));
            if (!p.IsLeaf || !p.RequiresGrad)
                throw new ArgumentException($"parameters[{i}] must be a leaf Var that requires a gradient.", nameof(parameters));
            if (!ReferenceEquals(p.Device, _parameters[0].Device))
                throw new ArgumentException($"parameters[{i}] lives on {p.Device} but parameters[0] on {_parameters[0].Device}.", nameof(parameters));
            // Twice the same Var would be updated twice per step (and its state saved twice): PyTorch rejects it too.
            if (!seen.TryAdd(p, i))
                throw new ArgumentException($"parameters[{i}] is the same Var as parameters[{seen[p]}]; each parameter may appear only once.", nameof(parameters));
        }
        Lr = lr;
    }

    /// <summary>The parameters, in order.</summary>
    public IReadOnlyList<Var> Parameters => _parameters;

    /// <summary>Whether <see cref="Dispose"/> has run.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>The learning rate (may be changed between steps, e.g. by a schedule).</summary>
    public float Lr
    {
        get => _lr;
        set
        {
            Check.PositiveFinite(value, nameof(Lr));
            _lr = value;
        }
    }

    /// <summary>
    /// The names of the per-parameter state tensors, as PyTorch's state_dict names them (e.g. <c>exp_avg</c>); a
    /// checkpoint stores parameter i's as <c>i.name</c>.
    /// </summary>
    protected abstract IReadOnlyList<string> StateTensorNames { get; }

    /// <summary>The names of the per-parameter scalars a checkpoint stores in its metadata as <c>i.name</c> (e.g. <c>step</c>).</summary>
    protected virtual IReadOnlyList<string> StateScalarNames => [];

    /// <summary>Zeros every parameter's gradient.</summary>
    /// <exception cref="ObjectDisposedException">The optimizer has been disposed.</exception>
    public void ZeroGrad()
    {
        ThrowIfDisposed();
        foreach (Var p in _parameters) p.ZeroGrad();
    }

    /// <summary>One update of every parameter that has a gradient (parameters no backward pass reached are skipped, as in PyTorch).</summary>
    /// <exception cref="ObjectDisposedException">The optimizer or a parameter has been disposed.</exception>
    public void Step()
    {
        ThrowIfDisposed();
        for (int i = 0; i < _parameters.Length; i++)
        {
            Var p = _parameters[i];
            ObjectDisposedException.ThrowIf(p.IsDisposed, p);
            if (p.Grad is Tensor grad) Update(i, p.Value, grad);
        }
    }

    /// <summary>The state a checkpoint stores (the tensors are this optimizer's own: copy, don't dispose).</summary>
    /// <exception cref="ObjectDisposedException">The optimizer has been disposed.</exception>
    public OptimizerState ExportState()
    {
        ThrowIfDisposed();
        return CreateState();
    }

    /// <summary>
    /// Replaces the state with one read from a checkpoint: host tensors by name and the metadata. The whole state is
    /// checked first (kind, every name known, shapes, scalars complete and in range); if anything is wrong nothing changes.
    /// </summary>
    /// <param name="tensors">State tensors by name, e.g. <c>0.exp_avg</c>.</param>
    /// <param name="metadata"><c>optimizer</c> = the kind, and per-parameter scalars, e.g. <c>0.step</c>.</param>
    /// <param name="source">Where the state comes from (a file name), for messages.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidDataException">
    /// The state was written by another kind of optimizer or for other parameters, names an unknown tensor or scalar,
    /// is incomplete for a parameter, or holds an invalid value (e.g. a step that is not an integer of at least 1).
    /// </exception>
    /// <exception cref="ObjectDisposedException">The optimizer has been disposed.</exception>
    public void ImportState(IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors, IReadOnlyDictionary<string, string> metadata, string source)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(source);
        ThrowIfDisposed();
        string kind = GetType().Name;
        if (!metadata.TryGetValue(KindKey, out string? saved) || saved != kind)
            throw new InvalidDataException($"{source} holds the state of a {saved ?? "(unknown)"} optimizer, not of {kind}.");

        // Which parameters have state, each of which must then be complete.
        var present = new List<string>[_parameters.Length];
        foreach ((string name, (int[] shape, float[] data)) in tensors)
        {
            int index = ParameterOf(name, StateTensorNames, "state tensor", source);
            if (shape is null || data is null || !shape.AsSpan().SequenceEqual(_parameters[index].Value.Shape) || data.Length != _parameters[index].Value.Length)
                throw new InvalidDataException(
                    $"{source}: state '{name}' has shape ({string.Join(", ", shape ?? [])}) but parameter {index} has {Shapes.Format(_parameters[index].Value.Shape)}.");
            (present[index] ??= []).Add(name);
        }
        foreach (string key in metadata.Keys.Where(k => k != KindKey))
            (present[ParameterOf(key, StateScalarNames, "metadata entry", source)] ??= []).Add(key);

        string[] expected = [.. StateTensorNames, .. StateScalarNames];
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (present[i] is not { } names) continue;
            string[] missing = [.. expected.Select(n => $"{i}.{n}").Where(n => !names.Contains(n))];
            if (missing.Length > 0)
                throw new InvalidDataException($"{source}: the {kind} state of parameter {i} is incomplete: missing [{string.Join(", ", missing)}].");
        }
        RestoreState(tensors, metadata, source);
    }

    /// <summary>Builds the state <see cref="ExportState"/> returns.</summary>
    protected abstract OptimizerState CreateState();

    /// <summary>
    /// Applies a state whose names and shapes have been checked: each parameter's state is either complete or absent,
    /// and no unknown name is present. Implementations check every value first and change nothing if one is invalid
    /// (throwing <see cref="InvalidDataException"/>), then swap the whole state in.
    /// </summary>
    protected abstract void RestoreState(IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors, IReadOnlyDictionary<string, string> metadata, string source);

    /// <summary>A step count read from a checkpoint: an integer of at least 1 (digits only).</summary>
    /// <exception cref="InvalidDataException">It is anything else.</exception>
    protected static int ParseStep(string key, string value, string source) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int step) && step >= 1
            ? step
            : throw new InvalidDataException($"{source}: '{key}' is \"{value}\" but must be an integer of at least 1.");

    /// <summary>A device copy of host data shaped like parameter <paramref name="index"/>: optimizer state, outside any dispose scope.</summary>
    protected Tensor Upload(int index, float[] data)
    {
        using (DisposeScope.Suspend()) return _parameters[index].Device.FromArray(data, _parameters[index].Value.Shape);
    }

    /// <summary>Zeroed state of the given shape (default: parameter <paramref name="index"/>'s), outside any dispose scope.</summary>
    protected Tensor NewState(int index, int[]? shape = null)
    {
        using (DisposeScope.Suspend()) return _parameters[index].Device.Zeros(shape ?? _parameters[index].Value.Shape);
    }

    /// <summary>Updates parameter <paramref name="index"/> in place from its gradient.</summary>
    protected abstract void Update(int index, Tensor parameter, Tensor gradient);

    /// <summary>Throws if <see cref="Dispose"/> has run.</summary>
    /// <exception cref="ObjectDisposedException">The optimizer has been disposed.</exception>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Frees the optimizer's state (moments, momentum buffers); the parameters stay alive. Later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public virtual void Dispose()
    {
        _disposed = true;
        GC.SuppressFinalize(this);
    }

    /// <summary>The parameter index of a state key <c>i.name</c> whose name is one of <paramref name="known"/>.</summary>
    private int ParameterOf(string key, IReadOnlyList<string> known, string what, string source)
    {
        int dot = key.IndexOf('.');
        if (dot < 0 || !int.TryParse(key.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= _parameters.Length)
            throw new InvalidDataException($"{source}: {what} '{key}' names no parameter of this optimizer ({_parameters.Length} parameters).");
        if (!known.Contains(key[(dot + 1)..]))
            throw new InvalidDataException(known.Count == 0
                ? $"{source}: {what} '{key}' is not part of the {GetType().Name} state (it has no {what}s)."
                : $"{source}: {what} '{key}' is not part of the {GetType().Name} state (expected i.{string.Join(" or i.", known)}).");
        return index;
    }
}
