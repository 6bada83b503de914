using TorchEbm.Elementwise;
using TorchEbm.LinearAlgebra;

namespace TorchEbm.Autodiff;

// Batched small matrices, one per row (chain): Cholesky factor, lower triangular solve, diagonal. A Gaussian process's
// log density from its per-chain kernel matrix K (rows, n * n) and data y: L = K.Cholesky(), z = L.SolveLowerTriangular(y),
// -0.5 z.z - sum ln diag L.
public sealed partial class Var
{
    /// <summary>
    /// The lower Cholesky factor L (L L^T = A) of each row of this (rows, n * n) Var, read as a row-major n x n matrix;
    /// only its lower triangle is read (as LAPACK's potrf 'L'), and L's upper triangle is 0. A row whose matrix is not
    /// positive definite gets NaN everywhere (its energy is then NaN and a sampler rejects it); nothing throws.
    /// </summary>
    /// <remarks>The backward step is Murray's (2016) unblocked reverse sweep; its gradient lands on A's lower triangle.
    /// No second derivative: a create-graph pass through it throws <see cref="NotSupportedException"/>.</remarks>
    /// <exception cref="ArgumentException">This Var is not (rows, n * n) for a whole n.</exception>
    public Var Cholesky()
    {
        int n = MatrixOrder(this, nameof(Cholesky));
        return new Var(Device.AllocateLike(Value), [this], new TapeNode(NodeKind.Cholesky, I0: n)).Computed();
    }

    /// <summary>
    /// z = L^-1 b for each row of this lower triangular L (rows, n * n) (only the lower triangle is read): b is (rows, n),
    /// one right-hand side per matrix, or (n), one shared by all. Shape (rows, n). With L a Cholesky factor of K,
    /// z . z = b^T K^-1 b.
    /// </summary>
    /// <remarks>A zero on L's diagonal gives infinity or NaN in that row. No second derivative: a create-graph pass
    /// through it throws <see cref="NotSupportedException"/>.</remarks>
    /// <exception cref="ArgumentException">This Var is not (rows, n * n), or b is neither (rows, n) nor (n).</exception>
    public Var SolveLowerTriangular(Var b)
    {
        CheckLive(this, b);
        int n = MatrixOrder(this, nameof(SolveLowerTriangular)), rows = Value.Dim(0);
        bool shared = b.Value.Rank == 1;
        if (!(shared ? b.Value.Dim(0) == n : b.Value.Rank == 2 && b.Value.Dim(0) == rows && b.Value.Dim(1) == n))
            throw new ArgumentException(
                $"SolveLowerTriangular needs b of shape ({rows}, {n}) or ({n},) for matrices {Shapes.Format(Value.Shape)}, got {Shapes.Format(b.Value.Shape)}.", nameof(b));
        return new Var(Device.Allocate([rows, n]), [this, b], new TapeNode(NodeKind.SolveLowerTriangular, I0: n)).Computed();
    }

    /// <summary>The diagonal of each row of this (rows, n * n) Var read as an n x n matrix: shape (rows, n).</summary>
    /// <exception cref="ArgumentException">This Var is not (rows, n * n) for a whole n.</exception>
    public Var Diagonal()
    {
        int n = MatrixOrder(this, nameof(Diagonal)), rows = Value.Dim(0);
        return new Var(Device.Allocate([rows, n]), [this], new TapeNode(NodeKind.Diagonal, I0: n)).Computed();
    }

    /// <summary>The batched-matrix family's forward driver: this Var's value is the Cholesky factor, a triangular solve or the
    /// diagonal of its first parent's matrices (n = I0; a rank-1 right-hand side is shared by every row).</summary>
    private void CholeskyForward()
    {
        Tensor a = _parents[0].Value;
        int n = _node.I0;
        switch (_node.Kind)
        {
            case NodeKind.Cholesky:
                CholeskyOps.Factor(Device, a.View, Value.View, n, a.Dim(0));
                break;
            case NodeKind.SolveLowerTriangular:
            {
                Tensor b = _parents[1].Value;
                CholeskyOps.SolveLower(Device, a.View, b.View, Value.View, n, b.Rank == 1 ? 0 : n, a.Dim(0));
                break;
            }
            default: // Diagonal
                CholeskyOps.Diagonal(Device, a.View, Value.View, n);
                break;
        }
    }

