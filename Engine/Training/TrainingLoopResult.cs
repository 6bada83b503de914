using System.Globalization;

namespace TorchEbm.Training;

/// <summary>What <see cref="TrainingLoop"/> did.</summary>
/// <param name="Steps">Steps completed: each computed a finite loss and updated the parameters.</param>
/// <param name="StepsPerEpoch">Steps of one pass over the data.</param>
/// <param name="Losses">The loss of every completed step, in order (Steps entries).</param>
/// <param name="DivergedAt">The index (from 0) of the step whose loss (or, at an evaluation, energy) was NaN, infinite or beyond
/// <see cref="TrainingLoop.DivergenceLimit"/> in magnitude, where training stopped; null if none was.</param>
/// <param name="Cancelled">Whether the cancellation token stopped the run before its last step.</param>
/// <param name="Elapsed">Wall time of the steps.</param>
public sealed record TrainingLoopResult(int Steps, int StepsPerEpoch, IReadOnlyList<float> Losses, int? DivergedAt, bool Cancelled, TimeSpan Elapsed)
{
    /// <summary>The run's health at each evaluation step, in order (empty when the loss reports none; see <see cref="TrainingHealth"/>).</summary>
    public IReadOnlyList<TrainingHealth> Health { get; init; } = [];

    /// <summary>Whether a loss or energy went out of range (see <see cref="DivergedAt"/>).</summary>
    public bool Diverged => DivergedAt is not null;

    /// <summary>The loss of the last completed step, or NaN when none completed.</summary>
    public float FinalLoss => Losses.Count > 0 ? Losses[^1] : float.NaN;

    /// <summary>Full passes over the data completed.</summary>
    public int Epochs => Steps / StepsPerEpoch;

    /// <summary>
    /// One line with the numbers, e.g. "TrainingLoopResult: 64 steps (8 epochs) in 1.2 s, final loss -0.0123, health at step
    /// 64: gap ..." ("diverged at step 12" or "cancelled" when so).
    /// </summary>
    public override string ToString()
    {
        string text = string.Create(CultureInfo.InvariantCulture,
            $"TrainingLoopResult: {Steps} steps ({Epochs} epochs) in {Elapsed.TotalSeconds:F1} s, final loss {FinalLoss:G4}");
        if (DivergedAt is int at) text += $", diverged at step {at}";
        if (Cancelled) text += ", cancelled";
        if (Health.Count > 0) text += $", health at step {Health[^1].Step}: {Health[^1]}";
        return text;
    }
}
