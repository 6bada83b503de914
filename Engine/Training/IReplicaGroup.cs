namespace TorchEbm.Training;

/// <summary>
/// The replicas of one data-parallel training run (e.g. the ranks of an MPI communicator, see TorchEbm.Distributed):
/// each holds the same model, optimizer and data, computes the gradient of its share of every batch, and the shares
/// are summed across replicas so that every replica takes the same optimizer step.
/// </summary>
public interface IReplicaGroup
{
    /// <summary>This replica's index in [0, <see cref="Size"/>).</summary>
    int Rank { get; }

    /// <summary>Number of replicas (at least 1).</summary>
    int Size { get; }

    /// <summary>
    /// Replaces <paramref name="values"/> by its element-wise sum over all replicas. Every replica calls it at the same
    /// point with an array of the same length; every replica receives the same sum.
    /// </summary>
    void SumInPlace(float[] values);
}
