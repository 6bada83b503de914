namespace TorchEbm.Schedulers;

/// <summary>value(t) = startValue * gamma^(number of milestones &lt;= t): drops by gamma at each milestone step.</summary>
public sealed class MultiStepScheduler : Scheduler
{
    private readonly int[] _milestones;

    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentException">The milestones are not positive and strictly increasing.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is not finite.</exception>
    public MultiStepScheduler(float startValue, IReadOnlyList<int> milestones, float gamma = 0.1f)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        Check.Finite(startValue);
        Check.Finite(gamma);
        for (int i = 0; i < milestones.Count; i++)
            if (milestones[i] <= 0 || (i > 0 && milestones[i] <= milestones[i - 1]))
                throw new ArgumentException(
                    $"milestones must be positive and strictly increasing, got [{string.Join(", ", milestones)}].", nameof(milestones));
        StartValue = startValue;
        Gamma = gamma;
        _milestones = [.. milestones];
    }

    /// <summary>Value before the first milestone.</summary>
    public float StartValue { get; }

    /// <summary>Factor applied at each milestone.</summary>
    public float Gamma { get; }

    /// <summary>The steps at which the value drops.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <inheritdoc />
    protected override double Compute(int step) => StartValue * Math.Pow(Gamma, _milestones.Count(m => m <= step));

    internal override int? ConstantFrom => _milestones.Length == 0 ? 0 : _milestones[^1];
}
