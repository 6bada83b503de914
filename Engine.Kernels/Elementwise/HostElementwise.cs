using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchEbm.Numerics;

namespace TorchEbm.Elementwise;

/// <summary>
/// The host twins of <see cref="ElementwiseKernels"/> and <see cref="BroadcastKernels"/> over spans of CPU-accelerator
/// memory, eight floats at a time where the CPU has 256-bit vectors. Each computes what its kernel computes with the same
/// float operations in the same order (no fused multiply-add, sums in the kernel's order), so results are bit-identical:
/// the ILGPU kernels on the CPU accelerator spend their time in launch and barrier overhead, not arithmetic.
/// </summary>
internal static class HostElementwise
{
    private static bool Vectors => Vector256.IsHardwareAccelerated;

    /// <summary>output[i] = factor * input[i] (i below input's length).</summary>
    public static void Scale(ReadOnlySpan<float> input, Span<float> output, float factor)
    {
        int n = input.Length, i = 0;
        output = output[..n];
        if (Vectors)
            for (Vector256<float> f = Vector256.Create(factor); i + 8 <= n; i += 8)
                (f * Vector256.Create(input.Slice(i, 8))).CopyTo(output.Slice(i, 8));
        for (; i < n; i++) output[i] = factor * input[i];
    }

    /// <summary>output[i] += factor * input[i].</summary>
    public static void AddScaled(ReadOnlySpan<float> input, Span<float> output, float factor)
    {
        int n = input.Length, i = 0;
        output = output[..n];
        if (Vectors)
            for (Vector256<float> f = Vector256.Create(factor); i + 8 <= n; i += 8)
                (Vector256.Create(output.Slice(i, 8)) + f * Vector256.Create(input.Slice(i, 8))).CopyTo(output.Slice(i, 8));
        for (; i < n; i++) output[i] += factor * input[i];
    }

    /// <summary>output[i] = scale * input[i] + shift.</summary>
    public static void Affine(ReadOnlySpan<float> input, Span<float> output, float scale, float shift)
    {
        int n = input.Length, i = 0;
        output = output[..n];
        if (Vectors)
        {
            Vector256<float> s = Vector256.Create(scale), t = Vector256.Create(shift);
            for (; i + 8 <= n; i += 8) (s * Vector256.Create(input.Slice(i, 8)) + t).CopyTo(output.Slice(i, 8));
        }
        for (; i < n; i++) output[i] = scale * input[i] + shift;
    }

    /// <summary>output[i] = a[i] + factor * b[i] (i below a's length).</summary>
    public static void Combine(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output, float factor)
    {
        int n = a.Length, i = 0;
        b = b[..n];
        output = output[..n];
        if (Vectors)
            for (Vector256<float> f = Vector256.Create(factor); i + 8 <= n; i += 8)
                (Vector256.Create(a.Slice(i, 8)) + f * Vector256.Create(b.Slice(i, 8))).CopyTo(output.Slice(i, 8));
        for (; i < n; i++) output[i] = a[i] + factor * b[i];
    }

    /// <summary>output[i] = a[i] * b[i].</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output)
    {
        int n = a.Length, i = 0;
        b = b[..n];
        output = output[..n];
        if (Vectors)
            for (; i + 8 <= n; i += 8)
                Multiplication.Apply<Real8>(Vector256.Create(a.Slice(i, 8)), Vector256.Create(b.Slice(i, 8))).Value.CopyTo(output.Slice(i, 8));
        for (; i < n; i++) output[i] = Multiplication.Apply<Real>(a[i], b[i]);
    }

    /// <summary>output[i] += a[i] * b[i].</summary>
    public static void MultiplyAdd(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output)
    {
        int n = a.Length, i = 0;
        b = b[..n];
        output = output[..n];
        if (Vectors)
            for (; i + 8 <= n; i += 8)
                (Vector256.Create(output.Slice(i, 8)) + Multiplication.Apply<Real8>(Vector256.Create(a.Slice(i, 8)), Vector256.Create(b.Slice(i, 8))).Value).CopyTo(output.Slice(i, 8));
        for (; i < n; i++) output[i] += Multiplication.Apply<Real>(a[i], b[i]);
    }

    /// <summary>output[i] += factor * scalar[0].</summary>
    public static void AddBroadcast(ReadOnlySpan<float> scalar, Span<float> output, float factor)
    {
        float value = factor * scalar[0];
        int n = output.Length, i = 0;
        if (Vectors)
            for (Vector256<float> v = Vector256.Create(value); i + 8 <= n; i += 8)
                (Vector256.Create(output.Slice(i, 8)) + v).CopyTo(output.Slice(i, 8));
        for (; i < n; i++) output[i] += value;
    }

    /// <summary>output[r, c] = matrix[r, c] + row[c] (i below matrix's length).</summary>
    public static void AddRow(ReadOnlySpan<float> matrix, ReadOnlySpan<float> row, Span<float> output)
    {
        int n = matrix.Length, cols = row.Length;
        output = output[..n];
        int start = 0;
        for (; start + cols <= n; start += cols) Combine(matrix.Slice(start, cols), row, output.Slice(start, cols), 1f);
        // A partial last row (only when matrix's length is not a multiple of the row's), element by element as the kernel.
        for (int i = start; i < n; i++) output[i] = matrix[i] + row[i % cols];
    }

