using TorchEbm.Elementwise;
using TorchEbm.LinearAlgebra;
using TorchEbm.Reductions;
using TorchEbm.Traced;

namespace TorchEbm.Autodiff;

// Matrix products and the bias of a linear layer.
public sealed partial class Var
{
    /// <summary>Matrix product of this (m, k) and <paramref name="b"/> (k, n): shape (m, n).</summary>
    public Var MatMul(Var b)
    {
        CheckLive(this, b);
        int m = MatrixDim(this, 0, "MatMul"), k = MatrixDim(this, 1, "MatMul");
        if (b.Value.Rank != 2 || b.Value.Dim(0) != k)
            throw new ArgumentException($"MatMul needs (m, k) x (k, n), got {Shapes.Format(Value.Shape)} x {Shapes.Format(b.Value.Shape)}.", nameof(b));
        int n = b.Value.Dim(1);
        return new Var(Device.Allocate([m, n]), [this, b], new TapeNode(NodeKind.MatMul), step: new TraceStep(TracedOp.MatMul, m, k, n, 0)).Computed();
    }

    /// <summary>This (m, k) times the transpose of <paramref name="b"/> (n, k): shape (m, n); a linear layer's x W^T.</summary>
    public Var MatMulTransposed(Var b)
    {
        CheckLive(this, b);
        int m = MatrixDim(this, 0, "MatMulTransposed"), k = MatrixDim(this, 1, "MatMulTransposed");
        if (b.Value.Rank != 2 || b.Value.Dim(1) != k)
            throw new ArgumentException($"MatMulTransposed needs (m, k) x (n, k), got {Shapes.Format(Value.Shape)} x {Shapes.Format(b.Value.Shape)}.", nameof(b));
        int n = b.Value.Dim(0);
        return new Var(Device.Allocate([m, n]), [this, b], new TapeNode(NodeKind.MatMulTransposed), step: new TraceStep(TracedOp.MatMul, m, k, n, 1)).Computed();
    }

    /// <summary>
    /// a^T b for a (m, k) and b (m, n): shape (k, n). Only create-graph backward steps record it (the gradient of a
    /// matrix product's right operand), so the three products are closed under differentiation.
    /// </summary>
    private static Var TransposedMatMul(Var a, Var b)
    {
        return new Var(a.Device.Allocate([a.Value.Dim(1), b.Value.Dim(1)]), [a, b], new TapeNode(NodeKind.TransposedMatMul)).Computed();
    }

    /// <summary>This (n, m) plus <paramref name="bias"/> (m) added to every row.</summary>
    public Var AddBias(Var bias)
    {
        CheckLive(this, bias);
        if (Value.Rank != 2 || bias.Value.Rank != 1 || bias.Value.Dim(0) != Value.Dim(1))
            throw new ArgumentException($"AddBias needs (n, m) + (m), got {Shapes.Format(Value.Shape)} + {Shapes.Format(bias.Value.Shape)}.", nameof(bias));
        return new Var(Device.AllocateLike(Value), [this, bias], new TapeNode(NodeKind.AddBias),
            step: new TraceStep(TracedOp.Binary, Arithmetic.Add, Value.Dim(0), Value.Dim(1), Value.Dim(0), Value.Dim(1), 1, Value.Dim(1))).Computed();
    }

    /// <summary>The linear-algebra family's forward driver: this Var's value is a product of its parents' (a b, a b^T, a^T b) or a + bias.</summary>
    private void LinearAlgebraForward()
    {
        Tensor a = _parents[0].Value, b = _parents[1].Value;
        switch (_node.Kind)
        {
            case NodeKind.MatMul:
                Product(a, b, Value, MatMulShape.Of(a.Dim(0), b.Dim(1), a.Dim(1), false, false, false));
                break;
            case NodeKind.MatMulTransposed:
                Product(a, b, Value, MatMulShape.Of(a.Dim(0), b.Dim(0), a.Dim(1), false, true, false));
                break;
            case NodeKind.TransposedMatMul:
                Product(a, b, Value, MatMulShape.Of(a.Dim(1), b.Dim(1), a.Dim(0), true, false, false));
                break;
            default: // AddBias
                ElementwiseOps.AddRow(Device, a.View, b.View, Value.View);
                break;
        }
    }

