using ILGPU;
using TorchEbm.Kernels.Samplers;

namespace TorchEbm.Energies;

/// <summary>
/// A separable energy struct as a chain's <see cref="IEnergySource"/>: each gradient coordinate is written in one pass
/// from its own coordinate (no zeroing pass, no accumulation), the same values <see cref="AnalyticSource{TEnergy}"/> gives.
/// </summary>
public readonly struct SeparableSource<TEnergy>(TEnergy energy) : IEnergySource where TEnergy : struct, ISeparableEnergy
{
    /// <summary>The energy.</summary>
    public readonly TEnergy Function = energy;

    /// <inheritdoc />
    public float Energy(int chain, ArrayView<float> x) => Function.Energy(x);

    /// <inheritdoc />
    public void Gradient(int chain, ArrayView<float> x, ArrayView<float> gradient)
    {
        for (int i = 0; i < gradient.IntLength; i++) gradient[i] = Function.CoordinateGradient(x[i]);
    }

    /// <inheritdoc />
    public float EnergyAndGradient(int chain, ArrayView<float> x, ArrayView<float> gradient)
    {
        Gradient(chain, x, gradient);
        return Function.Energy(x);
    }
}
