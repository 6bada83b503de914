using ILGPU;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// A Metropolis sampler's step size: the schedule's value at the launch step times a scale that warm-up adaptation
/// tunes, one shared by all chains (a one-element <paramref name="Scales"/>) or one per chain.
/// </summary>
/// <param name="Table">Schedule values per launch step (the last entry holds from there on).</param>
/// <param name="Scales">Step-size factor: one value, or one per chain.</param>
public readonly record struct AdaptiveStepSize(ArrayView<float> Table, ArrayView<float> Scales)
{
    /// <summary>Chain <paramref name="chain"/>'s step size at launch step <paramref name="s"/>.</summary>
    public float At(int s, int chain) =>
        LangevinTransition.At(Table, s) * Scales[Scales.IntLength == 1 ? 0 : chain];
}
