using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Datasets;

/// <summary>
/// scikit-learn's two moons: the upper half circle (cos t, sin t) and the lower one (1 - cos t, 0.5 - sin t),
/// t uniform in [0, pi], each point from either with probability 1/2, plus N(0, Noise^2) per coordinate.
/// </summary>
public readonly struct TwoMoons(float noise) : IPointDistribution
{
    /// <summary>Standard deviation of the added noise.</summary>
    public readonly float Noise = noise;

    /// <inheritdoc />
    public void Point(Float4 u, Float4 z, out float x, out float y)
    {
        float t = XMath.PI * u.Y;
        bool upper = u.X < 0.5f;
        x = (upper ? XMath.Cos(t) : 1f - XMath.Cos(t)) + Noise * z.X;
        y = (upper ? XMath.Sin(t) : 0.5f - XMath.Sin(t)) + Noise * z.Y;
    }
}
