using TorchEbm.Energies;

namespace TorchEbm.Models;

/// <summary>
/// Receives a model's analytic energy struct with its static type, so a sampler can launch the kernel
/// specialisation for it (double dispatch from a <see cref="BaseModel"/> reference to a generic kernel).
/// </summary>
internal interface IEnergyVisitor<out TResult>
{
    TResult Visit<TEnergy>(TEnergy energy) where TEnergy : struct, IEnergy;

    /// <summary>Called instead of <see cref="Visit{TEnergy}"/> for separable energies; by default the same.</summary>
    TResult VisitSeparable<TEnergy>(TEnergy energy) where TEnergy : struct, ISeparableEnergy => Visit(energy);
}

/// <summary>Implemented by models whose energy is an <see cref="IEnergy"/> struct that kernels can fuse.</summary>
internal interface IAnalyticModel
{
    /// <summary>Smallest sample dimension the energy is defined for.</summary>
    int MinDim { get; }

    /// <summary>Whether <see cref="Accept{TResult}"/> can hand out one energy struct (a composite with an opaque part cannot).</summary>
    bool CanFuse { get; }

    TResult Accept<TResult>(IEnergyVisitor<TResult> visitor);
}
