namespace TorchEbm.Samplers;

/// <summary>
/// The per-draw statistics a Metropolis transition records beyond the ones all of them have (acceptance statistic, energy,
/// divergence), so <see cref="ChainInfo"/> exposes only meaningful ones.
/// </summary>
[Flags]
internal enum DrawStatisticKinds
{
    /// <summary>Acceptance statistic, energy and divergence only (MALA).</summary>
    Common = 0,

    /// <summary>The leapfrog steps of each transition (HMC, NUTS).</summary>
    Leapfrogs = 1,

    /// <summary>The tree depth of each transition (NUTS).</summary>
    TreeDepth = 2,
}
