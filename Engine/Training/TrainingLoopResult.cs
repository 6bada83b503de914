namespace TorchEbm.Training;

/// <summary>What <see cref="TrainingLoop"/> did.</summary>
/// <param name="Steps">Steps completed: each computed a finite loss and updated the parameters.</param>
/// <param name="StepsPerEpoch">Steps of one pass over the data.</param>
/// <param name="Losses">The loss of every completed step, in order (Steps entries).</param>
/// <param name="DivergedAt">The index (from 0) of the step whose loss was NaN or infinite, where training stopped; null if none was.</param>
/// <param name="Cancelled">Whether the cancellation token stopped the run before its last step.</param>
/// <param name="Elapsed">Wall time of the steps.</param>
public sealed record TrainingLoopResult(int Steps, int StepsPerEpoch, IReadOnlyList<float> Losses, int? DivergedAt, bool Cancelled, TimeSpan Elapsed)
{
    /// <summary>Whether a loss turned NaN or infinite (see <see cref="DivergedAt"/>).</summary>
    public bool Diverged => DivergedAt is not null;

    /// <summary>The loss of the last completed step, or NaN when none completed.</summary>
    public float FinalLoss => Losses.Count > 0 ? Losses[^1] : float.NaN;

    /// <summary>Full passes over the data completed.</summary>
    public int Epochs => Steps / StepsPerEpoch;
}
