using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Launch;

namespace TorchEbm.Metrics;

/// <summary>Stein-kernel sums for the kernel Stein discrepancy, one row per work item, in a fixed order.</summary>
public static class KsdKernels
{
    /// <summary>
    /// rowSums[i] = sum over j != i, in order, of the Stein kernel u(x_i, x_j) of the inverse multiquadric kernel
    /// k = q^beta, q = c^2 + |r|^2, r = x_i - x_j, with scores s = -gradient:
    /// u = k s_i.s_j + 2 beta q^(beta-1) (s_j - s_i).r - 2 beta d q^(beta-1) - 4 beta (beta-1) q^(beta-1) |r|^2 / q.
    /// x and gradient (dE/dx) are (n x dim), row-major; work items: n.
    /// </summary>
    /// <remarks>
    /// One float32 exp(log) per pair gives every power (XMath.Pow goes through float64 in PTX): k = q^(beta-1) q and
    /// q^(beta-2) |r|^2 = q^(beta-1) (|r|^2 / q), whose last factor is at most 1.
    /// </remarks>
    [Kernel]
    public static void RowSums(ArrayView<float> x, ArrayView<float> gradient, ArrayView<float> rowSums, int dim, float cSquared, float beta)
    {
        int n = rowSums.IntLength, stride = GridStride.Stride;
        float d = dim;
        for (int i = GridStride.Start; i < n; i += stride)
        {
            float sum = 0f;
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                // With g = dE/dx = -s: s_i.s_j = g_i.g_j and (s_j - s_i).r = (g_i - g_j).r.
                float r2 = 0f, gg = 0f, gr = 0f;
                for (int c = 0; c < dim; c++)
                {
                    float r = x[i * dim + c] - x[j * dim + c];
                    float gi = gradient[i * dim + c], gj = gradient[j * dim + c];
                    r2 += r * r;
                    gg += gi * gj;
                    gr += (gi - gj) * r;
                }
                float q = cSquared + r2;
                float p = XMath.Exp((beta - 1f) * XMath.Log(q)); // q^(beta-1)
                float k = p * q;
                float twoBetaP = 2f * beta * p;
                sum += k * gg + twoBetaP * gr - twoBetaP * d - 2f * twoBetaP * (beta - 1f) * (r2 / q);
            }
            rowSums[i] = sum;
        }
    }
}
