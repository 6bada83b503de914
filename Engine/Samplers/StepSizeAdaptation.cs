namespace TorchEbm.Samplers;

/// <summary>How warm-up adapts a Metropolis sampler's step size (see <see cref="SampleOptions.WarmupSteps"/>).</summary>
public enum StepSizeAdaptation
{
    /// <summary>One step size for all chains, from the mean acceptance probability over chains at each warm-up step.</summary>
    Shared,

    /// <summary>One step size per chain, from the chain's own acceptance probabilities.</summary>
    PerChain,
}
