using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Datasets;

/// <summary>Equal-weight Gaussians (standard deviation Std) centred evenly on a circle of radius Radius.</summary>
public readonly struct GaussianMixture(int components, float std, float radius) : IPointDistribution
{
    /// <summary>Number of components.</summary>
    public readonly int Components = components;

    /// <summary>Standard deviation of each component.</summary>
    public readonly float Std = std;

    /// <summary>Radius of the circle of centres.</summary>
    public readonly float Radius = radius;

    /// <inheritdoc />
    public void Point(Float4 u, Float4 z, out float x, out float y)
    {
        float angle = 2f * XMath.PI * DatasetKernels.Pick(u.X, Components) / Components;
        x = Radius * XMath.Cos(angle) + Std * z.X;
        y = Radius * XMath.Sin(angle) + Std * z.Y;
    }
}