    /// <summary>output[r, c] = a[..] op b[..] over shape.Rows x shape.Cols (the kernel's op codes: 0 +, 1 -, 2 *, 3 /).</summary>
    public static void BroadcastForward(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output, Broadcast shape, int op)
    {
        var loop = new BroadcastLoop(a, b, output, shape);
        Arithmetic.Visit(op, ref loop);
    }

    /// <summary><see cref="BroadcastForward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Broadcast, int)"/>'s loop for one op.</summary>
    private readonly ref struct BroadcastLoop(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output, Broadcast shape) : IBinaryVisitor
    {
        private readonly ReadOnlySpan<float> _a = a, _b = b;
        private readonly Span<float> _output = output;

        public void Visit<TOp>() where TOp : struct, IBinaryOp => BroadcastForward<TOp>(_a, _b, _output, shape);
    }

    private static void BroadcastForward<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output, Broadcast shape)
        where TOp : struct, IBinaryOp
    {
        int cols = shape.Cols;
        int items = output.Length;
        for (int r = 0, start = 0; start < items; r++, start += cols)
        {
            int width = Math.Min(cols, items - start);
            Span<float> outRow = output.Slice(start, width);
            int aRow = (shape.ARows == 1 ? 0 : r) * shape.ACols, bRow = (shape.BRows == 1 ? 0 : r) * shape.BCols;
            bool aScalar = shape.ACols == 1, bScalar = shape.BCols == 1;
            int c = 0;
            if (Vectors)
            {
                for (; c + 8 <= width; c += 8)
                {
                    Vector256<float> x = aScalar ? Vector256.Create(a[aRow]) : Vector256.Create(a.Slice(aRow + c, 8));
                    Vector256<float> y = bScalar ? Vector256.Create(b[bRow]) : Vector256.Create(b.Slice(bRow + c, 8));
                    TOp.Apply<Real8>(x, y).Value.CopyTo(outRow.Slice(c, 8));
                }
            }
            for (; c < width; c++) outRow[c] = TOp.Apply<Real>(a[aRow + (aScalar ? 0 : c)], b[bRow + (bScalar ? 0 : c)]);
        }
    }

    /// <summary>
    /// gradient[j] += the sum of g[r, c] * d(a op b)/d(operand) over the output elements reading element j of the operand
    /// (operand 0: a, 1: b), each sum from 0 in the kernel's order (repeated rows outer, repeated columns inner).
    /// </summary>
    public static void BroadcastBackward(ReadOnlySpan<float> g, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> gradient,
        Broadcast shape, int op, int operand)
    {
        int rows = operand == 0 ? shape.ARows : shape.BRows, cols = operand == 0 ? shape.ACols : shape.BCols;
        if (rows == 1 && cols == shape.Cols && shape.Rows > 1)
        {
            ColumnRepeatSums(g, a, b, gradient, shape, op, operand);
            return;
        }
        int rowRepeats = rows == 1 ? shape.Rows : 1, colRepeats = cols == 1 ? shape.Cols : 1;
        for (int j = 0; j < gradient.Length; j++)
        {
            int jr = j / cols, jc = j - jr * cols;
            float sum = 0f;
            for (int rr = 0; rr < rowRepeats; rr++)
            for (int cc = 0; cc < colRepeats; cc++)
            {
                int r = rows == 1 ? rr : jr, c = cols == 1 ? cc : jc;
                sum += g[r * shape.Cols + c] * Local(a[shape.A(r, c)], b[shape.B(r, c)], op, operand);
            }
            gradient[j] += sum;
        }
    }

    /// <summary>
    /// The backward step for an operand (1, Cols) repeated down the rows: per column, the sum over rows in order, eight
    /// columns at a time (each column's order is the kernel's).
    /// </summary>
    private static void ColumnRepeatSums(ReadOnlySpan<float> g, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> gradient,
        Broadcast shape, int op, int operand)
    {
        int cols = shape.Cols, c = 0;
        if (Vectors && shape.ACols == cols && shape.BCols == cols)
        {
            for (; c + 8 <= cols; c += 8)
            {
                Vector256<float> sum = Vector256<float>.Zero;
                for (int r = 0; r < shape.Rows; r++)
                {
                    Vector256<float> x = Vector256.Create(a.Slice(shape.A(r, c), 8)), y = Vector256.Create(b.Slice(shape.B(r, c), 8));
                    sum += Vector256.Create(g.Slice(r * cols + c, 8)) * Local(x, y, op, operand);
                }
                (Vector256.Create(gradient.Slice(c, 8)) + sum).CopyTo(gradient.Slice(c, 8));
            }
        }
        for (; c < cols; c++)
        {
            float sum = 0f;
            for (int r = 0; r < shape.Rows; r++) sum += g[r * cols + c] * Local(a[shape.A(r, c)], b[shape.B(r, c)], op, operand);
            gradient[c] += sum;
        }
    }

    /// <summary>d(x op y)/d(operand), the kernel's formula (<see cref="Arithmetic.Partial{T}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Local(float x, float y, int op, int operand) => Arithmetic.Partial(op, operand, x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Local(Vector256<float> x, Vector256<float> y, int op, int operand) =>
        Arithmetic.Partial<Real8>(op, operand, x, y);
}
