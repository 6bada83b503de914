namespace TorchEbm.Losses;

/// <summary>
/// The share of a batch one replica computes in data-parallel training: rows [First, First + Count) of a global batch
/// of Total rows (the replica's data are those rows).
/// </summary>
internal readonly record struct BatchShard(int First, int Count, int Total)
{
    /// <summary>Rows [start, end) of <paramref name="total"/> that replica <paramref name="rank"/> of <paramref name="size"/> takes:
    /// contiguous, in rank order, sizes differing by at most one.</summary>
    public static BatchShard Of(int total, int rank, int size)
    {
        int first = (int)((long)total * rank / size), end = (int)((long)total * (rank + 1) / size);
        return new BatchShard(first, end - first, total);
    }
}
