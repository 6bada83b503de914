using TorchEbm.Kernels.Interpolants;

namespace TorchEbm.Interpolants;

/// <summary>
/// An interpolant given by its schedule struct (alpha, sigma and their derivatives): every member of
/// <see cref="IInterpolant"/> is the schedule's arithmetic, on the host for one time and in one kernel for a batch.
/// </summary>
/// <typeparam name="TSchedule">The schedule, shared by the host values and the kernel.</typeparam>
public abstract class Interpolant<TSchedule> : IInterpolant where TSchedule : struct, IInterpolationSchedule
{
    private readonly TSchedule _schedule;

    private protected Interpolant(TSchedule schedule) => _schedule = schedule;

    /// <summary>The schedule this interpolant runs.</summary>
    private protected TSchedule Schedule => _schedule;

    /// <inheritdoc />
    public float Alpha(float t) => Interpolation.At(_schedule, t).Alpha;

    /// <inheritdoc />
    public float AlphaDerivative(float t) => Interpolation.At(_schedule, t).AlphaDerivative;

    /// <inheritdoc />
    public float Sigma(float t) => Interpolation.At(_schedule, t).Sigma;

    /// <inheritdoc />
    public float SigmaDerivative(float t) => Interpolation.At(_schedule, t).SigmaDerivative;

    /// <inheritdoc />
    public (Tensor Xt, Tensor Ut) Interpolate(Tensor x0, Tensor x1, Tensor t, bool checkTimes = true) =>
        Interpolation.Interpolate(_schedule, x0, x1, t, checkTimes);

    /// <inheritdoc />
    public (Tensor Xt, Tensor Ut) Interpolate(Tensor x0, Tensor x1, float t) => Interpolation.Interpolate(_schedule, x0, x1, t);

    /// <inheritdoc />
    public (float PositionScale, float ScoreScale) ScoreToVelocity(float t) => Interpolation.ScoreToVelocity(_schedule, t);
}
