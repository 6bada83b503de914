using ILGPU;
using TorchEbm.Launch;
using TorchEbm.Numerics;
using TorchEbm.Reductions;

namespace TorchEbm.Elementwise;

/// <summary>Kernels over the columns of a row-major (n, dim) matrix: picking a range of them, and sums along rows.</summary>
public static class ColumnKernels
{
    /// <summary>
    /// output[r, k] = x[r, start + k] for k &lt; count (output (n, count); work items: n * count); with accumulate = 1,
    /// output[r, k] += x[r, start + k].
    /// </summary>
    [Kernel]
    public static void Gather(ArrayView<float> x, ArrayView<float> output, int dim, int start, int count, int accumulate)
    {
        int items = output.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < items; i += stride)
        {
            int r = i / count, k = i - r * count;
            float v = x[(long)r * dim + start + k];
            output[i] = accumulate != 0 ? output[i] + v : v;
        }
    }

    /// <summary>gradient[r, start + k] += g[r, k] (the backward step of <see cref="Gather"/>; work items: n * count).</summary>
    [Kernel]
    public static void ScatterAdd(ArrayView<float> g, ArrayView<float> gradient, int dim, int start, int count)
    {
        int items = g.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < items; i += stride)
        {
            int r = i / count, k = i - r * count;
            gradient[(long)r * dim + start + k] += g[i];
        }
    }

    /// <summary>output[r] = factor * sum over j of x[r, j], summed in column order (<see cref="Sums.Of"/>; work items: rows).</summary>
    [Kernel]
    public static void RowSums(ArrayView<float> x, ArrayView<float> output, int dim, float factor)
    {
        int rows = output.IntLength, stride = GridStride.Stride;
        for (int r = GridStride.Start; r < rows; r += stride)
        {
            float sum = Sums.Of<Real, StridedTerms>(new StridedTerms(x, (long)r * dim, 1), dim);
            output[r] = factor * sum;
        }
    }

    /// <summary>gradient[r, j] += factor * g[r] for every column j (the backward step of <see cref="RowSums"/>; work items: n * dim).</summary>
    [Kernel]
    public static void AddToRows(ArrayView<float> g, ArrayView<float> gradient, int dim, float factor)
    {
        int items = gradient.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < items; i += stride) gradient[i] += factor * g[i / dim];
    }

    /// <summary>
    /// output[o] = log sum over k &lt; inner of exp(x[o * outerStride + k * innerStride]), shifted by the maximum so
    /// it neither overflows nor underflows (work items: outputs). Rows: inner = d, strides (d, 1); columns: inner = n, strides (1, d).
    /// </summary>
    [Kernel]
    public static void LogSumExp(ArrayView<float> x, ArrayView<float> output, int inner, int outerStride, int innerStride)
    {
        int items = output.IntLength, stride = GridStride.Stride;
        for (int o = GridStride.Start; o < items; o += stride)
            output[o] = LogSumExps.Of<Real, bool, StridedTerms>(new StridedTerms(x, (long)o * outerStride, innerStride), inner);
    }

    /// <summary>
    /// The backward step of <see cref="LogSumExp"/>: gradient[..] += g[o] * exp(x[..] - lse[o]) (the softmax) over each
    /// output's inputs (work items: outputs).
    /// </summary>
    [Kernel]
    public static void LogSumExpBackward(ArrayView<float> x, ArrayView<float> lse, ArrayView<float> g, ArrayView<float> gradient,
        int inner, int outerStride, int innerStride)
    {
        int items = lse.IntLength, stride = GridStride.Stride;
        for (int o = GridStride.Start; o < items; o += stride)
        {
            long first = (long)o * outerStride;
            for (int k = 0; k < inner; k++)
            {
                long i = first + (long)k * innerStride;
                gradient[i] += g[o] * LogSumExps.Softmax<Real, bool>(x[i], lse[o]);
            }
        }
    }
}
