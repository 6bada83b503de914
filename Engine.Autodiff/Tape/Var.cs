using System.Runtime.CompilerServices;
using ILGPU.Runtime;
using TorchEbm.Elementwise;
using TorchEbm.Functions;

namespace TorchEbm.Autodiff;

/// <summary>
/// A node of the reverse-mode tape: a tensor value, whether a gradient flows to it, its accumulated
/// <see cref="Grad"/>, and for results of ops the parents and a local backward step (micrograd's Value, on a device).
/// </summary>
/// <remarks>
/// <para>A Var made with the constructor is a leaf (an input or a parameter) and owns its tensor. A Var returned by an
/// op owns its value and the intermediate Vars that produced it: disposing the final result (a loss) frees the whole
/// graph behind it, but never a leaf.</para>
/// <para>Each op records what it did as data (a <see cref="TapeNode"/>: the op and its attributes, with the parents); its
/// family's forward driver computes the value from that data (when the op is recorded, and again when a loss replays a
/// kept graph, <see cref="GraphReplay"/>), and its backward driver runs the step in two forms: with kernels over tensors
/// (<see cref="Backward"/>, the fast path) and with Var ops (<see cref="Tape.Grad(Var, Var, bool)"/> with createGraph,
/// whose result can be differentiated again). No closure is recorded per op.</para>
/// </remarks>
public sealed partial class Var : IDisposable
{
    private readonly VarParents _parents; // none for a leaf
    private readonly TapeNode _node; // the op that made this Var, as data (Leaf for a leaf)
    private readonly bool _ownsValue = true;
    private readonly bool _ownedByGraph;
    private Tensor? _grad;
    private int _consumers; // live ops that read this Var: an intermediate is freed only when none is left
    private bool _released; // disposed by its owner; freed once no consumer is left
    private bool _heldByCaller; // a create-graph gradient: like a leaf, freed only once its holder disposes it
    private bool _freed;

    /// <summary>A leaf holding <paramref name="value"/> (the Var takes ownership of the tensor).</summary>
    /// <param name="value">The tensor; disposed with the Var.</param>
    /// <param name="requiresGrad">Whether gradients flow to this leaf (true for parameters and inputs you differentiate by).</param>
    public Var(Tensor value, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        ObjectDisposedException.ThrowIf(value.IsDisposed, value);
        Value = value;
        RequiresGrad = requiresGrad;
    }

    /// <summary>
    /// A leaf that computes with <paramref name="value"/> without owning it: disposing the Var leaves the tensor alive.
    /// </summary>
    public static Var Borrowed(Tensor value, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new Var(value, requiresGrad, ownsValue: false);
    }

    /// <summary>
    /// A leaf that belongs to the graph it is used in: disposing the last result computed from it frees it (and the
    /// tensor it takes), as it frees intermediates. For values a model computes outside the tape (sampler outputs,
    /// random probes), and, with <paramref name="requiresGrad"/>, for the input a loss differentiates by (a copy of
    /// the data whose gradient a score-matching loss differentiates again).
    /// </summary>
    public static Var Intermediate(Tensor value, bool requiresGrad = false) => new(value, requiresGrad, ownsValue: true, ownedByGraph: true);

    private Var(Tensor value, bool requiresGrad, bool ownsValue, bool ownedByGraph = false) : this(value, requiresGrad)
    {
        _ownsValue = ownsValue;
        _ownedByGraph = ownedByGraph;
    }

    /// <summary>
    /// The result of an op: records the parents and what the op was (<paramref name="node"/>), from which its family's
    /// backward driver runs the kernel and the create-graph backward steps when a parent needs a gradient.
    /// </summary>
    /// <remarks>While a <see cref="Tracer"/> records, <paramref name="step"/> becomes the op's instruction (an op passing none is
    /// not traced, <paramref name="op"/> names it).</remarks>
    private Var(Tensor value, VarParents parents, in TapeNode node, TraceStep step = default, [CallerMemberName] string op = "")
    {
        Value = value;
        _parents = parents;
        foreach (Var parent in parents) Interlocked.Increment(ref parent._consumers);
        RequiresGrad = Tape.IsRecording && AnyRequiresGrad(parents);
        _node = node;
        _createdInPass?.Add(this);
        Tracer.Current?.Record(this, in parents, step, op);
    }

