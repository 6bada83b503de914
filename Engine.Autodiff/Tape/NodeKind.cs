namespace TorchEbm.Autodiff;

/// <summary>The op a <see cref="TapeNode"/> records, grouped by the family whose driver runs its backward step.</summary>
internal enum NodeKind : byte
{
    /// <summary>A leaf: no backward step.</summary>
    Leaf,

    // Arithmetic (Var.Arithmetic): operand shapes are the parents'.

    /// <summary>a * b, one shape.</summary>
    Multiply,

    /// <summary>a + F0 b, one shape (F0 = 1 or -1).</summary>
    Combine,

    /// <summary>F0 a + F1 (Affine), or F0 a (Scale, I0 = 1: its forward step has no shift, and its create-graph step multiplies by F0 even at 1).</summary>
    Affine,

    /// <summary>a op b broadcasting (I0 = the op code: 0 +, 1 -, 2 *, 3 /).</summary>
    Broadcast,

    // Element-wise functions (Var.Functions).

    /// <summary>f(x) (Data = the function).</summary>
    Map,

    /// <summary>f^(I0)(x), a create-graph step's node (Data = the function).</summary>
    MapDerivative,

    // Reductions (Var.Reductions).

    /// <summary>F0 * row sums of an (n, d) matrix.</summary>
    SumRows,

    /// <summary>Column sums of an (n, d) matrix, times F0 when I0 = 1 (Mean(0)).</summary>
    SumColumns,

    /// <summary>F0 * the sum of all elements.</summary>
    Reduce,

    /// <summary>log sum exp along dimension I0.</summary>
    LogSumExp,

    // Shape ops (Var.Shape).

    /// <summary>The parents joined along dimension I0 (Data = each part's offset).</summary>
    Concat,

    /// <summary>The parent's elements in another shape.</summary>
    Reshape,

    /// <summary>Elements [I0, I0 + I1) of a rank-1 parent.</summary>
    Slice,

    /// <summary>Columns [I0, I0 + I1) of an (n, d) parent.</summary>
    Gather,

    // Linear algebra (Var.LinearAlgebra, Var.Cholesky).

    /// <summary>a b.</summary>
    MatMul,

    /// <summary>a b^T.</summary>
    MatMulTransposed,

    /// <summary>a^T b (create-graph steps only).</summary>
    TransposedMatMul,

    /// <summary>An (n, m) matrix plus a bias (m) on every row.</summary>
    AddBias,

    /// <summary>The lower Cholesky factor of each row's matrix.</summary>
    Cholesky,

    /// <summary>L^-1 b for each row's lower triangular L.</summary>
    SolveLowerTriangular,

    /// <summary>The diagonal of each row's matrix.</summary>
    Diagonal,
}
