namespace TorchEbm.Optim;

/// <summary>An optimizer's state for a checkpoint: named device tensors and string metadata (kind, step counts).</summary>
/// <param name="Tensors">The state tensors, e.g. <c>0.exp_avg</c> for parameter 0's first moment.</param>
/// <param name="Metadata">Scalars as strings, e.g. <c>optimizer</c> = <c>Adam</c>, <c>0.step</c> = <c>12</c>.</param>
public sealed record OptimizerState(IReadOnlyList<(string Name, Tensor Tensor)> Tensors, IReadOnlyDictionary<string, string> Metadata);
