using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Datasets;

/// <summary>
/// A pinwheel of Classes arms: radius r ~ N(1, 0.3^2) and tangential offset ~ N(0, Noise^2) around arm k's axis,
/// rotated by 2 pi k / Classes + 0.25 e^(r - 1) (so arms bend outwards), then scaled by 2.
/// </summary>
public readonly struct Pinwheel(int classes, float noise) : IPointDistribution
{
    /// <summary>Number of arms.</summary>
    public readonly int Classes = classes;

    /// <summary>Standard deviation across an arm.</summary>
    public readonly float Noise = noise;

    /// <inheritdoc />
    public void Point(Float4 u, Float4 z, out float x, out float y)
    {
        float radial = 1f + 0.3f * z.X, tangential = Noise * z.Y;
        float angle = 2f * XMath.PI * DatasetKernels.Pick(u.X, Classes) / Classes + 0.25f * XMath.Exp(radial - 1f);
        float c = XMath.Cos(angle), s = XMath.Sin(angle);
        x = 2f * (c * radial - s * tangential);
        y = 2f * (s * radial + c * tangential);
    }
}
