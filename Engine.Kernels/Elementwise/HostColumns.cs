using System.Runtime.Intrinsics;
using TorchEbm.Numerics;
using TorchEbm.Reductions;

namespace TorchEbm.Elementwise;

/// <summary>
/// The host twins of the column kernels (<see cref="ColumnKernels"/> Gather, ScatterAdd, RowSums, AddToRows, and
/// <see cref="ReductionKernels"/>' ColumnSums and SumBlocks) over spans of CPU-accelerator memory: the same float
/// operations in the same order as each kernel, so results are bit-identical. Every sum is the kernels' own
/// <see cref="Sums.Of"/>: along a row over <see cref="Real"/> (sequential), down the columns over <see cref="Real8"/>,
/// eight columns at a time, each column still summed row by row.
/// </summary>
internal static class HostColumns
{
    /// <summary>output[r, k] (+)= x[r, start + k] for k below count; output (n, count), x (n, dim).</summary>
    public static void Gather(ReadOnlySpan<float> x, Span<float> output, int dim, int start, int count, bool accumulate)
    {
        for (int o = 0, r = 0; o < output.Length; o += count, r++)
        {
            int width = Math.Min(count, output.Length - o);
            ReadOnlySpan<float> source = x.Slice(r * dim + start, width);
            if (accumulate) HostElementwise.AddScaled(source, output.Slice(o, width), 1f);
            else source.CopyTo(output.Slice(o, width));
        }
    }

    /// <summary>gradient[r, start + k] += g[r, k]: the backward step of <see cref="Gather"/>.</summary>
    public static void ScatterAdd(ReadOnlySpan<float> g, Span<float> gradient, int dim, int start, int count)
    {
        for (int o = 0, r = 0; o < g.Length; o += count, r++)
        {
            int width = Math.Min(count, g.Length - o);
            // 1f * g is g exactly, so this is the kernel's gradient + g.
            HostElementwise.AddScaled(g.Slice(o, width), gradient.Slice(r * dim + start, width), 1f);
        }
    }

    /// <summary>output[r] = factor * (x[r, 0] + x[r, 1] + ...), each row summed in column order.</summary>
    public static void RowSums(ReadOnlySpan<float> x, Span<float> output, int dim, float factor)
    {
        for (int r = 0; r < output.Length; r++)
        {
            float sum = Sums.Of<Real, SpanTerms>(new SpanTerms(x.Slice(r * dim, dim)), dim);
            output[r] = factor * sum;
        }
    }

    /// <summary>gradient[r, j] += factor * g[r] for every column j.</summary>
    public static void AddToRows(ReadOnlySpan<float> g, Span<float> gradient, int dim, float factor)
    {
        int rows = (gradient.Length + dim - 1) / dim;
        for (int r = 0; r < rows; r++)
        {
            int start = r * dim, width = Math.Min(dim, gradient.Length - start);
            float value = factor * g[r];
            Span<float> row = gradient.Slice(start, width);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
                for (Vector256<float> v = Vector256.Create(value); j + 8 <= width; j += 8)
                    (Vector256.Create(row.Slice(j, 8)) + v).CopyTo(row.Slice(j, 8));
            for (; j < width; j++) row[j] += value;
        }
    }

    /// <summary>output[c] (+)= the sum over rows r, in order, of matrix[r, c] (cols = output's length).</summary>
    public static void ColumnSums(ReadOnlySpan<float> matrix, Span<float> output, bool accumulate)
    {
        int cols = output.Length, rows = matrix.Length / cols, c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; c + 8 <= cols; c += 8)
            {
                Vector256<float> sum = Sums.Of<Real8, ColumnTerms8>(new ColumnTerms8(matrix, cols, c), rows);
                (accumulate ? Vector256.Create(output.Slice(c, 8)) + sum : sum).CopyTo(output.Slice(c, 8));
            }
        }
        for (; c < cols; c++)
        {
            float sum = Sums.Of<Real, ColumnTerms>(new ColumnTerms(matrix, cols, c), rows);
            output[c] = accumulate ? output[c] + sum : sum;
        }
    }

    /// <summary>
    /// The sum of every element as <see cref="Reduce.Sum(Tensor)"/> computes it with <see cref="ReductionKernels.SumBlocks"/>:
    /// blocks of <see cref="ReductionKernels.BlockSize"/> summed in order, then their partial sums the same way, until one is left.
    /// </summary>
    public static float Sum(ReadOnlySpan<float> input)
    {
        const int block = ReductionKernels.BlockSize;
        if (input.Length <= block) return SumInOrder(input);
        int blocks = (input.Length + block - 1) / block;
        Span<float> partials = blocks <= 1024 ? stackalloc float[blocks] : new float[blocks];
        int count = BlockSums(input, partials);
        while (count > 1) count = BlockSums(partials[..count], partials);
        return partials[0];
    }

    /// <summary>partials[b] = the in-order sum of block b; returns the number of blocks (partials may alias input's start).</summary>
    private static int BlockSums(ReadOnlySpan<float> input, Span<float> partials)
    {
        const int block = ReductionKernels.BlockSize;
        int blocks = (input.Length + block - 1) / block;
        for (int b = 0; b < blocks; b++)
        {
            int start = b * block;
            // Block b is read before partials[b] is written, and partials[b] lies at or before block b's start.
            partials[b] = SumInOrder(input.Slice(start, Math.Min(block, input.Length - start)));
        }
        return blocks;
    }

    private static float SumInOrder(ReadOnlySpan<float> values) => Sums.Of<Real, SpanTerms>(new SpanTerms(values), values.Length);

    /// <summary>The terms values[k] of a span (a row, a block).</summary>
    private readonly ref struct SpanTerms(ReadOnlySpan<float> values) : ITerms<Real>
    {
        private readonly ReadOnlySpan<float> _values = values;

        public Real this[int k] => _values[k];
    }

    /// <summary>The terms matrix[k, column] of a row-major matrix with <c>cols</c> columns: one column, row by row.</summary>
    private readonly ref struct ColumnTerms(ReadOnlySpan<float> matrix, int cols, int column) : ITerms<Real>
    {
        private readonly ReadOnlySpan<float> _matrix = matrix;

        public Real this[int k] => _matrix[k * cols + column];
    }

    /// <summary>Columns first .. first + 7 of row k as one vector: eight columns summed at once, each still row by row.</summary>
    private readonly ref struct ColumnTerms8(ReadOnlySpan<float> matrix, int cols, int first) : ITerms<Real8>
    {
        private readonly ReadOnlySpan<float> _matrix = matrix;

        public Real8 this[int k] => Vector256.Create(_matrix.Slice(k * cols + first, 8));
    }
}
