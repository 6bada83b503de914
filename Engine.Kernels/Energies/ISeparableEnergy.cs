namespace TorchEbm.Energies;

/// <summary>
/// An energy that is a sum of one function per coordinate, E(x) = sum_i f(x_i), so dE/dx_i depends on x_i alone.
/// Samplers can then give each coordinate its own work item and keep it in a register for a whole chain.
/// </summary>
public interface ISeparableEnergy : IEnergy
{
    /// <summary>f'(x): the derivative of the energy with respect to one coordinate with value <paramref name="x"/>.</summary>
    float CoordinateGradient(float x);
}
