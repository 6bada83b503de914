using ILGPU;
using TorchEbm.Launch;

namespace TorchEbm.Elementwise;

/// <summary>Kernels over the columns of a row-major (n, dim) matrix: picking a range of them, and sums along rows.</summary>
public static class ColumnKernels
{
    /// <summary>output[r, k] = x[r, start + k] for k &lt; count (output (n, count); work items: n * count).</summary>
    [Kernel]
    public static void Gather(ArrayView<float> x, ArrayView<float> output, int dim, int start, int count)
    {
        int items = output.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < items; i += stride)
        {
            int r = i / count, k = i - r * count;
            output[i] = x[(long)r * dim + start + k];
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

    /// <summary>output[r] = factor * sum over j of x[r, j], summed in column order (work items: rows).</summary>
    [Kernel]
    public static void RowSums(ArrayView<float> x, ArrayView<float> output, int dim, float factor)
    {
        int rows = output.IntLength, stride = GridStride.Stride;
        for (int r = GridStride.Start; r < rows; r += stride)
        {
            float sum = 0f;
            for (int j = 0; j < dim; j++) sum += x[(long)r * dim + j];
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
}
