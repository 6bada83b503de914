using ILGPU.Runtime;

namespace TorchEbm.Autodiff;

// What a kept graph (GraphReplay) needs of its Vars: the graph behind a result, the kept flag, the kept gradient buffers.
public sealed partial class Var
{
    private bool _kept; // part of a graph a GraphReplay keeps: disposing it only marks it released

    /// <summary>
    /// Whether this Var belongs to a graph a <see cref="GraphReplay"/> keeps between calls: disposing it marks it released
    /// without freeing anything, and backward passes accumulate its gradient in a buffer kept with it.
    /// </summary>
    internal bool IsKept => _kept;

    /// <summary>Whether the holder has disposed this Var (a kept one is then free to be replayed) and nothing freed it.</summary>
    internal bool IsReleased => _released && !_freed;

    /// <summary>Whether this Var's value (and, for an op, its kept gradient buffer) is still there to be replayed.</summary>
    internal bool IsIntact => !_freed && !Value.IsDisposed && (_grad is null || !_grad.IsDisposed);

    /// <summary>Whether this Var's op has a forward driver a replay can run (every op but a leaf).</summary>
    internal bool IsOp => _node.Kind != NodeKind.Leaf;

    /// <summary>
    /// Every Var <paramref name="result"/> is computed from, through all parents (with or without gradients), inputs
    /// before outputs (an iterative depth-first walk): ops to <paramref name="ops"/>, leaves to <paramref name="leaves"/>.
    /// </summary>
    internal static void GraphOf(Var result, List<Var> ops, List<Var> leaves)
    {
        var visited = new HashSet<Var>(ReferenceEqualityComparer.Instance) { result };
        var stack = new Stack<(Var Node, int NextParent)>();
        stack.Push((result, 0));
        while (stack.Count > 0)
        {
            (Var node, int next) = stack.Pop();
            if (next < node._parents.Length)
            {
                stack.Push((node, next + 1));
                Var parent = node._parents[next];
                if (visited.Add(parent)) stack.Push((parent, 0));
            }
            else (node.IsOp ? ops : leaves).Add(node);
        }
    }

    /// <summary>
    /// Marks this op as part of a kept graph, or no longer: its kept gradient buffer is then freed (a later backward pass
    /// makes its own, as for any op) and its holder's Dispose frees it as usual.
    /// </summary>
    internal void SetKept(bool kept)
    {
        _kept = kept;
        if (kept || _grad is null) return;
        _grad.Dispose();
        _grad = null;
    }

    /// <summary>Hands a released kept result back for another replay (it is the holder's again until disposed).</summary>
    internal void Reclaim() => _released = false;

    /// <summary>Frees a kept graph its holder has released: this result, its intermediates and their kept gradient buffers.</summary>
    internal void FreeReleased()
    {
        if (!IsReleased) return;
        _released = false;
        Dispose();
    }

    /// <summary>This kept op's gradient buffer, zeroed for a new backward pass; made on first use and freed with the graph.</summary>
    internal Tensor KeptGradient()
    {
        if (_grad is null)
            using (DisposeScope.Suspend()) _grad = Device.AllocateLike(Value); // lives as long as the kept graph
        _grad.View.MemSetToZero();
        return _grad;
    }
}
