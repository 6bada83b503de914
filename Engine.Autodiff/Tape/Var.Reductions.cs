using TorchEbm.Elementwise;
using TorchEbm.Reductions;
using TorchEbm.Traced;

namespace TorchEbm.Autodiff;

// Reductions: over all elements, and along a dimension (Sum, Mean, LogSumExp).
public sealed partial class Var
{
    /// <summary>
    /// Sums along dimension <paramref name="dim"/> of this (n, d) matrix: dim 1 gives the row sums (n) (an energy per
    /// sample from per-coordinate terms), dim 0 the column sums (d).
    /// </summary>
    /// <exception cref="ArgumentException">This Var is not rank 2, or dim is not 0 or 1.</exception>
    public Var Sum(int dim) => SumAlong(dim, mean: false);

    /// <summary>Means along dimension <paramref name="dim"/> of this (n, d) matrix (see <see cref="Sum(int)"/>).</summary>
    public Var Mean(int dim) => SumAlong(dim, mean: true);

    /// <summary>
    /// log sum exp along dimension <paramref name="dim"/> of this (n, d) matrix, shifted by the maximum (stable): dim 1
    /// gives (n), e.g. a mixture's -energy from per-component log densities; dim 0 gives (d).
    /// </summary>
    /// <exception cref="ArgumentException">This Var is not rank 2, or dim is not 0 or 1.</exception>
    public Var LogSumExp(int dim)
    {
        CheckLive(this);
        if (Value.Rank != 2)
            throw new ArgumentException($"LogSumExp needs an (n, d) Var, got shape {Shapes.Format(Value.Shape)}.", nameof(dim));
        if (dim is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be 0 (over rows) or 1 (over columns).");
        int n = Value.Dim(0), d = Value.Dim(1);
        (int outputs, int inner, int outerStride, int innerStride) = dim == 1 ? (n, d, d, 1) : (d, n, 1, d);
        Tensor value = Device.Allocate([outputs]);
        Device.Launch(ColumnKernels.LogSumExp, outputs, Value.View, value.View, inner, outerStride, innerStride);
        return new Var(value, [this], (g, grads) =>
        {
            if (grads.For(this) is Tensor ga)
                Device.Launch(ColumnKernels.LogSumExpBackward, outputs, Value.View, value.View, g.View, ga.View, inner, outerStride, innerStride);
        }, (g, grads) =>
        {
            if (!grads.Wants(this)) return;
            // softmax along dim times g; the log-sum-exp is recomputed as a Var so the softmax is differentiable too.
            Var lse = LogSumExp(dim), softmax = (dim == 1 ? this - lse.Reshape(n, 1) : this - lse).Exp();
            grads.Add(this, softmax * (dim == 1 ? g.Reshape(n, 1) : g));
        }, step: new TraceStep(0, MixesRows: dim == 0));
    }

    /// <summary>The sum of all elements: shape (1), summed in a fixed order.</summary>
    public Var Sum() => Reduce(1f);

    /// <summary>The mean of all elements: shape (1).</summary>
    public Var Mean() => Reduce(1f / Value.Length);

    private Var SumAlong(int dim, bool mean)
    {
        CheckLive(this);
        if (Value.Rank != 2)
            throw new ArgumentException($"Sum/Mean along a dimension needs an (n, d) Var, got shape {Shapes.Format(Value.Shape)}.", nameof(dim));
        if (dim is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be 0 (over rows) or 1 (over columns).");
        int n = Value.Dim(0), d = Value.Dim(1);
        if (dim == 1)
        {
            float factor = mean ? 1f / d : 1f;
            Tensor rows = Device.Allocate([n]);
            ElementwiseOps.RowSums(Device, Value.View, rows.View, d, factor);
            return new Var(rows, [this], (g, grads) =>
            {
                if (grads.For(this) is Tensor ga) ElementwiseOps.AddToRows(Device, g.View, ga.View, d, factor);
            }, (g, grads) =>
            {
                if (grads.Wants(this)) grads.Add(this, Expand(factor == 1f ? g.Reshape(n, 1) : g.Reshape(n, 1) * factor, [n, d]));
            }, step: new TraceStep(TracedOp.SumRows, n, d, F0: factor));
        }
        Tensor columns = Device.Allocate([d]);
        ElementwiseOps.ColumnSums(Device, Value.View, columns.View, accumulate: false);
        if (mean) ElementwiseOps.Scale(Device, columns.View, columns.View, 1f / n);
        float scale = mean ? 1f / n : 1f;
        return new Var(columns, [this], (g, grads) =>
        {
            if (grads.For(this) is not Tensor ga) return;
            using Tensor scaled = Device.Allocate([d]);
            ElementwiseOps.Scale(Device, g.View, scaled.View, scale);
            ElementwiseOps.AddRow(Device, ga.View, scaled.View, ga.View);
        }, (g, grads) =>
        {
            if (grads.Wants(this)) grads.Add(this, Expand(mean ? g * scale : g, [n, d]));
        }, step: new TraceStep(0, MixesRows: true));
    }

    /// <summary>factor * (sum of all elements), shape (1).</summary>
    private Var Reduce(float factor)
    {
        CheckLive(this);
        Tensor value = ElementwiseOps.Sum(Value);
        if (factor != 1f) ElementwiseOps.Scale(Device, value.View, value.View, factor);
        return new Var(value, [this], (g, grads) =>
        {
            if (grads.For(this) is Tensor ga) ElementwiseOps.AddBroadcast(Device, g.View, ga.View, factor);
        }, (g, grads) =>
        {
            if (!grads.Wants(this)) return;
            Var expanded = Expand(factor == 1f ? g : g * factor, [checked((int)Value.Length)]);
            grads.Add(this, Value.Rank == 1 ? expanded : expanded.Reshape(Value.Shape));
        }, step: new TraceStep(TracedOp.SumRows, 1, checked((int)Value.Length), F0: factor, MixesRows: true));
    }
}
