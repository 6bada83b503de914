namespace TorchEbm.Samplers;

/// <summary>
/// A run's per-draw sampler statistics on the host, each (kept, chains) as the trajectory's rows, or null where the run
/// has none: Stan's accept_stat__, energy__, treedepth__, n_leapfrog__ and divergent__ (see ChainInfo). Read by
/// <see cref="ChainResult.Warnings"/> and <see cref="ChainResult.WriteStanCsv"/>.
/// </summary>
internal sealed record DrawStatistics(float[,]? AcceptStat, float[,]? Energy, float[,]? TreeDepth, float[,]? Leapfrogs, float[,]? Divergent)
{
    /// <summary>No per-draw statistics (unadjusted Langevin, or a run without a trajectory).</summary>
    public static DrawStatistics None { get; } = new(null, null, null, null, null);
}