    /// <summary>
    /// Computes <see cref="Value"/> from the parents' values and the node data: its family's forward driver. An op runs
    /// it right after recording its node (<see cref="Computed"/>), and a kept graph runs it again on new inputs
    /// (<see cref="GraphReplay"/>), so the recorded and the replayed values come from the same code.
    /// </summary>
    internal void Forward()
    {
        switch (NodeFamilies.Of(_node.Kind))
        {
            case NodeFamily.Arithmetic: ArithmeticForward(); break;
            case NodeFamily.Function: FunctionForward(); break;
            case NodeFamily.Reduction: ReductionForward(); break;
            case NodeFamily.Shape: ShapeForward(); break;
            case NodeFamily.LinearAlgebra: LinearAlgebraForward(); break;
            case NodeFamily.Cholesky: CholeskyForward(); break;
            default: throw new InvalidOperationException($"No forward driver for {_node.Kind}.");
        }
    }

    /// <summary>Runs the forward step of an op that has just recorded this node (into its freshly allocated value) and returns it.</summary>
    private Var Computed()
    {
        try
        {
            Forward();
            return this;
        }
        catch
        {
            // Unrecord the op: its parents lose a reader, its value is freed (nothing else has seen this Var).
            foreach (Var parent in _parents) Interlocked.Decrement(ref parent._consumers);
            _freed = true;
            Value.Dispose();
            throw;
        }
    }

    /// <summary>k for a node f^(k)(x) of a create-graph pass, 0 otherwise.</summary>
    private int DerivativeOrder => _node.Kind == NodeKind.MapDerivative ? _node.I0 : 0;

    /// <summary>Whether a backward pass runs a step at this Var (an op's result that requires a gradient).</summary>
    private bool HasBackward => RequiresGrad && _node.Kind != NodeKind.Leaf;

    /// <summary>Adds the parents' gradients for this Var's output gradient <paramref name="g"/> with kernels: its family's driver.</summary>
    private void BackwardStep(Tensor g, Gradients grads)
    {
        switch (NodeFamilies.Of(_node.Kind))
        {
            case NodeFamily.Arithmetic: ArithmeticBackward(g, grads); break;
            case NodeFamily.Function: FunctionBackward(g, grads); break;
            case NodeFamily.Reduction: ReductionBackward(g, grads); break;
            case NodeFamily.Shape: ShapeBackward(g, grads); break;
            case NodeFamily.LinearAlgebra: LinearAlgebraBackward(g, grads); break;
            case NodeFamily.Cholesky: CholeskyBackward(g, grads); break;
            default: throw new InvalidOperationException($"No backward driver for {_node.Kind}.");
        }
    }

    /// <summary>Adds the parents' gradients for this Var's output gradient <paramref name="g"/> as Var ops (create-graph): its family's driver.</summary>
    private void GraphBackwardStep(Var g, GraphGradients grads)
    {
        switch (NodeFamilies.Of(_node.Kind))
        {
            case NodeFamily.Arithmetic: ArithmeticGraphBackward(g, grads); break;
            case NodeFamily.Function: FunctionGraphBackward(g, grads); break;
            case NodeFamily.Reduction: ReductionGraphBackward(g, grads); break;
            case NodeFamily.Shape: ShapeGraphBackward(g, grads); break;
            case NodeFamily.LinearAlgebra: LinearAlgebraGraphBackward(g, grads); break;
            case NodeFamily.Cholesky: CholeskyGraphBackward(g, grads); break;
            default: throw new InvalidOperationException($"No backward driver for {_node.Kind}.");
        }
    }

    private static bool AnyRequiresGrad(in VarParents parents)
    {
        foreach (Var parent in parents)
            if (parent.RequiresGrad) return true;
        return false;
    }

    // The Vars a create-graph pass on this thread has made so far: freed if the pass fails.
    [ThreadStatic] private static List<Var>? _createdInPass;

    /// <summary>The value.</summary>
    public Tensor Value { get; }

    /// <summary>The accumulated gradient of a leaf that requires one (null until a backward pass reaches it, and for an op's result).</summary>
    public Tensor? Grad => IsLeaf ? _grad : null;

    /// <summary>Whether gradients flow to this Var.</summary>
    public bool RequiresGrad { get; }

    /// <summary>Whether this Var was made by the constructor rather than by an op.</summary>
    public bool IsLeaf => _parents.Length == 0;

    /// <summary>The value's shape.</summary>
    public int[] Shape => Value.Shape;

    /// <summary>The device of the value.</summary>
    public Device Device => Value.Device;

    /// <summary>Whether the Var (or its device) has been disposed.</summary>
    public bool IsDisposed => _released || _freed || Value.IsDisposed;

