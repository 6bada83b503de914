using System.Runtime.Intrinsics;

namespace TorchEbm.Energies;

/// <summary>
/// An analytic energy that also evaluates eight samples at once as host vector code, so samplers on the CPU run eight
/// chains per 256-bit vector (the chain kernel's host twin) instead of running the scalar chain kernel.
/// Optional: energies without it keep the ILGPU kernel everywhere.
/// </summary>
/// <remarks>Host code only (never called from a kernel). Lane by lane it should be the same float operations in the same
/// order as <see cref="IEnergy.Energy"/> and <see cref="IEnergy.AddGradient"/>, so the CPU twin matches the kernel
/// bit for bit where no transcendental is involved.</remarks>
public interface IHostEnergy : IEnergy
{
    /// <summary>
    /// Overwrites <paramref name="gradient"/> with dE/dx of eight samples and, when <paramref name="energy"/> is set,
    /// returns their energies (else any value). Element i of <paramref name="x"/> and <paramref name="gradient"/> holds
    /// coordinate i, lane l belonging to sample l; both have length d.
    /// </summary>
    Vector256<float> EnergyAndGradient(ReadOnlySpan<Vector256<float>> x, Span<Vector256<float>> gradient, bool energy);
}
