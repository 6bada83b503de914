using ILGPU.Algorithms;

namespace TorchEbm.Kernels.Interpolants;

/// <summary>
/// alpha(t) = sin(pi t / 2), sigma(t) = cos(pi t / 2) (the geodesic variance-preserving path): alpha^2 + sigma^2 = 1.
/// </summary>
public readonly struct CosineSchedule : IInterpolationSchedule
{
    private const float HalfPi = 1.5707963267948966f;

    /// <inheritdoc />
    public InterpolationCoefficients At(float t)
    {
        float sin = XMath.Sin(HalfPi * t), cos = XMath.Cos(HalfPi * t);
        return new(sin, HalfPi * cos, cos, -HalfPi * sin);
    }
}
