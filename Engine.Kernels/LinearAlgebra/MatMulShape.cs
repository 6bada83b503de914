namespace TorchEbm.LinearAlgebra;

/// <summary>
/// The sizes and strides of C (M x N) = A (M x K) B (K x N). A's element (i, p) is at A[i * ARow + p * ACol] and B's
/// (p, j) at B[p * BRow + j * BCol], so a transposed operand is just swapped strides; C is dense row-major.
/// </summary>
/// <param name="M">Rows of C.</param>
/// <param name="N">Columns of C.</param>
/// <param name="K">The summed dimension.</param>
/// <param name="ARow">Stride between rows of A.</param>
/// <param name="ACol">Stride between columns of A.</param>
/// <param name="BRow">Stride between rows of B.</param>
/// <param name="BCol">Stride between columns of B.</param>
/// <param name="Accumulate">0: C = A B; 1: C += A B (backward passes accumulate gradients).</param>
public readonly record struct MatMulShape(int M, int N, int K, int ARow, int ACol, int BRow, int BCol, int Accumulate)
{
    /// <summary>C = op(A) op(B) with A stored (M x K), or (K x M) when <paramref name="transposeA"/>; likewise B.</summary>
    public static MatMulShape Of(int m, int n, int k, bool transposeA, bool transposeB, bool accumulate) => new(
        m, n, k,
        transposeA ? 1 : k, transposeA ? m : 1,
        transposeB ? 1 : n, transposeB ? k : 1,
        accumulate ? 1 : 0);
}
