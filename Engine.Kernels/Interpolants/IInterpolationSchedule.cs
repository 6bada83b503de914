namespace TorchEbm.Kernels.Interpolants;

/// <summary>
/// alpha(t), sigma(t) and their derivatives as a struct, so the same arithmetic runs in <see cref="InterpolantKernels"/>
/// and on the host (the public interpolants call it for their scalar values): one definition per schedule.
/// </summary>
public interface IInterpolationSchedule
{
    /// <summary>The coefficients at time <paramref name="t"/> in [0, 1] (checked by the caller).</summary>
    InterpolationCoefficients At(float t);
}
