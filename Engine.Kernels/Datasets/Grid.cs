using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Datasets;

/// <summary>Equal-weight points of a PerDim x PerDim grid spanning [-Range, Range]^2, plus N(0, Noise^2) per coordinate.</summary>
public readonly struct Grid(int perDim, float range, float noise) : IPointDistribution
{
    /// <summary>Grid points per dimension.</summary>
    public readonly int PerDim = perDim;

    /// <summary>Half-width of the grid.</summary>
    public readonly float Range = range;

    /// <summary>Standard deviation of the added noise.</summary>
    public readonly float Noise = noise;

    /// <inheritdoc />
    public void Point(Float4 u, Float4 z, out float x, out float y)
    {
        float spacing = PerDim > 1 ? 2f * Range / (PerDim - 1) : 0f;
        x = -Range + spacing * DatasetKernels.Pick(u.X, PerDim) + Noise * z.X;
        y = -Range + spacing * DatasetKernels.Pick(u.Y, PerDim) + Noise * z.Y;
    }
}
