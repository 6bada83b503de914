namespace TorchEbm.Autodiff;

/// <summary>The op families of the tape: each has one forward driver and one backward driver (kernel and create-graph forms).</summary>
internal enum NodeFamily : byte
{
    /// <summary>No driver: a leaf.</summary>
    None,

    /// <summary>Var.Arithmetic: products, sums, affine maps, broadcasting ops.</summary>
    Arithmetic,

    /// <summary>Var.Functions: element-wise functions and their derivative nodes.</summary>
    Function,

    /// <summary>Var.Reductions: sums, means, log-sum-exp.</summary>
    Reduction,

    /// <summary>Var.Shape: concatenation, reshape, slices, column ranges.</summary>
    Shape,

    /// <summary>Var.LinearAlgebra: matrix products and AddBias.</summary>
    LinearAlgebra,

    /// <summary>Var.Cholesky: batched Cholesky factors, triangular solves, diagonals.</summary>
    Cholesky,
}

/// <summary>Which family each <see cref="NodeKind"/> belongs to: written once for the forward and both backward dispatches.</summary>
internal static class NodeFamilies
{
    /// <summary>The family of <paramref name="kind"/>; a kind missing here throws, so a new one cannot be left out silently.</summary>
    public static NodeFamily Of(NodeKind kind) => kind switch
    {
        NodeKind.Leaf => NodeFamily.None,
        NodeKind.Multiply or NodeKind.Combine or NodeKind.Affine or NodeKind.Broadcast => NodeFamily.Arithmetic,
        NodeKind.Map or NodeKind.MapDerivative => NodeFamily.Function,
        NodeKind.SumRows or NodeKind.SumColumns or NodeKind.Reduce or NodeKind.LogSumExp => NodeFamily.Reduction,
        NodeKind.Concat or NodeKind.Reshape or NodeKind.Slice or NodeKind.Gather => NodeFamily.Shape,
        NodeKind.MatMul or NodeKind.MatMulTransposed or NodeKind.TransposedMatMul or NodeKind.AddBias => NodeFamily.LinearAlgebra,
        NodeKind.Cholesky or NodeKind.SolveLowerTriangular or NodeKind.Diagonal => NodeFamily.Cholesky,
        _ => throw new InvalidOperationException($"NodeKind {kind} has no family."),
    };
}
