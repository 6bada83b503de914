using ILGPU;
using TorchEbm.Launch;
using TorchEbm.Numerics;

namespace TorchEbm.Elementwise;

/// <summary>
/// Element-wise a op b with broadcasting (<see cref="Broadcast"/>), op an <see cref="Arithmetic"/> code (dispatched once per
/// launch, <see cref="Arithmetic.Visit{TVisitor}"/>); and the backward steps, which sum each output gradient back over the
/// positions an operand was repeated to (fixed order).
/// </summary>
public static class BroadcastKernels
{
    /// <summary>output[r, c] = a[..] op b[..] (work items: Rows * Cols).</summary>
    [Kernel]
    public static void Forward(ArrayView<float> a, ArrayView<float> b, ArrayView<float> output, Broadcast shape, int op)
    {
        var loop = new ForwardLoop(a, b, output, shape);
        Arithmetic.Visit(op, ref loop);
    }

    /// <summary>
    /// gradient[j] += sum of g[r, c] * d(a op b)/d(operand) over the output elements reading element j of the operand
    /// (operand 0: a, 1: b). Work items: the operand's length.
    /// </summary>
    [Kernel]
    public static void Backward(ArrayView<float> g, ArrayView<float> a, ArrayView<float> b, ArrayView<float> gradient,
        Broadcast shape, int op, int operand)
    {
        var loop = new BackwardLoop(g, a, b, gradient, shape, operand);
        Arithmetic.Visit(op, ref loop);
    }

    /// <summary><see cref="Forward"/>'s loop for one op.</summary>
    private struct ForwardLoop(ArrayView<float> a, ArrayView<float> b, ArrayView<float> output, Broadcast shape) : IBinaryVisitor
    {
        public void Visit<TOp>() where TOp : struct, IBinaryOp
        {
            int items = output.IntLength, stride = GridStride.Stride;
            for (int i = GridStride.Start; i < items; i += stride)
            {
                int r = i / shape.Cols, c = i - r * shape.Cols;
                output[i] = TOp.Apply<Real>(a[shape.A(r, c)], b[shape.B(r, c)]);
            }
        }
    }

    /// <summary><see cref="Backward"/>'s loop for one op.</summary>
    private struct BackwardLoop(ArrayView<float> g, ArrayView<float> a, ArrayView<float> b, ArrayView<float> gradient,
        Broadcast shape, int operand) : IBinaryVisitor
    {
        public void Visit<TOp>() where TOp : struct, IBinaryOp
        {
            int items = gradient.IntLength, stride = GridStride.Stride;
            int rows = operand == 0 ? shape.ARows : shape.BRows, cols = operand == 0 ? shape.ACols : shape.BCols;
            int rowRepeats = rows == 1 ? shape.Rows : 1, colRepeats = cols == 1 ? shape.Cols : 1;
            for (int j = GridStride.Start; j < items; j += stride)
            {
                int jr = j / cols, jc = j - jr * cols;
                float sum = 0f;
                for (int rr = 0; rr < rowRepeats; rr++)
                for (int cc = 0; cc < colRepeats; cc++)
                {
                    int r = rows == 1 ? rr : jr, c = cols == 1 ? cc : jc;
                    Real x = a[shape.A(r, c)], y = b[shape.B(r, c)];
                    sum += g[r * shape.Cols + c] * (operand == 0 ? TOp.PartialX<Real>(x, y) : TOp.PartialY<Real>(x, y));
                }
                gradient[j] += sum;
            }
        }
    }
}
