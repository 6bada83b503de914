using ILGPU;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Interpolants;

/// <summary>The interpolants' batched kernel: x_t and its velocity target for every row at that row's time.</summary>
public static class InterpolantKernels
{
    /// <summary>
    /// xt[r, j] = alpha(t_r) x1[r, j] + sigma(t_r) x0[r, j] and ut[r, j] = alpha'(t_r) x1[r, j] + sigma'(t_r) x0[r, j]
    /// for every row r of the (n, dim) inputs, t (n) (work items: n * dim).
    /// </summary>
    [Kernel]
    public static void Interpolate<TSchedule>(ArrayView<float> x0, ArrayView<float> x1, ArrayView<float> t, ArrayView<float> xt,
        ArrayView<float> ut, int dim, TSchedule schedule)
        where TSchedule : struct, IInterpolationSchedule
    {
        int items = xt.IntLength, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < items; i += stride)
        {
            InterpolationCoefficients c = schedule.At(t[i / dim]);
            float noise = x0[i], data = x1[i];
            xt[i] = c.Alpha * data + c.Sigma * noise;
            ut[i] = c.AlphaDerivative * data + c.SigmaDerivative * noise;
        }
    }
}
