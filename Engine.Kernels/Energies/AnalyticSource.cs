using ILGPU;
using TorchEbm.Kernels.Samplers;

namespace TorchEbm.Energies;

/// <summary>An analytic energy struct as a chain's <see cref="IEnergySource"/> (it needs no per-chain scratch).</summary>
public readonly struct AnalyticSource<TEnergy>(TEnergy energy) : IEnergySource where TEnergy : struct, IEnergy
{
    /// <summary>The energy.</summary>
    public readonly TEnergy Function = energy;

    /// <inheritdoc />
    public float Energy(int chain, ArrayView<float> x) => Function.Energy(x);

    /// <inheritdoc />
    public void Gradient(int chain, ArrayView<float> x, ArrayView<float> gradient) =>
        EnergyKernels.WriteGradient(Function, x, gradient);

    /// <inheritdoc />
    public float EnergyAndGradient(int chain, ArrayView<float> x, ArrayView<float> gradient)
    {
        EnergyKernels.WriteGradient(Function, x, gradient);
        return Function.Energy(x);
    }
}
