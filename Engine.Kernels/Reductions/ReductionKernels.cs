using ILGPU;
using TorchEbm.Launch;

namespace TorchEbm.Reductions;

/// <summary>
/// Sums in a fixed order (no atomics), so a loss or a gradient is the same bit for bit on every run and layout.
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
            float sum = 0f;
            for (int i = start; i < end; i++) sum += input[i];
            partials[b] = sum;
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
            float sum = 0f;
            for (int r = 0; r < rows; r++) sum += matrix[r * cols + c];
            output[c] = accumulate != 0 ? output[c] + sum : sum;
        }
    }
}
