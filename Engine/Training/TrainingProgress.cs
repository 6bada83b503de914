namespace TorchEbm.Training;

/// <summary>Where a training run stands after a step.</summary>
/// <param name="Step">Steps done (the step just completed, counting from 1).</param>
/// <param name="Steps">Steps in the run.</param>
/// <param name="Epoch">The epoch that step belongs to, counting from 1.</param>
/// <param name="Loss">The loss of that step.</param>
/// <param name="Elapsed">Wall time since the first step began.</param>
/// <param name="Health">At an evaluation step (every EvalEvery-th) of a loss that reports it (contrastive divergence): the
/// run's health at that step's parameters, before its optimizer update; null otherwise.</param>
public readonly record struct TrainingProgress(int Step, int Steps, int Epoch, float Loss, TimeSpan Elapsed, TrainingHealth? Health = null)
{
    /// <summary>Throughput so far.</summary>
    public double StepsPerSecond => Step / Elapsed.TotalSeconds;
}
