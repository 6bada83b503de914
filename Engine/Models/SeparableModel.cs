using TorchEbm.Energies;

namespace TorchEbm.Models;

/// <summary>
/// An analytic model whose energy is a sum over coordinates (<see cref="ISeparableEnergy"/>): samplers give each
/// coordinate block of each chain its own work item, which keeps the state in registers in high dimension.
/// </summary>
/// <typeparam name="TEnergy">The separable energy struct the kernels are specialised for.</typeparam>
public abstract class SeparableModel<TEnergy> : AnalyticModel<TEnergy> where TEnergy : struct, ISeparableEnergy
{
    /// <summary>Creates the model on <paramref name="device"/>.</summary>
    protected SeparableModel(Device device) : base(device) { }

    private protected override TResult Accept<TResult>(IEnergyVisitor<TResult> visitor) => visitor.VisitSeparable(Energy);

    private protected override EnergySource CreateSource() => new SeparableEnergySource<TEnergy>(Energy);
}
