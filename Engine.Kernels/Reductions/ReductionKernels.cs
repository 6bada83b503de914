using ILGPU;
using TorchEbm.Launch;
using TorchEbm.Numerics;

namespace TorchEbm.Reductions;

/// <summary>
/// Sums in a fixed order (no atomics), so a loss or a gradient is the same bit for bit on every run and layout: each
/// output is one <see cref="Sums.Of"/> over its terms, in index order.
/// </summary>
public static class ReductionKernels
{
    /// <summary>Elements one work item of <see cref="SumBlocks"/> adds up in order.</summary>
    public const int BlockSize = 256;

    /// <summary>partials[b] = input[b * BlockSize] + ... in order, for each block b (work items: blocks).</summary>
    [Kernel]
    public static void SumBlocks(ArrayView<float> input, ArrayView<float> partials)
    {
        int n = input.IntLength, blocks = partials.IntLength, stride = GridStride.Stride;
        for (int b = GridStride.Start; b < blocks; b += stride)
        {
            int start = b * BlockSize, end = start + BlockSize < n ? start + BlockSize : n;
            partials[b] = Sums.Of<Real, IntTerms>(new IntTerms(input, start, 1), end - start);
        }
    }

    /// <summary>
    /// output[c] (+)= sum over rows r of matrix[r, c], rows in order, for a (rows, cols) matrix (work items: cols).
    /// accumulate = 0 overwrites, 1 adds to output.
    /// </summary>
    [Kernel]
    public static void ColumnSums(ArrayView<float> matrix, ArrayView<float> output, int accumulate)
    {
        int cols = output.IntLength, rows = matrix.IntLength / cols, stride = GridStride.Stride;
        for (int c = GridStride.Start; c < cols; c += stride)
        {
            float sum = Sums.Of<Real, IntTerms>(new IntTerms(matrix, c, cols), rows);
            output[c] = accumulate != 0 ? output[c] + sum : sum;
        }
    }

    /// <summary>
    /// The terms values[first + k * step] with 32-bit index arithmetic, as these kernels indexed before they shared
    /// <see cref="Sums.Of"/> (their views' lengths are ints; <see cref="StridedTerms"/>' 64-bit indexes cost them 10 and 13
    /// more registers in ptxas for sm_90).
    /// </summary>
    private readonly struct IntTerms(ArrayView<float> values, int first, int step) : ITerms<Real>
    {
        public Real this[int k] => values[first + k * step];
    }
}
