namespace TorchEbm;

/// <summary>
/// Frees, when disposed, every tensor created on its device by this thread while it was the innermost scope, unless
/// the tensor was handed out with <see cref="Keep"/>: <c>using (device.NewScope()) { ... }</c> keeps a loop's memory
/// flat without a <c>using</c> on every intermediate (as TorchSharp's NewDisposeScope).
/// </summary>
/// <remarks>
/// Tensors that the engine's own objects own and free themselves — a built-in model's constants, a module's parameters
/// and their gradients, an optimizer's state, a loss's replay buffer — never join a scope, so those objects may be
/// created or used inside one. A type of yours that keeps tensors allocates them inside <c>using (DisposeScope.Suspend())</c>
/// for the same effect; results (a <see cref="Tensor"/>, a sampler's ChainResult) are scoped like any tensor, so keep
/// what must outlive the scope. A scope belongs to the thread that opened it (do not carry it across an
/// <c>await</c>); scopes nest, and should be disposed innermost first.
/// </remarks>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? t_innermost;

    private const int FirstPrune = 256;

    private readonly DisposeScope? _outer;
    private List<Tensor>? _owned = [];
    private int _pruneAt = FirstPrune;

    internal DisposeScope(Device device)
    {
        Device = device;
        _outer = t_innermost;
        t_innermost = this;
    }

    /// <summary>The device whose tensors this scope collects.</summary>
    public Device Device { get; }

    /// <summary>Entries the scope holds, disposed ones not yet forgotten included (tests check that it stays bounded).</summary>
    internal int Tracked => _owned?.Count ?? 0;

    /// <summary>How many live tensors the scope will free when disposed.</summary>
    public int Count => _owned?.Count(t => !t.IsDisposed) ?? 0;

    /// <summary>
    /// Takes <paramref name="tensor"/> out of this scope so it outlives it: it moves to the enclosing scope of the same
    /// device if there is one (and is freed with that), else the caller owns it. Returns the tensor.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    public Tensor Keep(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(_owned is null, this);
        int index = _owned.LastIndexOf(tensor);
        if (index < 0) return tensor; // not this scope's: nothing to do
        _owned.RemoveAt(index);
        EnclosingScope(_outer, tensor.Device)?.Add(tensor);
        return tensor;
    }

    /// <summary>Frees every tensor the scope still holds, newest first. Safe to call twice.</summary>
    public void Dispose()
    {
        List<Tensor>? owned = _owned;
        if (owned is null) return;
        _owned = null;
        if (ReferenceEquals(t_innermost, this)) t_innermost = _outer;
        for (int i = owned.Count - 1; i >= 0; i--) owned[i].Dispose();
    }

    /// <summary>Called for every new tensor: the innermost open scope of its device on this thread takes it.</summary>
    internal static void Adopt(Tensor tensor) => EnclosingScope(t_innermost, tensor.Device)?.Add(tensor);

    /// <summary>
    /// Until the returned token is disposed, new tensors on this thread join no scope: for tensors an object owns
    /// (parameters, gradients, optimizer state, buffers) and frees itself.
    /// </summary>
    public static Suspension Suspend() => new(t_innermost);

    /// <summary>Adds a tensor; forgets the ones already disposed whenever the list has doubled, so a long loop stays small.</summary>
    private void Add(Tensor tensor)
    {
        List<Tensor> owned = _owned!;
        owned.Add(tensor);
        if (owned.Count < _pruneAt) return;
        owned.RemoveAll(t => t.IsDisposed);
        _pruneAt = Math.Max(FirstPrune, 2 * owned.Count);
    }

    private static DisposeScope? EnclosingScope(DisposeScope? start, Device device)
    {
        for (DisposeScope? s = start; s is not null; s = s._outer)
            if (s._owned is not null && ReferenceEquals(s.Device, device)) return s;
        return null;
    }

    /// <summary>What <see cref="Suspend"/> returns: disposing it restores the innermost scope it set aside.</summary>
    public readonly struct Suspension : IDisposable
    {
        private readonly DisposeScope? _saved;

        internal Suspension(DisposeScope? saved)
        {
            _saved = saved;
            t_innermost = null;
        }

        /// <summary>Restores the scope that was innermost when <see cref="Suspend"/> was called.</summary>
        public void Dispose() => t_innermost = _saved;
    }
}
