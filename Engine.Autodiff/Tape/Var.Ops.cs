namespace TorchEbm.Autodiff;

// The differentiable ops live in one file per family (Var.Arithmetic, Var.Reductions, Var.Shape, Var.Functions,
// Var.LinearAlgebra, Var.Cholesky). Each checks its operands on the host (before any launch), computes its value with a
// kernel, and records its node as data (a TapeNode: kind and attributes); the family's backward driver, in the same file,
// runs the node's backward step with kernels or, for create-graph, with Var ops. Here: the shared operand checks.
public sealed partial class Var
{
    /// <summary>Every operand is non-null, readable and on the first one's device (a span: no array per op).</summary>
    private static void CheckLive(params ReadOnlySpan<Var> vars)
    {
        foreach (Var v in vars)
        {
            ArgumentNullException.ThrowIfNull(v);
            // A Var its holder disposed can still be read by a create-graph pass over a graph that reads it.
            ObjectDisposedException.ThrowIf(!v.IsReadable, v);
            if (!ReferenceEquals(v.Device, vars[0].Device))
                throw new ArgumentException($"Operands live on different devices: {vars[0].Device} and {v.Device}.");
        }
    }

    private static bool SameShape(Var a, Var b)
    {
        CheckLive(a, b);
        return a.Value.SharedShape.AsSpan().SequenceEqual(b.Value.SharedShape);
    }
}
