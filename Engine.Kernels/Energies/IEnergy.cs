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

    /// <summary>Writes dE/dx for one sample <paramref name="x"/> into <paramref name="gradient"/> (both length d).</summary>
    void Gradient(ArrayView<float> x, ArrayView<float> gradient);
}
