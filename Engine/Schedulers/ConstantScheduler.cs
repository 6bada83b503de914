namespace TorchEbm.Schedulers;

/// <summary>The same value at every step.</summary>
public sealed class ConstantScheduler : Scheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not finite.</exception>
    public ConstantScheduler(float value)
    {
        Check.Finite(value);
        Value = value;
    }

    /// <summary>The schedule a float converts to: unchecked here, so the consumer's range check names its own parameter.</summary>
    private ConstantScheduler(float value, bool _) => Value = value;

    /// <summary>The schedule behind the implicit conversion from float (see <see cref="Scheduler"/>).</summary>
    internal static ConstantScheduler FromFloat(float value) => new(value, false);

    /// <summary>The value: finite when built by the constructor; a float converted implicitly is checked by its consumer.</summary>
    public float Value { get; }

    /// <inheritdoc />
    protected override double Compute(int step) => Value;

    internal override int? ConstantFrom => 0;

    /// <inheritdoc />
    public override string ToString() => $"Constant({Value})";
}