    /// <summary>
    /// Runs the tape backwards from this scalar: every leaf that requires a gradient and contributed to it gets
    /// d(this)/d(leaf) added to its <see cref="Grad"/> (gradients accumulate until zeroed, as in PyTorch).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The Var has been disposed.</exception>
    /// <exception cref="InvalidOperationException">The Var is not a scalar, or nothing it depends on requires a gradient.</exception>
    public void Backward()
    {
        ThrowIfNotDifferentiable();
        using PassScratch scratch = PassScratch.Rent();
        List<Var> order = TopologicalOrder(scratch);
        HashSet<Var> active = scratch.Active;
        foreach (Var v in order) active.Add(v); // not UnionWith: it would box the list's enumerator
        CheckPass(order, active);
        using Gradients gradients = scratch.Gradients(only: null);
        Propagate(order, gradients);
    }

    /// <summary>d(this)/d(<paramref name="input"/>) for a scalar Var, returned as a new tensor; no Grad is touched.</summary>
    internal Tensor GradientWith(Var input)
    {
        using PassScratch scratch = PassScratch.Rent();
        (List<Var> order, HashSet<Var> active) = PathTo(input, scratch);
        CheckPass(order, active);
        using Gradients gradients = scratch.Gradients(only: input);
        Propagate(order, gradients);
        return gradients.Take(input);
    }

    /// <summary>
    /// d(this)/d(<paramref name="input"/>) for a scalar Var as a Var on the tape (every backward step runs as Var ops),
    /// so a loss built from it can be differentiated again; no Grad is touched.
    /// </summary>
    internal Var GraphGradientWith(Var input)
    {
        using PassScratch scratch = PassScratch.Rent();
        (List<Var> order, HashSet<Var> active) = PathTo(input, scratch);
        CheckPass(order, active);
        using IDisposable recording = Tape.EnableGrad();
        var gradients = new GraphGradients(active, scratch.Sums);
        List<Var>? enclosing = _createdInPass;
        List<Var> created = _createdInPass = scratch.Created;
        try
        {
            Var seed = Intermediate(Device.Full(1f, Value.SharedShape));
            created.Add(seed);
            gradients.Add(this, seed);
            for (int i = order.Count - 1; i >= 0; i--)
            {
                Var v = order[i];
                if (v.HasBackward && gradients.For(v) is Var outputGradient) v.GraphBackwardStep(outputGradient, gradients);
            }
            Var result = gradients.Take(input);
            result._heldByCaller = true;
            gradients.Dispose();
            return result;
        }
        catch
        {
            // Readers before what they read, so the half-built graph is freed whole.
            for (int i = created.Count - 1; i >= 0; i--) created[i].Dispose();
            throw;
        }
        finally
        {
            _createdInPass = enclosing;
            enclosing?.AddRange(created);
        }
    }

    /// <summary>The tape in topological order, and the Vars on it that depend on <paramref name="input"/> (only they take part).</summary>
    private (List<Var> Order, HashSet<Var> Active) PathTo(Var input, PassScratch scratch)
    {
        ThrowIfNotDifferentiable();
        List<Var> order = TopologicalOrder(scratch);
        HashSet<Var> active = scratch.Active;
        foreach (Var v in order)
            if (ReferenceEquals(v, input) || v.ReadsAny(active)) active.Add(v);
        if (!active.Contains(input))
            throw new ArgumentException("The output does not depend on this input, or the input does not require a gradient.", nameof(input));
        return (order, active);
    }

    /// <summary>
    /// Before any launch of a backward pass: every value it reads is alive, and no element-wise function is asked for a
    /// derivative above the third (so a pass either runs whole or fails without touching any gradient).
    /// </summary>
    private static void CheckPass(List<Var> order, HashSet<Var> active)
    {
        foreach (Var v in order)
        {
            if (!v.HasBackward) continue;
            ThrowIfFreed(v);
            foreach (Var parent in v._parents) ThrowIfFreed(parent);
            if (v.DerivativeOrder >= UnaryKernels.MaxOrder && v.ReadsAny(active))
                throw new NotSupportedException(
                    $"Element-wise functions have derivatives up to order {UnaryKernels.MaxOrder}; this pass needs order {v.DerivativeOrder + 1} (a create-graph gradient taken three times).");
        }
    }

    private static void ThrowIfFreed(Var read)
    {
        if (read._freed || read.Value.IsDisposed)
            throw new ObjectDisposedException(read.ToString(), "A Var this backward pass reads has been disposed.");
    }

    /// <summary>Whether a parent of this Var is in <paramref name="set"/> (a loop: this runs per node per pass).</summary>
    private bool ReadsAny(HashSet<Var> set)
    {
        foreach (Var parent in _parents)
            if (set.Contains(parent)) return true;
        return false;
    }

    /// <summary>Sets the gradient of this leaf to zero (no-op when it has none yet).</summary>
    public void ZeroGrad()
    {
        if (_grad is Tensor g) g.View.MemSetToZero();
    }

