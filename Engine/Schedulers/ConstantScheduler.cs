namespace TorchEbm.Schedulers;

/// <summary>The same value at every step.</summary>
public sealed class ConstantScheduler : Scheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not finite.</exception>
    public ConstantScheduler(float value)
    {
        Guard.Finite(value);
        Value = value;
    }

    /// <summary>The value.</summary>
    public float Value { get; }

    /// <inheritdoc />
    protected override double Compute(int step) => Value;

    /// <inheritdoc />
    public override string ToString() => $"Constant({Value})";
}
