using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Losses;

/// <summary>
/// The regression points and targets of the matching losses (equilibrium matching, energy matching) on the linear path
/// from noise (time 0) to data (time 1), one row of d per work item, from given noise and times.
/// </summary>
public static class MatchingKernels
{
    /// <summary>
    /// Equilibrium matching (Wang et al. 2025): for row r with time g = gamma[r], point = g x + (1 - g) eps and target =
    /// c(g) (eps - x) with the truncated decay c(g) = multiplier * min(1, (1 - g) / (1 - threshold)).
    /// </summary>
    [Kernel]
    public static void Equilibrium(ArrayView<float> data, ArrayView<float> noise, ArrayView<float> gamma, ArrayView<float> point,
        ArrayView<float> target, int d, float threshold, float multiplier)
    {
        int rows = (int)gamma.Length, stride = GridStride.Stride;
        for (int r = GridStride.Start; r < rows; r += stride)
        {
            float g = gamma[r];
            float c = multiplier * XMath.Min(1f, (1f - g) / (1f - threshold));
            for (int j = 0; j < d; j++)
            {
                int i = r * d + j;
                float x = data[i], e = noise[i];
                point[i] = g * x + (1f - g) * e;
                target[i] = c * (e - x);
            }
        }
    }

    /// <summary>
    /// Energy matching's flow term (Balcerak et al. 2025): for row r with time t = time[r], point = (1 - t) x0 + t x1 +
    /// sigma xi, target = x1 - x0 (the straight path's velocity) and weight[r] = clamp((1 - t) / (1 - cutoff), 0, 1), the
    /// gate that fades the flow out near the data (cutoff >= 1: weight 1).
    /// </summary>
    [Kernel]
    public static void Flow(ArrayView<float> source, ArrayView<float> data, ArrayView<float> time, ArrayView<float> smoothing,
        ArrayView<float> point, ArrayView<float> target, ArrayView<float> weight, int d, float sigma, float cutoff)
    {
        int rows = (int)time.Length, stride = GridStride.Stride;
        for (int r = GridStride.Start; r < rows; r += stride)
        {
            float t = time[r];
            weight[r] = cutoff >= 1f ? 1f : XMath.Clamp((1f - t) / (1f - cutoff), 0f, 1f);
            for (int j = 0; j < d; j++)
            {
                int i = r * d + j;
                float x0 = source[i], x1 = data[i];
                point[i] = (1f - t) * x0 + t * x1 + sigma * smoothing[i];
                target[i] = x1 - x0;
            }
        }
    }
}
