namespace TorchEbm.Training;

/// <summary>Where a training run stands after a step.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Steps">Steps in the run.</param>
/// <param name="Loss">The loss of the last step.</param>
/// <param name="StepsPerSecond">Throughput so far.</param>
public readonly record struct TrainingProgress(int Step, int Steps, float Loss, double StepsPerSecond);
