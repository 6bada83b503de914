namespace TorchEbm.Schedulers;

/// <summary>
/// Linear warm-up, then another schedule: for t &lt; warmupSteps, value(t) = v0 (f + (1 - f) t / warmupSteps) with
/// v0 the main schedule's value at its step 0 and f = warmupInitFactor; from then on value(t) = main(t - warmupSteps).
/// </summary>
public sealed class WarmupScheduler : Scheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="warmupSteps"/> &lt; 1 or the factor is not in [0, 1].</exception>
    public WarmupScheduler(Scheduler main, int warmupSteps, float warmupInitFactor = 0.01f)
    {
        ArgumentNullException.ThrowIfNull(main);
        ArgumentOutOfRangeException.ThrowIfLessThan(warmupSteps, 1);
        if (!(warmupInitFactor >= 0f && warmupInitFactor <= 1f))
            throw new ArgumentOutOfRangeException(nameof(warmupInitFactor), warmupInitFactor, $"warmupInitFactor must be in [0, 1], got {warmupInitFactor}.");
        Main = main;
        WarmupSteps = warmupSteps;
        WarmupInitFactor = warmupInitFactor;
    }

    /// <summary>The schedule that takes over after the warm-up.</summary>
    public Scheduler Main { get; }

    /// <summary>Length of the warm-up.</summary>
    public int WarmupSteps { get; }

    /// <summary>Fraction of the main schedule's first value the warm-up starts from.</summary>
    public float WarmupInitFactor { get; }

    /// <inheritdoc />
    internal override int? ConstantFrom =>
        Main.ConstantFrom is int c && (long)c + WarmupSteps <= int.MaxValue ? c + WarmupSteps : null;

    /// <inheritdoc />
    protected override double Compute(int step)
    {
        if (step >= WarmupSteps) return Main.ValueAt(step - WarmupSteps);
        double progress = (double)step / WarmupSteps;
        return Main.ValueAt(0) * (WarmupInitFactor + (1 - WarmupInitFactor) * progress);
    }
}
