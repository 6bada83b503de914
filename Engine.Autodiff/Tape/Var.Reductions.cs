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
        (int outputs, int inner, _, _) = LogSumExpLayout(Value, dim);
        return new Var(Device.Allocate([outputs]), [this], new TapeNode(NodeKind.LogSumExp, I0: dim),
            step: dim == 1 ? new TraceStep(TracedOp.LogSumExpRows, outputs, inner) : new TraceStep(0, MixesRows: true)).Computed();
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
            return new Var(Device.Allocate([n]), [this], new TapeNode(NodeKind.SumRows, F0: factor), step: new TraceStep(TracedOp.SumRows, n, d, F0: factor)).Computed();
        }
        float scale = mean ? 1f / n : 1f;
        return new Var(Device.Allocate([d]), [this], new TapeNode(NodeKind.SumColumns, I0: mean ? 1 : 0, F0: scale), step: new TraceStep(0, MixesRows: true)).Computed();
    }

    /// <summary>factor * (sum of all elements), shape (1).</summary>
    private Var Reduce(float factor)
    {
        CheckLive(this);
        return new Var(Device.Allocate([1]), [this], new TapeNode(NodeKind.Reduce, F0: factor),
            step: new TraceStep(TracedOp.SumRows, 1, checked((int)Value.Length), F0: factor, MixesRows: true)).Computed();
    }

    /// <summary>The reductions' forward driver: this Var's value is a sum (<see cref="NodeKind.SumRows"/>, <see cref="NodeKind.SumColumns"/>,
    /// <see cref="NodeKind.Reduce"/>) or a log-sum-exp of its parent's.</summary>
    private void ReductionForward()
    {
        Tensor x = _parents[0].Value;
        switch (_node.Kind)
        {
            case NodeKind.SumRows:
                ElementwiseOps.RowSums(Device, x.View, Value.View, x.Dim(1), _node.F0);
                break;
            case NodeKind.SumColumns:
                ElementwiseOps.ColumnSums(Device, x.View, Value.View, accumulate: false);
                if (_node.I0 == 1) ElementwiseOps.Scale(Device, Value.View, Value.View, _node.F0);
                break;
            case NodeKind.Reduce:
                ElementwiseOps.Sum(x, Value);
                if (_node.F0 != 1f) ElementwiseOps.Scale(Device, Value.View, Value.View, _node.F0);
                break;
            default: // LogSumExp
            {
                (int outputs, int inner, int outerStride, int innerStride) = LogSumExpLayout(x, _node.I0);
                Device.Launch(ColumnKernels.LogSumExp, outputs, x.View, Value.View, inner, outerStride, innerStride);
                break;
            }
        }
    }

    /// <summary>
    /// The reductions' backward driver with kernels: this Var is a sum (<see cref="NodeKind.SumRows"/>,
    /// <see cref="NodeKind.SumColumns"/>, <see cref="NodeKind.Reduce"/>) or a log-sum-exp of its parent x.
    /// </summary>
    private void ReductionBackward(Tensor g, Gradients grads)
    {
        Var x = _parents[0];
        if (grads.For(x) is not Tensor gx) return;
        switch (_node.Kind)
        {
            case NodeKind.SumRows:
                ElementwiseOps.AddToRows(Device, g.View, gx.View, x.Value.Dim(1), _node.F0);
                break;
            case NodeKind.SumColumns:
            {
                using Tensor scaled = Device.Allocate([x.Value.Dim(1)]);
                ElementwiseOps.Scale(Device, g.View, scaled.View, _node.F0);
                ElementwiseOps.AddRow(Device, gx.View, scaled.View, gx.View);
                break;
            }
            case NodeKind.Reduce:
                ElementwiseOps.AddBroadcast(Device, g.View, gx.View, _node.F0);
                break;
            default: // LogSumExp
            {
                (int outputs, int inner, int outerStride, int innerStride) = LogSumExpLayout(x.Value, _node.I0);
                Device.Launch(ColumnKernels.LogSumExpBackward, outputs, x.Value.View, Value.View, g.View, gx.View, inner, outerStride, innerStride);
                break;
            }
        }
    }

    /// <summary>The reductions' backward driver in Var ops (create-graph): the same step as <see cref="ReductionBackward"/>.</summary>
    private void ReductionGraphBackward(Var g, GraphGradients grads)
    {
        Var x = _parents[0];
        if (!grads.Wants(x)) return;
        float factor = _node.F0;
        switch (_node.Kind)
        {
            case NodeKind.SumRows:
            {
                int n = x.Value.Dim(0), d = x.Value.Dim(1);
                grads.Add(x, Expand(factor == 1f ? g.Reshape(n, 1) : g.Reshape(n, 1) * factor, [n, d]));
                break;
            }
            case NodeKind.SumColumns:
                grads.Add(x, Expand(_node.I0 == 1 ? g * factor : g, x.Value.SharedShape));
                break;
            case NodeKind.Reduce:
            {
                Var expanded = Expand(factor == 1f ? g : g * factor, [x.Value.Length]);
                grads.Add(x, x.Value.Rank == 1 ? expanded : expanded.Reshape(x.Value.SharedShape));
                break;
            }
            default: // LogSumExp
            {
                // softmax along dim times g; the log-sum-exp is recomputed as a Var so the softmax is differentiable too.
                int dim = _node.I0, n = x.Value.Dim(0);
                Var lse = x.LogSumExp(dim), softmax = (dim == 1 ? x - lse.Reshape(n, 1) : x - lse).Exp();
                grads.Add(x, softmax * (dim == 1 ? g.Reshape(n, 1) : g));
                break;
            }
        }
    }

    /// <summary>How a log-sum-exp along <paramref name="dim"/> walks an (n, d) matrix: outputs, terms per output, and the strides.</summary>
    private static (int Outputs, int Inner, int OuterStride, int InnerStride) LogSumExpLayout(Tensor x, int dim)
    {
        int n = x.Dim(0), d = x.Dim(1);
        return dim == 1 ? (n, d, d, 1) : (d, n, 1, d);
    }

}
