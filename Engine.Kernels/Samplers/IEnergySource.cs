using ILGPU;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// Where a chain gets its energy and gradient inside a sampler kernel: an analytic energy struct
/// (<see cref="TorchEbm.Energies.AnalyticSource{TEnergy}"/>) or a fused network with its per-chain scratch
/// (<see cref="TorchEbm.Networks.MlpSource{TFn}"/>). Implemented by structs, so each chain kernel is compiled once
/// per source with no virtual calls on the device.
/// </summary>
/// <remarks>Implementations must be float32-only and free of exceptions and allocations (they run on the GPU).
/// A source may keep per-chain scratch, so a chain only ever passes its own index.</remarks>
public interface IEnergySource
{
    /// <summary>E(x) for chain <paramref name="chain"/> at its state <paramref name="x"/> (length d).</summary>
    float Energy(int chain, ArrayView<float> x);

    /// <summary>Overwrites <paramref name="gradient"/> (length d) with dE/dx at chain <paramref name="chain"/>'s state <paramref name="x"/>.</summary>
    void Gradient(int chain, ArrayView<float> x, ArrayView<float> gradient);

    /// <summary>
    /// Overwrites <paramref name="gradient"/> with dE/dx at <paramref name="x"/> and returns E(x), sharing the work of
    /// both where the source can (a network's forward pass serves both).
    /// </summary>
    float EnergyAndGradient(int chain, ArrayView<float> x, ArrayView<float> gradient);
}
