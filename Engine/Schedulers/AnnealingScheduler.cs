namespace TorchEbm.Schedulers;

/// <summary>
/// Moves from StartValue at t = 0 to EndValue at t = NSteps along a curve, then holds EndValue:
/// value(t) = start + (end - start) * Shape(min(1, t / nSteps)), with Shape(0) = 0 and Shape(1) = 1.
/// </summary>
public abstract class AnnealingScheduler : Scheduler
{
    /// <summary>Checks and keeps the end points and the length.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not finite or <paramref name="nSteps"/> &lt; 1.</exception>
    protected AnnealingScheduler(float startValue, float endValue, int nSteps)
    {
        Check.Finite(startValue);
        Check.Finite(endValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(nSteps, 1);
        StartValue = startValue;
        EndValue = endValue;
        NSteps = nSteps;
    }

    /// <summary>Value at step 0.</summary>
    public float StartValue { get; }

    /// <summary>Value from step NSteps on.</summary>
    public float EndValue { get; }

    /// <summary>Length of the transition.</summary>
    public int NSteps { get; }

    /// <summary>The fraction of the way travelled at progress p in [0, 1].</summary>
    protected abstract double Shape(double progress);

    /// <inheritdoc />
    internal override int? ConstantFrom => NSteps;

    /// <inheritdoc />
    protected sealed override double Compute(int step) =>
        StartValue + ((double)EndValue - StartValue) * Shape(Math.Min(1.0, (double)step / NSteps));
}
