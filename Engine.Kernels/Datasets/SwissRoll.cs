using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Datasets;

/// <summary>A 2-D Swiss roll: t = 1.5 pi (1 + 2u), the point (t cos t, t sin t) / 5, plus N(0, Noise^2) per coordinate.</summary>
public readonly struct SwissRoll(float noise) : IPointDistribution
{
    /// <summary>Standard deviation of the added noise.</summary>
    public readonly float Noise = noise;

    /// <inheritdoc />
    public void Point(Float4 u, Float4 z, out float x, out float y)
    {
        float t = 1.5f * XMath.PI * (1f + 2f * u.X);
        x = t * XMath.Cos(t) / 5f + Noise * z.X;
        y = t * XMath.Sin(t) / 5f + Noise * z.Y;
    }
}