    /// <summary>
    /// Frees the value and gradient, and the intermediate Vars that produced this one and nothing else still alive
    /// reads (never a leaf, except <see cref="Intermediate"/> constants, and never a create-graph gradient its holder
    /// has not disposed). A Var that a live op still reads (e.g. a forward intermediate a create-graph gradient uses)
    /// is freed when its last reader is.
    /// </summary>
    /// <remarks>Walks the graph with an explicit stack, so a graph of any depth is freed without recursion.</remarks>
    public void Dispose()
    {
        if (_released || _freed) return;
        _released = true;
        if (_kept) return; // its GraphReplay replays or frees it
        if (_consumers > 0 && (FreedWithReaders || _heldByCaller)) return;
        Stack<Var> pending = t_disposing ?? new Stack<Var>();
        t_disposing = null; // a Dispose inside this one (none today) gets its own stack
        pending.Push(this);
        while (pending.TryPop(out Var? node))
        {
            if (node._freed) continue;
            node._freed = true;
            if (node._ownsValue) node.Value.Dispose();
            node._grad?.Dispose();
            node._grad = null;
            foreach (Var parent in node._parents)
                if (Interlocked.Decrement(ref parent._consumers) == 0 && (parent._released || parent.FreedWithReaders)) pending.Push(parent);
        }
        t_disposing = pending; // empty again: the next Dispose on this thread reuses it
    }

    [ThreadStatic] private static Stack<Var>? t_disposing;

    /// <summary>
    /// Whether this Var is freed with its last reader without being disposed: intermediates and graph-owned leaves. A
    /// user's leaf is freed when it is disposed (whoever reads it), a create-graph gradient once it is disposed and read
    /// by nothing alive.
    /// </summary>
    private bool FreedWithReaders => !_heldByCaller && (_ownedByGraph || !IsLeaf);

    /// <summary>Whether the Var can still be read by ops: not freed and, outside a create-graph pass, not disposed.</summary>
    private bool IsReadable => !(_freed || Value.IsDisposed || (_released && _createdInPass is null));

    /// <inheritdoc />
    public override string ToString() => $"Var{Shapes.Format(Value.Shape)}{(RequiresGrad ? " requires grad" : "")}";

    /// <summary>Whether this leaf is freed with the graph that reads it (<see cref="Intermediate"/>), so a trace copies its value.</summary>
    internal bool IsFreedWithGraph => _ownedByGraph;

    /// <summary>Whether a live op reads this Var (it is then freed with its last reader, not before).</summary>
    internal bool IsRead => _consumers > 0;

    /// <summary>The gradient buffer of a leaf, created as zeros on first use.</summary>
    internal Tensor EnsureGrad()
    {
        if (_grad is null)
            using (DisposeScope.Suspend()) _grad = Device.Zeros(Value.SharedShape); // lives as long as the Var
        return _grad;
    }

    private void ThrowIfNotDifferentiable()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (Value.Length != 1)
            throw new InvalidOperationException($"Backward needs a scalar, but this Var has shape {Shapes.Format(Value.Shape)}; reduce it first (Sum, Mean).");
        if (!RequiresGrad)
            throw new InvalidOperationException("This Var does not require a gradient: nothing it was computed from requires one (or it was computed under Tape.NoGrad).");
    }

    /// <summary>Seeds d(this)/d(this) = 1 and runs each active node's backward step, outputs before inputs.</summary>
    private void Propagate(List<Var> order, Gradients gradients)
    {
        Tensor seed = gradients.For(this)!;
        ElementwiseOps.Affine(Device, seed.View, seed.View, 1f, 1f);
        for (int i = order.Count - 1; i >= 0; i--)
        {
            Var v = order[i];
            if (v.HasBackward && gradients.For(v) is Tensor outputGradient) v.BackwardStep(outputGradient, gradients);
        }
    }

    /// <summary>Every Var this one depends on through Vars that require gradients, inputs before outputs (iterative DFS).</summary>
    private List<Var> TopologicalOrder(PassScratch scratch)
    {
        List<Var> order = scratch.Order;
        HashSet<Var> visited = scratch.Visited;
        Stack<(Var Node, int NextParent)> stack = scratch.Stack;
        stack.Push((this, 0));
        visited.Add(this);
        while (stack.Count > 0)
        {
            (Var node, int next) = stack.Pop();
            if (next < node._parents.Length)
            {
                stack.Push((node, next + 1));
                Var parent = node._parents[next];
                if (parent.RequiresGrad && visited.Add(parent)) stack.Push((parent, 0));
            }
            else order.Add(node);
        }
        return order;
    }
}
