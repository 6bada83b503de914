using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Samplers;

/// <summary>Per-kept-step statistics over chains, each reduced sequentially in chain order (deterministic).</summary>
public static class DiagnosticsKernels
{
    /// <summary>
    /// For trajectory (kept, chains, dim): means[k, j] and population variances[k, j] over chains, two-pass.
    /// Work items: kept * dim.
    /// </summary>
    [Kernel]
    public static void ColumnMoments(ArrayView<float> trajectory, ArrayView<float> means, ArrayView<float> variances, int chains, int dim)
    {
        int items = means.IntLength, stride = GridStride.Stride;
        for (int item = GridStride.Start; item < items; item += stride)
        {
            int k = item / dim, j = item % dim;
            long first = (long)k * chains * dim + j;
            float sum = 0f;
            for (int c = 0; c < chains; c++) sum += trajectory[first + (long)c * dim];
            float mean = sum / chains, squares = 0f;
            for (int c = 0; c < chains; c++)
            {
                float u = trajectory[first + (long)c * dim] - mean;
                squares += u * u;
            }
            means[item] = mean;
            variances[item] = squares / chains;
        }
    }

    /// <summary>means[k] = mean of values[k * group .. (k + 1) * group). Work items: means.Length.</summary>
    [Kernel]
    public static void GroupMeans(ArrayView<float> values, ArrayView<float> means, int group)
    {
        int items = means.IntLength, stride = GridStride.Stride;
        for (int k = GridStride.Start; k < items; k += stride)
        {
            float sum = 0f;
            for (int c = 0; c < group; c++) sum += values[(long)k * group + c];
            means[k] = sum / group;
        }
    }

    /// <summary>flags[c] = 1 when row c of x (chains, dim) holds a NaN or an infinity, else 0. Work items: chains.</summary>
    [Kernel]
    public static void NonFiniteRows(ArrayView<float> x, ArrayView<float> flags, int dim)
    {
        int items = flags.IntLength, stride = GridStride.Stride;
        for (int c = GridStride.Start; c < items; c += stride)
        {
            float flag = 0f;
            for (int j = 0; j < dim; j++)
            {
                float v = x[(long)c * dim + j];
                if (XMath.IsNaN(v) || XMath.IsInfinity(v)) flag = 1f;
            }
            flags[c] = flag;
        }
    }

    /// <summary>output[i] = factor * the unsigned integer stored in the bits of counts[i] (the chains' accept and divergence counts).</summary>
    [Kernel]
    public static void ScaleCounts(ArrayView<float> counts, ArrayView<float> output, float factor)
    {
        int items = output.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < items; i += stride)
            output[i] = factor * (float)(long)Interop.FloatAsInt(counts[i]); // through long: uint to float is float64 math in PTX
    }
}
