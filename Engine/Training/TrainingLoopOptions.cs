namespace TorchEbm.Training;

/// <summary>Settings of <see cref="TrainingLoop"/>: how long to train, the minibatches, and when to evaluate.</summary>
public sealed record TrainingLoopOptions
{
    /// <summary>Optimizer steps in all; null (the default) runs <see cref="Epochs"/> full epochs instead.</summary>
    public int? Steps { get; init; }

    /// <summary>Passes over the data when <see cref="Steps"/> is null (default 1).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Data rows per step (at most the number of data rows).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>
    /// Whether an epoch skips the last n mod BatchSize rows of its order (every batch then has BatchSize rows). When false
    /// (the default) an epoch ends with a smaller batch of those rows, so that it covers every row exactly once.
    /// </summary>
    public bool DropLast { get; init; }

    /// <summary>Key of the minibatch permutations (the same seed draws the same batches).</summary>
    public long Seed { get; init; }

    /// <summary>
    /// Data-parallel training: the replicas this run is one of, or null (the default) for a single process. Every replica
    /// runs the loop with the same model, optimizer, loss, data and options; a step's global batch of BatchSize rows is
    /// split into contiguous shares in rank order, each replica computes the loss and gradient of its share, and one
    /// <see cref="IReplicaGroup.SumInPlace"/> per step averages the gradients (weighted by share) and the loss, so every
    /// replica takes the same optimizer step and stops on the same NaN. Needs a loss that supports it (ContrastiveDivergence).
    /// </summary>
    public IReplicaGroup? Replicas { get; init; }

    /// <summary>The evaluation callback runs after every EvalEvery-th step (steps EvalEvery, 2 EvalEvery, ...).</summary>
    public int EvalEvery { get; init; } = 100;

    /// <summary>Checks every value; throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Steps, Epochs, BatchSize or EvalEvery is below 1.</exception>
    public void Validate()
    {
        if (Steps is int steps) ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1, nameof(Steps));
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(EvalEvery, 1, nameof(EvalEvery));
    }

    /// <summary>Steps of one epoch over <paramref name="rows"/> data rows: rows / BatchSize, rounded up unless <see cref="DropLast"/>.</summary>
    public int StepsPerEpoch(int rows) => DropLast ? rows / BatchSize : (int)(((long)rows + BatchSize - 1) / BatchSize);
}
