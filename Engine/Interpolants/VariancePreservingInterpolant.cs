using TorchEbm.Kernels.Interpolants;

namespace TorchEbm.Interpolants;

/// <summary>
/// The variance-preserving (DDPM / score-SDE) path with a linear beta schedule from <see cref="SigmaMax"/> at t = 0 to
/// <see cref="SigmaMin"/> at t = 1: log alpha(t) = -(1 - t)^2 (sigmaMax - sigmaMin) / 4 - (1 - t) sigmaMin / 2,
/// sigma(t) = sqrt(1 - alpha(t)^2) (TorchEBM's and SiT's parametrisation; t = 1 is data).
/// </summary>
/// <remarks>alpha(0) = exp(-(sigmaMax + sigmaMin) / 4) is small but not zero, so t = 0 is only approximately pure noise;
/// sigma(1) = 0, where sigma'(t) is infinite (the velocity target is not defined at t = 1 itself).</remarks>
public sealed class VariancePreservingInterpolant : IInterpolant
{
    private readonly VariancePreservingSchedule _schedule;

    /// <summary>Creates the path.</summary>
    /// <param name="sigmaMin">beta at t = 1, positive and finite (TorchEBM's default 0.1).</param>
    /// <param name="sigmaMax">beta at t = 0, finite and greater than <paramref name="sigmaMin"/> (default 20).</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound out of range.</exception>
    public VariancePreservingInterpolant(float sigmaMin = 0.1f, float sigmaMax = 20f)
    {
        Check.PositiveFinite(sigmaMin);
        Check.Finite(sigmaMax);
        if (!(sigmaMax > sigmaMin))
            throw new ArgumentOutOfRangeException(nameof(sigmaMax), sigmaMax, $"sigmaMax must be greater than sigmaMin ({sigmaMin}), got {sigmaMax}.");
        _schedule = new VariancePreservingSchedule(sigmaMin, sigmaMax);
    }

    /// <summary>beta at t = 1.</summary>
    public float SigmaMin => _schedule.SigmaMin;

    /// <summary>beta at t = 0.</summary>
    public float SigmaMax => _schedule.SigmaMax;

    /// <inheritdoc />
    public float Alpha(float t) => Interpolation.At(_schedule, t).Alpha;

    /// <inheritdoc />
    public float AlphaDerivative(float t) => Interpolation.At(_schedule, t).AlphaDerivative;

    /// <inheritdoc />
    public float Sigma(float t) => Interpolation.At(_schedule, t).Sigma;

    /// <inheritdoc />
    public float SigmaDerivative(float t) => Interpolation.At(_schedule, t).SigmaDerivative;

    /// <inheritdoc />
    public (Tensor Xt, Tensor Ut) Interpolate(Tensor x0, Tensor x1, Tensor t) => Interpolation.Interpolate(_schedule, x0, x1, t);

    /// <inheritdoc />
    public (Tensor Xt, Tensor Ut) Interpolate(Tensor x0, Tensor x1, float t) => Interpolation.Interpolate(_schedule, x0, x1, t);

    /// <inheritdoc />
    public (float PositionScale, float ScoreScale) ScoreToVelocity(float t) => Interpolation.ScoreToVelocity(_schedule, t);
}
