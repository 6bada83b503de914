using TorchEbm.Kernels.Interpolants;

namespace TorchEbm.Interpolants;

/// <summary>The interpolants' shared host code over their schedule struct: argument checks, then the one kernel.</summary>
internal static class Interpolation
{
    /// <summary>Throws unless 0 &lt;= t &lt;= 1 (NaN fails).</summary>
    public static void CheckTime(float t, string name = "t")
    {
        if (!(t >= 0f && t <= 1f))
            throw new ArgumentOutOfRangeException(name, t, $"{name} must be in [0, 1], got {t}.");
    }

    /// <summary>The schedule's coefficients at a checked time.</summary>
    public static InterpolationCoefficients At<TSchedule>(TSchedule schedule, float t) where TSchedule : struct, IInterpolationSchedule
    {
        CheckTime(t);
        return schedule.At(t);
    }

    /// <inheritdoc cref="IInterpolant.Interpolate(Tensor, Tensor, Tensor)"/>
    public static (Tensor Xt, Tensor Ut) Interpolate<TSchedule>(TSchedule schedule, Tensor x0, Tensor x1, Tensor t)
        where TSchedule : struct, IInterpolationSchedule
    {
        CheckPair(x0, x1);
        ArgumentNullException.ThrowIfNull(t);
        ObjectDisposedException.ThrowIf(t.IsDisposed, t);
        if (!ReferenceEquals(t.Device, x0.Device))
            throw new ArgumentException($"t lives on {t.Device} but must be on {x0.Device}.", nameof(t));
        if (t.Rank != 1 || t.Length != x0.Dim(0))
            throw new ArgumentException($"t must have shape ({x0.Dim(0)},), one time per row, got {Shapes.Format(t.Shape)}.", nameof(t));
        float[] times = t.ToArray();
        for (int r = 0; r < times.Length; r++)
            if (!(times[r] >= 0f && times[r] <= 1f))
                throw new ArgumentOutOfRangeException(nameof(t), times[r], $"t must be in [0, 1], but t[{r}] is {times[r]}.");
        return Launch(schedule, x0, x1, t);
    }

    /// <inheritdoc cref="IInterpolant.Interpolate(Tensor, Tensor, float)"/>
    public static (Tensor Xt, Tensor Ut) Interpolate<TSchedule>(TSchedule schedule, Tensor x0, Tensor x1, float t)
        where TSchedule : struct, IInterpolationSchedule
    {
        CheckPair(x0, x1);
        CheckTime(t);
        using Tensor times = x0.Device.Full(t, x0.Dim(0));
        return Launch(schedule, x0, x1, times);
    }

    /// <inheritdoc cref="IInterpolant.ScoreToVelocity"/>
    public static (float PositionScale, float ScoreScale) ScoreToVelocity<TSchedule>(TSchedule schedule, float t)
        where TSchedule : struct, IInterpolationSchedule
    {
        InterpolationCoefficients c = At(schedule, t);
        if (!(c.Alpha > 0f))
            throw new ArgumentOutOfRangeException(nameof(t), t, $"The score does not determine the velocity where alpha(t) = 0 (t = {t}): use t > 0.");
        float ratio = c.AlphaDerivative / c.Alpha;
        return (ratio, c.Sigma * c.Sigma * ratio - c.Sigma * c.SigmaDerivative);
    }

    private static (Tensor Xt, Tensor Ut) Launch<TSchedule>(TSchedule schedule, Tensor x0, Tensor x1, Tensor t)
        where TSchedule : struct, IInterpolationSchedule
    {
        Device device = x0.Device;
        Tensor xt = device.AllocateLike(x0), ut = device.AllocateLike(x0);
        device.Launch(InterpolantKernels.Interpolate, x0.Length, x0.View, x1.View, t.View, xt.View, ut.View, x0.Dim(1), schedule);
        return (xt, ut);
    }

    private static void CheckPair(Tensor x0, Tensor x1)
    {
        ArgumentNullException.ThrowIfNull(x0);
        Check.Batch(x0, x0.Device, nameof(x0));
        Check.Batch(x1, x0.Device, nameof(x1));
        if (x1.Dim(0) != x0.Dim(0) || x1.Dim(1) != x0.Dim(1))
            throw new ArgumentException($"x1 must have the shape of x0 {Shapes.Format(x0.Shape)}, got {Shapes.Format(x1.Shape)}.", nameof(x1));
    }
}
