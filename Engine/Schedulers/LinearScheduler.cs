namespace TorchEbm.Schedulers;

/// <summary>Straight line from startValue at t = 0 to endValue at t = nSteps, then endValue.</summary>
public sealed class LinearScheduler(float startValue, float endValue, int nSteps) : AnnealingScheduler(startValue, endValue, nSteps)
{
    /// <inheritdoc />
    protected override double Shape(double progress) => progress;
}
