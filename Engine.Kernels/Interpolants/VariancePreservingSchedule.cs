using ILGPU.Algorithms;

namespace TorchEbm.Kernels.Interpolants;

/// <summary>
/// The variance-preserving (DDPM / score-SDE) path with a linear beta schedule, in TorchEBM's and SiT's time direction
/// (t = 1 is data): log alpha(t) = -(1 - t)^2 (sigmaMax - sigmaMin) / 4 - (1 - t) sigmaMin / 2,
/// sigma(t) = sqrt(1 - alpha(t)^2); d log alpha / dt = (1 - t)(sigmaMax - sigmaMin) / 2 + sigmaMin / 2.
/// </summary>
/// <param name="sigmaMin">beta at t = 1 (TorchEBM's sigma_min, default 0.1).</param>
/// <param name="sigmaMax">beta at t = 0 (TorchEBM's sigma_max, default 20).</param>
public readonly struct VariancePreservingSchedule(float sigmaMin, float sigmaMax) : IInterpolationSchedule
{
    /// <summary>beta at t = 1.</summary>
    public readonly float SigmaMin = sigmaMin;

    /// <summary>beta at t = 0.</summary>
    public readonly float SigmaMax = sigmaMax;

    /// <inheritdoc />
    /// <remarks>sigma'(t) = -alpha alpha' / sigma, which is infinite at t = 1 where sigma = 0 (the path's end is a point mass).</remarks>
    public InterpolationCoefficients At(float t)
    {
        float u = 1f - t;
        float logAlpha = -0.25f * u * u * (SigmaMax - SigmaMin) - 0.5f * u * SigmaMin;
        float rate = 0.5f * u * (SigmaMax - SigmaMin) + 0.5f * SigmaMin;
        float alpha = XMath.Exp(logAlpha), alphaSquared = alpha * alpha;
        float sigma = XMath.Sqrt(XMath.Max(1f - alphaSquared, 0f));
        return new(alpha, alpha * rate, sigma, -alphaSquared * rate / sigma);
    }
}
