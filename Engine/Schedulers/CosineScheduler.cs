namespace TorchEbm.Schedulers;

/// <summary>
/// Cosine annealing: value(t) = end + (start - end) (1 + cos(pi t / nSteps)) / 2 for t &lt;= nSteps, then end.
/// </summary>
public sealed class CosineScheduler(float startValue, float endValue, int nSteps) : AnnealingScheduler(startValue, endValue, nSteps)
{
    /// <inheritdoc />
    protected override double Shape(double progress) => 0.5 * (1 - Math.Cos(Math.PI * progress));
}
