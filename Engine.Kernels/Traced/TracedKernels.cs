using ILGPU;
using TorchEbm.Launch;

namespace TorchEbm.Traced;

/// <summary>A traced energy program over a batch outside the samplers: energies and dE/dx of every row (Forward, Gradient, checks).</summary>
public static class TracedKernels
{
    /// <summary>
    /// energies[r] = E(x_r) and, when <paramref name="gradients"/> has a row per sample, gradients[r, :] = dE/dx_r, each row
    /// interpreted in its own row of <paramref name="source"/>'s scratch (work items: rows).
    /// </summary>
    [Kernel]
    public static void Evaluate(ArrayView<float> x, ArrayView<float> energies, ArrayView<float> gradients, int dim, TracedSource source)
    {
        int rows = energies.IntLength, stride = GridStride.Stride;
        bool gradient = gradients.Length >= (long)rows * dim;
        for (int r = GridStride.Start; r < rows; r += stride)
        {
            ArrayView<float> row = x.SubView((long)r * dim, dim);
            energies[r] = gradient
                ? source.EnergyAndGradient(r, row, gradients.SubView((long)r * dim, dim))
                : source.Energy(r, row);
        }
    }
}
