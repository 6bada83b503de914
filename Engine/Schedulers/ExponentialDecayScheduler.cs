namespace TorchEbm.Schedulers;

/// <summary>value(t) = max(minValue, startValue * decayRate^t).</summary>
public sealed class ExponentialDecayScheduler : Scheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not finite, or <paramref name="decayRate"/> is not in (0, 1].</exception>
    public ExponentialDecayScheduler(float startValue, float decayRate, float minValue = 0f)
    {
        Check.Finite(startValue);
        Check.Finite(minValue);
        if (!(decayRate > 0f && decayRate <= 1f))
            throw new ArgumentOutOfRangeException(nameof(decayRate), decayRate, $"decayRate must be in (0, 1], got {decayRate}.");
        StartValue = startValue;
        DecayRate = decayRate;
        MinValue = minValue;
    }

    /// <summary>Value at step 0.</summary>
    public float StartValue { get; }

    /// <summary>Factor applied per step.</summary>
    public float DecayRate { get; }

    /// <summary>Floor the value never goes below.</summary>
    public float MinValue { get; }

    /// <inheritdoc />
    protected override double Compute(int step) => Math.Max(MinValue, StartValue * Math.Pow(DecayRate, step));
}
