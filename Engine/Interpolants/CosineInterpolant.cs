using TorchEbm.Kernels.Interpolants;

namespace TorchEbm.Interpolants;

/// <summary>x_t = sin(pi t / 2) x1 + cos(pi t / 2) x0: the geodesic variance-preserving (GVP) path, alpha^2 + sigma^2 = 1.</summary>
public sealed class CosineInterpolant : IInterpolant
{
    private readonly CosineSchedule _schedule = new();

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
