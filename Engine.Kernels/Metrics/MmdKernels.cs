using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Launch;

namespace TorchEbm.Metrics;

/// <summary>Gaussian-kernel sums for the maximum mean discrepancy, one row per work item, in a fixed order.</summary>
public static class MmdKernels
{
    /// <summary>
    /// rowSums[i] = sum over j of exp(-|a_i - b_j|^2 * gamma), skipping j = i when <paramref name="skipDiagonal"/> is 1
    /// (a and b the same set). a is (n x dim), b is (m x dim), row-major; work items: n.
    /// </summary>
    [Kernel]
    public static void RowSums(ArrayView<float> a, ArrayView<float> b, ArrayView<float> rowSums, int dim, float gamma, int skipDiagonal)
    {
        int n = rowSums.IntLength, m = b.IntLength / dim, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
        {
            float sum = 0f;
            for (int j = 0; j < m; j++)
            {
                if (skipDiagonal != 0 && j == i) continue;
                float d2 = 0f;
                for (int c = 0; c < dim; c++)
                {
                    float diff = a[i * dim + c] - b[j * dim + c];
                    d2 += diff * diff;
                }
                sum += XMath.Exp(-gamma * d2);
            }
            rowSums[i] = sum;
        }
    }

    /// <summary>distances[i * n + j] = |p_i - p_j|^2 for the n rows of <paramref name="points"/> (n x dim); work items: n.</summary>
    [Kernel]
    public static void SquaredDistances(ArrayView<float> points, ArrayView<float> distances, int dim)
    {
        int n = points.IntLength / dim, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < n; i += stride)
        for (int j = 0; j < n; j++)
        {
            float d2 = 0f;
            for (int c = 0; c < dim; c++)
            {
                float diff = points[i * dim + c] - points[j * dim + c];
                d2 += diff * diff;
            }
            distances[i * n + j] = d2;
        }
    }
}