    /// <summary>
    /// The linear-algebra family's backward driver with kernels: this Var is a product of its parents a and b
    /// (a b, a b^T, a^T b; each product's gradients are products of the same three kinds) or a + bias.
    /// </summary>
    private void LinearAlgebraBackward(Tensor g, Gradients grads)
    {
        Var a = _parents[0], b = _parents[1];
        Tensor? ga = grads.For(a);
        switch (_node.Kind)
        {
            case NodeKind.MatMul: // a (m, k), b (k, n)
            {
                int m = a.Value.Dim(0), k = a.Value.Dim(1), n = b.Value.Dim(1);
                if (ga is not null) Product(g, b.Value, ga, MatMulShape.Of(m, k, n, false, true, true));
                if (grads.For(b) is Tensor gb) Product(a.Value, g, gb, MatMulShape.Of(k, n, m, true, false, true));
                break;
            }
            case NodeKind.MatMulTransposed: // a (m, k), b (n, k)
            {
                int m = a.Value.Dim(0), k = a.Value.Dim(1), n = b.Value.Dim(0);
                if (ga is not null) Product(g, b.Value, ga, MatMulShape.Of(m, k, n, false, false, true));
                if (grads.For(b) is Tensor gb) Product(g, a.Value, gb, MatMulShape.Of(n, k, m, true, false, true));
                break;
            }
            case NodeKind.TransposedMatMul: // a (m, k), b (m, n)
            {
                int m = a.Value.Dim(0), k = a.Value.Dim(1), n = b.Value.Dim(1);
                if (ga is not null) Product(b.Value, g, ga, MatMulShape.Of(m, k, n, false, true, true));
                if (grads.For(b) is Tensor gb) Product(a.Value, g, gb, MatMulShape.Of(m, n, k, false, false, true));
                break;
            }
            default: // AddBias
                if (ga is not null) ElementwiseOps.AddScaled(Device, g.View, ga.View, 1f);
                if (grads.For(b) is Tensor gbias) ElementwiseOps.ColumnSums(Device, g.View, gbias.View, accumulate: true);
                break;
        }
    }

    /// <summary>The linear-algebra family's backward driver in Var ops (create-graph): the same step as <see cref="LinearAlgebraBackward"/>.</summary>
    private void LinearAlgebraGraphBackward(Var g, GraphGradients grads)
    {
        Var a = _parents[0], b = _parents[1];
        switch (_node.Kind)
        {
            case NodeKind.MatMul:
                if (grads.Wants(a)) grads.Add(a, g.MatMulTransposed(b));
                if (grads.Wants(b)) grads.Add(b, TransposedMatMul(a, g));
                break;
            case NodeKind.MatMulTransposed:
                if (grads.Wants(a)) grads.Add(a, g.MatMul(b));
                if (grads.Wants(b)) grads.Add(b, TransposedMatMul(g, a));
                break;
            case NodeKind.TransposedMatMul:
                if (grads.Wants(a)) grads.Add(a, b.MatMulTransposed(g));
                if (grads.Wants(b)) grads.Add(b, a.MatMul(g));
                break;
            default: // AddBias
                if (grads.Wants(a)) grads.Add(a, g);
                if (grads.Wants(b)) grads.Add(b, g.Sum(0));
                break;
        }
    }

    /// <summary>
    /// C (+)= A B, the one place a product's implementation is chosen: on a GPU the shared-memory tiled kernel; on the
    /// CPU accelerator the host SIMD product in its memory (the ILGPU kernels run there as scalar code), or the
    /// register-blocked kernel where the CPU lacks 256-bit vectors.
    /// </summary>
    private static void Product(Tensor a, Tensor b, Tensor c, MatMulShape product)
    {
        if (a.Device.Kind == DeviceKind.Cuda)
            a.Device.Launch(MatMulKernels.MultiplyTiled, MatMulKernels.TiledWorkItems(product), a.View, b.View, c.View, product);
        else if (CpuMatMul.IsSupported)
        {
            CpuMatMul.Multiply(a.View, b.View, c.View, product);
            GC.KeepAlive(a); GC.KeepAlive(b); GC.KeepAlive(c); // their memory is read on the host until here
        }
        else
            a.Device.Launch(MatMulKernels.Multiply, MatMulKernels.WorkItems(product), a.View, b.View, c.View, product);
    }

    private static int MatrixDim(Var v, int axis, string op) => v.Value.Rank == 2
        ? v.Value.Dim(axis)
        : throw new ArgumentException($"{op} needs a matrix, got shape {Shapes.Format(v.Value.Shape)}.");
}
