using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Datasets;

/// <summary>
/// Uniform on the dark squares of a 4 x 4 checkerboard covering [-Range/2, Range/2]^2 (squares where the sum of the
/// cell indices is even), plus N(0, Noise^2) per coordinate.
/// </summary>
public readonly struct Checkerboard(float range, float noise) : IPointDistribution
{
    /// <summary>Side length of the board.</summary>
    public readonly float Range = range;

    /// <summary>Standard deviation of the added noise.</summary>
    public readonly float Noise = noise;

    /// <inheritdoc />
    public void Point(Float4 u, Float4 z, out float x, out float y)
    {
        int column = DatasetKernels.Pick(u.X, 4);
        // Of the four rows, the two with column + row even: row = 2 k + (column odd ? 1 : 0).
        int row = 2 * DatasetKernels.Pick(u.Y, 2) + (column & 1);
        float cell = Range / 4f;
        x = -Range / 2f + cell * (column + u.Z) + Noise * z.X;
        y = -Range / 2f + cell * (row + u.W) + Noise * z.Y;
    }
}
