namespace TorchEbm.Autodiff;

/// <summary>
/// The collections one backward pass walks and accumulates with, kept per thread and cleared after the pass, so a
/// training loop (a score-matching loss runs a pass per dimension) does not rebuild them, and regrow them, every pass.
/// </summary>
/// <remarks>A pass started while another holds this thread's instance (none does today) gets a fresh one.</remarks>
internal sealed class PassScratch : IDisposable
{
    [ThreadStatic] private static PassScratch? t_idle;

    private PassScratch() { }

    /// <summary>The pass's nodes in topological order.</summary>
    public List<Var> Order { get; } = [];

    /// <summary>The nodes the depth-first walk has reached.</summary>
    public HashSet<Var> Visited { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The nodes gradients flow into.</summary>
    public HashSet<Var> Active { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The depth-first walk's stack: a node and the next parent to visit.</summary>
    public Stack<(Var Node, int NextParent)> Stack { get; } = new();

    private readonly Gradients _gradients = new();

    /// <summary>
    /// Where a kernel pass over <see cref="Active"/> accumulates (this instance's, reused pass after pass); dispose it
    /// when the pass ends. <paramref name="only"/>: see <see cref="Autodiff.Gradients.Begin"/>.
    /// </summary>
    public Gradients Gradients(Var? only) => _gradients.Begin(Active, only);

    /// <summary>Gradient Vars of a create-graph pass (<see cref="GraphGradients"/>).</summary>
    public Dictionary<Var, Var> Sums { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The Vars a create-graph pass has made (freed if it fails).</summary>
    public List<Var> Created { get; } = [];

    /// <summary>This thread's idle instance, or a new one when a pass already holds it.</summary>
    public static PassScratch Rent()
    {
        PassScratch scratch = t_idle ?? new PassScratch();
        t_idle = null;
        return scratch;
    }

    /// <summary>Clears every collection (keeping their capacity) and makes the instance this thread's idle one.</summary>
    public void Dispose()
    {
        Order.Clear();
        Visited.Clear();
        Active.Clear();
        Stack.Clear();
        Sums.Clear();
        Created.Clear();
        t_idle = this;
    }
}
