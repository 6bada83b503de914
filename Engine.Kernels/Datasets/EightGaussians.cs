using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Datasets;

/// <summary>Eight Gaussians (standard deviation Std) at Scale * (cos k pi/4, sin k pi/4), k = 0..7.</summary>
public readonly struct EightGaussians(float std, float scale) : IPointDistribution
{
    /// <summary>Standard deviation of each component.</summary>
    public readonly float Std = std;

    /// <summary>Distance of the centres from the origin.</summary>
    public readonly float Scale = scale;

    /// <inheritdoc />
    public void Point(Float4 u, Float4 z, out float x, out float y)
    {
        float angle = XMath.PI / 4f * DatasetKernels.Pick(u.X, 8);
        x = Scale * XMath.Cos(angle) + Std * z.X;
        y = Scale * XMath.Sin(angle) + Std * z.Y;
    }
}
