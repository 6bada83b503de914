using ILGPU;

namespace TorchEbm.Energies;

/// <summary>
/// An analytic energy E(x) with its gradient, evaluated inside kernels on one sample (a row of length d).
/// Implemented by small structs so every kernel gets one compiled specialisation per energy: no virtual calls,
/// no delegates on the device.
/// </summary>
/// <remarks>Implementations must be float32-only and free of exceptions and allocations (they run on the GPU).</remarks>
public interface IEnergy
{
    /// <summary>E(x) for one sample <paramref name="x"/> (length d).</summary>
    float Energy(ArrayView<float> x);

    /// <summary>
    /// Adds <paramref name="weight"/> * dE/dx at one sample <paramref name="x"/> to <paramref name="gradient"/>
    /// (both length d). Accumulating, not overwriting, lets weighted sums of energies fuse without scratch memory.
    /// </summary>
    void AddGradient(ArrayView<float> x, ArrayView<float> gradient, float weight);
}
