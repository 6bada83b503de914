using TorchEbm.Samplers;
using TorchEbm.Diagnostics;

namespace TorchEbm.Distributed;

/// <summary>
/// The chains of a sharded run gathered on rank 0, in global chain order: bit for bit what one process running all the
/// chains with the same seed returns. On the other ranks every array is null.
/// </summary>
public sealed class GatheredChains
{
    internal GatheredChains(int chains, int dim, int kept, float[]? samples, float[]? trajectory, float[]? acceptance,
        float[]? divergences, float[]? stepSizes, float[]? inverseMass = null)
    {
        Chains = chains;
        Dim = dim;
        Kept = kept;
        Samples = samples;
        Trajectory = trajectory;
        AcceptanceRate = acceptance;
        DivergencesPerChain = divergences;
        StepSizes = stepSizes;
        InverseMass = inverseMass;
    }

    /// <summary>Number of chains in all.</summary>
    public int Chains { get; }

    /// <summary>Dimension d.</summary>
    public int Dim { get; }

    /// <summary>Kept states per chain in <see cref="Trajectory"/> (0 without one).</summary>
    public int Kept { get; }

    /// <summary>Whether this rank holds the gathered arrays (rank 0).</summary>
    public bool IsRoot => Samples is not null;

    /// <summary>Final states, (Chains, Dim) row-major; null off rank 0.</summary>
    public float[]? Samples { get; }

    /// <summary>Kept states, (Kept, Chains, Dim) row-major as <c>ChainResult.Trajectory</c>; null off rank 0 or when none was asked for.</summary>
    public float[]? Trajectory { get; }

    /// <summary>Metropolis samplers: accepted fraction per chain; null for Langevin or off rank 0.</summary>
    public float[]? AcceptanceRate { get; }

    /// <summary>Metropolis samplers: divergent transitions per chain; null for Langevin or off rank 0.</summary>
    public float[]? DivergencesPerChain { get; }

    /// <summary>Metropolis samplers: the final step size (one, or one per chain under per-chain adaptation); null for Langevin or off rank 0.</summary>
    public float[]? StepSizes { get; }

    /// <summary>HMC and NUTS: the inverse mass matrix used, its diagonal (d) or dense (d x d, row-major) (rank 0's: a mass
    /// adapted over all chains is refused on several ranks, so every rank uses the same); null for other samplers or off rank 0.</summary>
    public float[]? InverseMass { get; }

    /// <summary>Per kept draw (kept, chains), as the trajectory: the run's sampler statistics (accept_stat__, energy__, NUTS's
    /// tree depth and leapfrogs, divergent__); <see cref="DrawStatistics.None"/> off rank 0 or without a trajectory.</summary>
    internal DrawStatistics PerDrawStatistics { get; init; } = DrawStatistics.None;

    /// <summary>Global indices of the chains still stranded at the end of warm-up (see <c>ChainInfo.StrandedChains</c>); empty off rank 0.</summary>
    public IReadOnlyList<int> StrandedChains { get; init; } = [];

    /// <summary>NUTS: the sampler's maximum tree depth (for the tree-depth warning); null for the other samplers.</summary>
    public int? MaxTreeDepth { get; init; }

    /// <summary>Mean of <see cref="AcceptanceRate"/> over all chains; null where it is null.</summary>
    public float? MeanAcceptance => AcceptanceRate is float[] a ? (float)(a.Sum(v => (double)v) / a.Length) : null;

    /// <summary>Divergent transitions over all chains; null where <see cref="DivergencesPerChain"/> is null.</summary>
    public int? Divergences => DivergencesPerChain is float[] d ? (int)d.Sum(v => (double)v) : null;

    /// <summary>The first <paramref name="dims"/> dimensions of the trajectory as (kept, chains, dims), for <see cref="ChainStatistics"/>.</summary>
    /// <exception cref="InvalidOperationException">No trajectory on this rank.</exception>
    public float[,,] Draws(int dims)
    {
        float[] all = Trajectory ?? throw new InvalidOperationException("No trajectory here: ask for one, and read it on rank 0.");
        ArgumentOutOfRangeException.ThrowIfLessThan(dims, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dims, Dim);
        var draws = new float[Kept, Chains, dims];
        for (int t = 0; t < Kept; t++)
        for (int c = 0; c < Chains; c++)
        for (int j = 0; j < dims; j++)
            draws[t, c, j] = all[((long)t * Chains + c) * Dim + j];
        return draws;
    }
}
