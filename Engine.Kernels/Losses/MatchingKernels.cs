using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Losses;

/// <summary>
/// What the matching losses (equilibrium matching, energy matching) add to an interpolant's path point: their targets
/// and weights, one row of d per work item, from given noise and times (time 0 is noise, time 1 data).
/// </summary>
public static class MatchingKernels
{
    /// <summary>
    /// Equilibrium matching's target (Wang et al. 2025): for row r with time g = gamma[r], target = c(g) (eps - x) with
    /// the truncated decay c(g) = multiplier * min(1, (1 - g) / (1 - threshold)).
    /// </summary>
    [Kernel]
    public static void EquilibriumTarget(ArrayView<float> data, ArrayView<float> noise, ArrayView<float> gamma, ArrayView<float> target,
        int d, float threshold, float multiplier)
    {
        int rows = (int)gamma.Length, stride = GridStride.Stride;
        for (int r = GridStride.Start; r < rows; r += stride)
        {
            float c = multiplier * XMath.Min(1f, (1f - gamma[r]) / (1f - threshold));
            for (int j = 0; j < d; j++)
            {
                int i = r * d + j;
                target[i] = c * (noise[i] - data[i]);
            }
        }
    }

    /// <summary>
    /// Energy matching's flow term (Balcerak et al. 2025): for row r with time t = time[r], point += sigma xi (the
    /// smoothing of the path point) and weight[r] = clamp((1 - t) / (1 - cutoff), 0, 1), the gate that fades the flow out
    /// near the data (cutoff >= 1: weight 1).
    /// </summary>
    [Kernel]
    public static void FlowSmoothing(ArrayView<float> time, ArrayView<float> smoothing, ArrayView<float> point, ArrayView<float> weight,
        int d, float sigma, float cutoff)
    {
        int rows = (int)time.Length, stride = GridStride.Stride;
        for (int r = GridStride.Start; r < rows; r += stride)
        {
            weight[r] = cutoff >= 1f ? 1f : XMath.Clamp((1f - time[r]) / (1f - cutoff), 0f, 1f);
            for (int j = 0; j < d; j++) point[r * d + j] += sigma * smoothing[r * d + j];
        }
    }
}
