using System.Runtime.Intrinsics;

namespace TorchEbm.Energies;

/// <summary>
/// An energy that is a sum of one function per coordinate, E(x) = sum_i f(x_i), so dE/dx_i depends on x_i alone.
/// Samplers can then give each coordinate its own work item and keep it in a register for a whole chain.
/// </summary>
public interface ISeparableEnergy : IEnergy
{
    /// <summary>f'(x): the derivative of the energy with respect to one coordinate with value <paramref name="x"/>.</summary>
    float CoordinateGradient(float x);

    /// <summary>
    /// f' of eight coordinates at once, for host SIMD code on the CPU (never called in a kernel). Lane by lane the same
    /// float operations in the same order as the scalar overload, so it is bit-identical wherever f' has no
    /// transcendental; transcendentals (Rastrigin's sine) agree to float rounding.
    /// </summary>
    Vector256<float> CoordinateGradient(Vector256<float> x);
}
