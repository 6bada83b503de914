namespace TorchEbm.Couplings;

/// <summary>
/// A minibatch coupling: pairs each row of a target batch (data) with a row of a source batch (noise) of the same shape,
/// as flow-matching losses pair their endpoints (Tong et al. 2023, "Improving and generalizing flow-based generative
/// models with minibatch optimal transport"). Runs on the host: batches are small, and assignment is sequential work.
/// </summary>
public abstract class Coupling
{
    /// <summary>
    /// For each target row j, the index of the source row paired with it (length n). Both batches are (n, d), finite.
    /// </summary>
    /// <exception cref="ArgumentNullException">source or target is null.</exception>
    /// <exception cref="ArgumentException">The batches are empty, differ in shape, or hold NaN or infinity (named after the batch).</exception>
    public int[] Pair(float[,] source, float[,] target)
    {
        Check(source, target);
        return PairChecked(source, target);
    }

    /// <summary>
    /// The source rows reordered so that row j is paired with target row j: a new (n, d) tensor on the source's device.
    /// Reads both batches back to the host (one synchronisation).
    /// </summary>
    /// <exception cref="ArgumentException">The tensors are not (n, d) batches of one shape on one device, or hold NaN or infinity.</exception>
    public Tensor Reorder(Tensor source, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        TorchEbm.Check.Batch(source, source.Device, nameof(source));
        TorchEbm.Check.Batch(target, source.Device, nameof(target));
        float[,] x0 = source.ToArray2D(), x1 = target.ToArray2D();
        int[] pairs = Pair(x0, x1);
        int n = x0.GetLength(0), d = x0.GetLength(1);
        var reordered = new float[n, d];
        for (int j = 0; j < n; j++)
            for (int k = 0; k < d; k++) reordered[j, k] = x0[pairs[j], k];
        return source.Device.FromArray(reordered);
    }

    /// <summary>The pairing of checked batches.</summary>
    private protected abstract int[] PairChecked(float[,] source, float[,] target);

    /// <summary>Squared Euclidean distances between source row i and target row j, in float64.</summary>
    private protected static double[,] SquaredDistances(float[,] source, float[,] target)
    {
        int n = source.GetLength(0), d = source.GetLength(1);
        var cost = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < d; k++)
                {
                    double diff = (double)source[i, k] - target[j, k];
                    s += diff * diff;
                }
                cost[i, j] = s;
            }
        return cost;
    }

    private static void Check(float[,] source, float[,] target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (source.GetLength(0) == 0 || source.GetLength(1) == 0)
            throw new ArgumentException($"source must have at least one row and one column, got ({source.GetLength(0)}, {source.GetLength(1)}).", nameof(source));
        if (source.GetLength(0) != target.GetLength(0) || source.GetLength(1) != target.GetLength(1))
            throw new ArgumentException($"target must have the source's shape ({source.GetLength(0)}, {source.GetLength(1)}), got ({target.GetLength(0)}, {target.GetLength(1)}).", nameof(target));
        foreach (float v in source)
            if (!float.IsFinite(v)) throw new ArgumentException($"source holds {v}; couplings need finite rows.", nameof(source));
        foreach (float v in target)
            if (!float.IsFinite(v)) throw new ArgumentException($"target holds {v}; couplings need finite rows.", nameof(target));
    }
}
