namespace TorchEbm.Samplers;

/// <summary>What a <see cref="SamplingWarning"/> is about: each is a sign that the draws may not represent the target.</summary>
public enum SamplingWarningKind
{
    /// <summary>A parameter's split R-hat is above 1.01: the chains (or their halves) disagree.</summary>
    HighRHat,

    /// <summary>A parameter's bulk ESS is below 100 per chain: its mean and median are poorly estimated.</summary>
    LowBulkEss,

    /// <summary>A parameter's tail ESS is below 100 per chain: its 5% and 95% quantiles (intervals) are poorly estimated.</summary>
    LowTailEss,

    /// <summary>Transitions after warm-up diverged: the integrator could not follow the target's curvature there.</summary>
    Divergences,

    /// <summary>A chain's E-BFMI is below 0.3: momentum resampling moves the energy too little to explore its distribution.</summary>
    LowEnergyBfmi,

    /// <summary>NUTS transitions stopped at the maximum tree depth: trajectories cut short, exploration slowed.</summary>
    TreeDepthSaturated,

    /// <summary>A chain accepted no proposal after warm-up: it never moved.</summary>
    NeverAccepted,

    /// <summary>A chain ended with a NaN or infinite coordinate.</summary>
    NonFiniteChains,

    /// <summary>A chain's energy at the end of warm-up was far above the other chains' (see <see cref="ChainInfo.StrandedChains"/>):
    /// stuck in a minor mode or far in the tails.</summary>
    StrandedChains,
}
