using ILGPU;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Training;

/// <summary>Minibatches of a training loop, drawn on the device.</summary>
public static class BatchKernels
{
    /// <summary>
    /// batch[i, :] = data[permutation.Map(first + i), :] for every row i of batch (work items: rows of batch).
    /// The caller checks that first + batch rows &lt;= permutation.Rows = data rows.
    /// </summary>
    [Kernel(Hot = true)]
    public static void Gather(ArrayView<float> data, ArrayView<float> batch, int dim, int first, RowPermutation permutation)
    {
        int rows = batch.IntLength / dim, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < rows; i += stride)
        {
            int row = permutation.Map(first + i);
            for (int j = 0; j < dim; j++) batch[i * dim + j] = data[row * dim + j];
        }
    }
}
