using ILGPU;

namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>
/// The warm-up work <see cref="CpuChains"/> does right after every step of a fused warm-up launch, chain by chain, so a
/// block of warm-up steps is one launch instead of one launch (and one host round trip) per step: the dual-averaging
/// update of each chain's own step-size scale (<see cref="AdaptationKernels.UpdateScale"/>,
/// the same body the per-step path runs) and, in a mass window, a copy of the positions after step s at
/// <see cref="Positions"/>[(s * chains + c) * d], from which the caller accumulates the window's moments in step order.
/// The default value does nothing.
/// </summary>
/// <param name="Scales">Per-chain step-size scales (one per chain), or empty to adapt none.</param>
/// <param name="State">Their dual-averaging state (<see cref="AdaptationKernels.StateSize"/> floats per scale).</param>
/// <param name="Target">The target acceptance probability.</param>
/// <param name="Positions">Room for the positions after every step of the launch (steps x chains x d), or empty.</param>
internal readonly record struct LaneAdaptation(ArrayView<float> Scales, ArrayView<float> State, float Target, ArrayView<float> Positions)
{
    /// <summary>Whether it adapts step sizes.</summary>
    public bool AdaptsSteps => Scales.Length > 0;

    /// <summary>Whether it keeps every step's positions.</summary>
    public bool KeepsPositions => Positions.Length > 0;
}
