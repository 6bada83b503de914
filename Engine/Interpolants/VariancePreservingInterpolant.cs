using TorchEbm.Kernels.Interpolants;

namespace TorchEbm.Interpolants;

/// <summary>
/// The variance-preserving (DDPM / score-SDE) path with a linear beta schedule from <see cref="SigmaMax"/> at t = 0 to
/// <see cref="SigmaMin"/> at t = 1: log alpha(t) = -(1 - t)^2 (sigmaMax - sigmaMin) / 4 - (1 - t) sigmaMin / 2,
/// sigma(t) = sqrt(1 - alpha(t)^2) (TorchEBM's and SiT's parametrisation; t = 1 is data).
/// </summary>
/// <remarks>alpha(0) = exp(-(sigmaMax + sigmaMin) / 4) is small but not zero, so t = 0 is only approximately pure noise;
/// sigma(1) = 0, where sigma'(t) is infinite (the velocity target is not defined at t = 1 itself).</remarks>
public sealed class VariancePreservingInterpolant : Interpolant<VariancePreservingSchedule>
{
    /// <summary>Creates the path.</summary>
    /// <param name="sigmaMin">beta at t = 1, positive and finite (TorchEBM's default 0.1).</param>
    /// <param name="sigmaMax">beta at t = 0, finite and greater than <paramref name="sigmaMin"/> (default 20).</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound out of range.</exception>
    public VariancePreservingInterpolant(float sigmaMin = 0.1f, float sigmaMax = 20f) : base(Checked(sigmaMin, sigmaMax)) { }

    private static VariancePreservingSchedule Checked(float sigmaMin, float sigmaMax)
    {
        Check.PositiveFinite(sigmaMin);
        Check.Finite(sigmaMax);
        if (!(sigmaMax > sigmaMin))
            throw new ArgumentOutOfRangeException(nameof(sigmaMax), sigmaMax, $"sigmaMax must be greater than sigmaMin ({sigmaMin}), got {sigmaMax}.");
        return new VariancePreservingSchedule(sigmaMin, sigmaMax);
    }

    /// <summary>beta at t = 1.</summary>
    public float SigmaMin => Schedule.SigmaMin;

    /// <summary>beta at t = 0.</summary>
    public float SigmaMax => Schedule.SigmaMax;
}
