using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Integrators;

/// <summary>
/// The integrators' kernels beyond plain element-wise combinations: the Euler-Maruyama update with its Philox noise, and
/// the per-row error norm of an adaptive step.
/// </summary>
public static class IntegratorKernels
{
    /// <summary>
    /// x[r, j] += h drift[r, j] + noiseScale z for every row r of the (n, dim) state (work items: rows), z ~ N(0, 1) from
    /// Philox block (r, step, j / 4, call), as the samplers key their chains' noise: the draws do not depend on the grid.
    /// </summary>
    [Kernel]
    public static void EulerMaruyamaStep(ArrayView<float> x, ArrayView<float> drift, int dim, float h, float noiseScale,
        Philox4x32 rng, uint step, uint call)
    {
        int rows = x.IntLength / dim, stride = GridStride.Stride;
        for (int r = GridStride.Start; r < rows; r += stride)
        {
            long first = (long)r * dim;
            for (int j = 0; j < dim; j += 4)
            {
                Float4 z = ChainState.Normals(rng, (uint)r, step, j, dim, call);
                x[first + j] += h * drift[first + j] + noiseScale * z.X;
                if (j + 1 < dim) x[first + j + 1] += h * drift[first + j + 1] + noiseScale * z.Y;
                if (j + 2 < dim) x[first + j + 2] += h * drift[first + j + 2] + noiseScale * z.Z;
                if (j + 3 < dim) x[first + j + 3] += h * drift[first + j + 3] + noiseScale * z.W;
            }
        }
    }

    /// <summary>
    /// output[r] = sum over j of (error[r, j] / (atol + rtol max(|x[r, j]|, |next[r, j]|)))^2 (work items: rows): the
    /// squares of Hairer's scaled error, summed along each row in column order; NaN stays NaN.
    /// </summary>
    [Kernel]
    public static void ScaledSquaredError(ArrayView<float> error, ArrayView<float> x, ArrayView<float> next, ArrayView<float> output,
        int dim, float atol, float rtol)
    {
        int rows = output.IntLength, stride = GridStride.Stride;
        for (int r = GridStride.Start; r < rows; r += stride)
        {
            long first = (long)r * dim;
            float sum = 0f;
            for (int j = 0; j < dim; j++)
            {
                float scale = atol + rtol * XMath.Max(XMath.Abs(x[first + j]), XMath.Abs(next[first + j]));
                float e = error[first + j] / scale;
                sum += e * e;
            }
            output[r] = sum;
        }
    }
}
