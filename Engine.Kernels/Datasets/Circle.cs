using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Datasets;

/// <summary>Points uniform in angle on a circle of radius Radius, plus N(0, Noise^2) per coordinate.</summary>
public readonly struct Circle(float noise, float radius) : IPointDistribution
{
    /// <summary>Standard deviation of the added noise.</summary>
    public readonly float Noise = noise;

    /// <summary>Radius of the circle.</summary>
    public readonly float Radius = radius;

    /// <inheritdoc />
    public void Point(Float4 u, Float4 z, out float x, out float y)
    {
        float angle = 2f * XMath.PI * u.X;
        x = Radius * XMath.Cos(angle) + Noise * z.X;
        y = Radius * XMath.Sin(angle) + Noise * z.Y;
    }
}
