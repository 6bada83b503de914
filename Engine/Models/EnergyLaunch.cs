using TorchEbm.Energies;

namespace TorchEbm.Models;

/// <summary>Batched energies and gradients of an analytic energy struct: one launch each, for every analytic model.</summary>
internal static class EnergyLaunch
{
    /// <summary>E(x) for every row of x (n, d): a new (n) tensor.</summary>
    public static Tensor Energies<TEnergy>(Tensor x, TEnergy energy) where TEnergy : struct, IEnergy
    {
        Tensor energies = x.Device.Allocate([x.Dim(0)]);
        x.Device.Launch(EnergyKernels.Forward, x.Dim(0), x.View, energies.View, x.Dim(1), energy);
        return energies;
    }

    /// <summary>dE/dx for every row of x (n, d): a new (n, d) tensor.</summary>
    public static Tensor Gradients<TEnergy>(Tensor x, TEnergy energy) where TEnergy : struct, IEnergy
    {
        Tensor gradient = x.Device.Allocate(x.Shape);
        x.Device.Launch(EnergyKernels.Gradient, x.Dim(0), x.View, gradient.View, x.Dim(1), energy);
        return gradient;
    }
}
