namespace TorchEbm.Autodiff;

/// <summary>
/// Controls recording. Ops on <see cref="Var"/>s record their parents and what the op was (as data) unless a
/// <see cref="NoGrad"/> scope is open on this thread; the graph itself lives in the Vars (micrograd's design).
/// </summary>
public static class Tape
{
    [ThreadStatic] private static ScopeStack? _scopes;

    /// <summary>Whether ops on this thread record the graph (false inside a <see cref="NoGrad"/> scope).</summary>
    public static bool IsRecording => _scopes?.IsRecording ?? true;

    /// <summary>
    /// Opens a scope in which ops record nothing (inference); dispose it to close. Scopes nest: the innermost open one
    /// decides, and a scope disposed out of order, or on another thread, closes only itself on the thread that opened it.
    /// </summary>
    public static IDisposable NoGrad() => (_scopes ??= new ScopeStack()).Open(recording: false);

    /// <summary>
    /// Opens a scope in which ops record even inside an enclosing <see cref="NoGrad"/> (torch.enable_grad), e.g. to
    /// differentiate an energy while sampling under NoGrad; dispose it to restore the enclosing state.
    /// </summary>
    public static IDisposable EnableGrad() => (_scopes ??= new ScopeStack()).Open(recording: true);

    /// <summary>
    /// One thread's open scopes in the order they were opened; the last one open says whether that thread records. A
    /// scope removes itself wherever it is, so closing scopes out of order (or from another thread, hence the lock)
    /// never leaves a closed scope's state behind.
    /// </summary>
    private sealed class ScopeStack
    {
        private readonly List<Scope> _open = [];
        private volatile bool _recording = true;

        public bool IsRecording => _recording;

        public Scope Open(bool recording)
        {
            var scope = new Scope(this, recording);
            lock (_open)
            {
                _open.Add(scope);
                _recording = recording;
            }
            return scope;
        }

        public void Close(Scope scope)
        {
            lock (_open)
            {
                _open.Remove(scope);
                _recording = _open.Count == 0 || _open[^1].Recording;
            }
        }
    }

    private sealed class Scope(ScopeStack owner, bool recording) : IDisposable
    {
        private int _closed;

        public bool Recording => recording;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0) owner.Close(this);
        }
    }

    /// <summary>
    /// d(output)/d(input) for a scalar output, as a new tensor shaped like the input (torch.autograd.grad): only the
    /// part of the graph between them runs, and no Var's <see cref="Var.Grad"/> is touched.
    /// </summary>
    /// <exception cref="InvalidOperationException">The output is not a scalar or requires no gradient.</exception>
    /// <exception cref="ArgumentException">The output does not depend on the input through Vars that require gradients.</exception>
    public static Tensor Grad(Var output, Var input)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(input);
        return output.GradientWith(input);
    }

    /// <summary>
    /// d(output)/d(input) for a scalar output as a <see cref="Var"/> shaped like the input (torch.autograd.grad). With
    /// <paramref name="createGraph"/> every backward step runs as Var ops, so the result is itself on the tape and a loss
    /// built from it (a score-matching loss, a Hessian-vector product) can be differentiated again, to parameters or to
    /// the input; without it this is <see cref="Grad(Var, Var)"/> wrapped in a Var that requires no gradient.
    /// </summary>
    /// <remarks>
    /// The create-graph result is yours to dispose, like a leaf: a loss computed from it does not free it. It reads the
    /// output's forward intermediates, which stay alive until both the output and the gradient (and what was computed
    /// from them) are disposed, in any order. Derivatives of element-wise functions are available up to
    /// the third order, so a create-graph gradient can be taken twice before the final backward.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The output is not a scalar or requires no gradient.</exception>
    /// <exception cref="ArgumentException">The output does not depend on the input through Vars that require gradients.</exception>
    /// <exception cref="NotSupportedException">The graph needs a derivative of an element-wise function above the third.</exception>
    public static Var Grad(Var output, Var input, bool createGraph)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(input);
        return createGraph ? output.GraphGradientWith(input) : new Var(output.GradientWith(input));
    }
}
