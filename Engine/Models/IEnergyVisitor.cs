using TorchEbm.Energies;

namespace TorchEbm.Models;

/// <summary>
/// Receives a model's analytic energy struct with its static type, so a sampler can launch the kernel
/// specialisation for it (double dispatch from a <see cref="BaseModel"/> reference to a generic kernel).
/// </summary>
internal interface IEnergyVisitor<out TResult>
{
    TResult Visit<TEnergy>(TEnergy energy) where TEnergy : struct, IEnergy;
}

/// <summary>Implemented by models whose energy is an <see cref="IEnergy"/> struct that kernels can fuse.</summary>
internal interface IAnalyticModel
{
    TResult Accept<TResult>(IEnergyVisitor<TResult> visitor);
}
