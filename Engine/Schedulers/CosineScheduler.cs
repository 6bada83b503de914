namespace TorchEbm.Schedulers;

/// <summary>
/// Cosine annealing: value(t) = end + (start - end) (1 + cos(pi t / nSteps)) / 2 for t &lt;= nSteps, then end.
/// </summary>
public sealed class CosineScheduler : Scheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not finite or <paramref name="nSteps"/> &lt; 1.</exception>
    public CosineScheduler(float startValue, float endValue, int nSteps)
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

    /// <summary>Length of the half cosine.</summary>
    public int NSteps { get; }

    /// <inheritdoc />
    protected override double Compute(int step) =>
        EndValue + ((double)StartValue - EndValue) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1.0, (double)step / NSteps)));
}
