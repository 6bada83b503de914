using ILGPU;
using TorchEbm.Launch;

namespace TorchEbm.Energies;

/// <summary>Batched energy and gradient of an analytic energy: one work item per sample row.</summary>
public static class EnergyKernels
{
    /// <summary>energies[r] = E(x[r, :]) for every row r of x (n x dim, row-major).</summary>
    [Kernel]
    public static void Forward<TEnergy>(ArrayView<float> x, ArrayView<float> energies, int dim, TEnergy energy)
        where TEnergy : struct, IEnergy
    {
        int rows = energies.IntLength, stride = GridStride.Stride;
        for (int r = GridStride.Start; r < rows; r += stride)
            energies[r] = energy.Energy(x.SubView(r * dim, dim));
    }

    /// <summary>gradient[r, :] = dE/dx at x[r, :] for every row r (both n x dim, row-major).</summary>
    [Kernel]
    public static void Gradient<TEnergy>(ArrayView<float> x, ArrayView<float> gradient, int dim, TEnergy energy)
        where TEnergy : struct, IEnergy
    {
        int rows = x.IntLength / dim, stride = GridStride.Stride;
        for (int r = GridStride.Start; r < rows; r += stride)
            WriteGradient(energy, x.SubView(r * dim, dim), gradient.SubView(r * dim, dim));
    }

    /// <summary>gradient = dE/dx at one sample x (usable inside kernels).</summary>
    public static void WriteGradient<TEnergy>(in TEnergy energy, ArrayView<float> x, ArrayView<float> gradient)
        where TEnergy : struct, IEnergy
    {
        for (int i = 0; i < gradient.IntLength; i++) gradient[i] = 0f;
        energy.AddGradient(x, gradient, 1f);
    }
}
