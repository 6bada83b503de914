namespace TorchEbm.Kernels.Interpolants;

/// <summary>alpha(t) = t, sigma(t) = 1 - t: the straight path of rectified flow and flow matching.</summary>
public readonly struct LinearSchedule : IInterpolationSchedule
{
    /// <inheritdoc />
    public InterpolationCoefficients At(float t) => new(t, 1f, 1f - t, -1f);
}
