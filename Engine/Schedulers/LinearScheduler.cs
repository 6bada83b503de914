namespace TorchEbm.Schedulers;

/// <summary>Straight line from startValue at t = 0 to endValue at t = nSteps, then endValue.</summary>
public sealed class LinearScheduler : Scheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not finite or <paramref name="nSteps"/> &lt; 1.</exception>
    public LinearScheduler(float startValue, float endValue, int nSteps)
    {
        Guard.Finite(startValue);
        Guard.Finite(endValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(nSteps, 1);
        StartValue = startValue;
        EndValue = endValue;
        NSteps = nSteps;
    }

    /// <summary>Value at step 0.</summary>
    public float StartValue { get; }

    /// <summary>Value from step nSteps on.</summary>
    public float EndValue { get; }

    /// <summary>Length of the ramp.</summary>
    public int NSteps { get; }

    /// <inheritdoc />
    protected override double Compute(int step) =>
        StartValue + ((double)EndValue - StartValue) * Math.Min(1.0, (double)step / NSteps);
}