    /// <summary>
    /// The batched-matrix family's backward driver with kernels: this Var is the Cholesky factor, a triangular solve or
    /// the diagonal of its first parent's matrices (n = I0).
    /// </summary>
    private void CholeskyBackward(Tensor g, Gradients grads)
    {
        Var a = _parents[0];
        int n = _node.I0, rows = a.Value.Dim(0);
        switch (_node.Kind)
        {
            case NodeKind.Cholesky:
            {
                if (grads.For(a) is not Tensor ga) return;
                using Tensor lbar = g.Clone();
                CholeskyOps.FactorBackward(Device, Value.View, lbar.View, ga.View, n, rows);
                break;
            }
            case NodeKind.SolveLowerTriangular:
            {
                Var b = _parents[1];
                Tensor? gl = grads.For(a), gb = grads.For(b);
                if (gl is null && gb is null) return;
                using Tensor w = Device.Allocate([rows, n]);
                CholeskyOps.SolveLowerBackward(Device, a.Value.View, Value.View, g.View, w.View, (gl ?? w).View, n, addToL: gl is not null, rows);
                if (gb is null) return;
                if (b.Value.Rank == 1) ElementwiseOps.ColumnSums(Device, w.View, gb.View, accumulate: true);
                else ElementwiseOps.AddScaled(Device, w.View, gb.View, 1f);
                break;
            }
            default: // Diagonal
                if (grads.For(a) is Tensor gd) CholeskyOps.DiagonalBackward(Device, g.View, gd.View, n);
                break;
        }
    }

    /// <summary>
    /// The batched-matrix family's backward driver in Var ops (create-graph): the diagonal's; Cholesky and the solve
    /// have no second derivative and throw.
    /// </summary>
    private void CholeskyGraphBackward(Var g, GraphGradients grads)
    {
        Var a = _parents[0];
        switch (_node.Kind)
        {
            case NodeKind.Cholesky: throw NoSecondDerivative(nameof(Cholesky));
            case NodeKind.SolveLowerTriangular: throw NoSecondDerivative(nameof(SolveLowerTriangular));
            default: // Diagonal
            {
                if (!grads.Wants(a)) return;
                // g's column i at column i (n + 1), zeros between: n columns of g and n - 1 blocks of n zeros, side by side.
                int n = _node.I0, rows = a.Value.Dim(0);
                var parts = new List<Var>(2 * n - 1);
                for (int i = 0; i < n; i++)
                {
                    if (i > 0) parts.Add(Intermediate(Device.Zeros(rows, n)));
                    parts.Add(g.Columns(i, 1));
                }
                grads.Add(a, parts.Count == 1 ? parts[0] : Concat(parts));
                break;
            }
        }
    }

    /// <summary>n for a live (rows, n * n) Var: each row one n x n matrix.</summary>
    private static int MatrixOrder(Var v, string op)
    {
        CheckLive(v);
        int columns = v.Value.Rank == 2 ? v.Value.Dim(1) : 0, n = (int)Math.Round(Math.Sqrt(columns));
        if (v.Value.Rank != 2 || n * n != columns)
            throw new ArgumentException(
                $"{op} takes one row-major n x n matrix per row, shape (rows, n * n), got {Shapes.Format(v.Value.Shape)}.");
        return n;
    }

    private static NotSupportedException NoSecondDerivative(string op) =>
        new($"{op} has no second derivative: a create-graph gradient cannot pass through it (differentiate it once, with Backward or Tape.Grad).");
}
