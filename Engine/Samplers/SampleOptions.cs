namespace TorchEbm.Samplers;

/// <summary>Optional settings of <see cref="Sampler.Sample"/> and <see cref="Sampler.SampleChain"/>.</summary>
public sealed record SampleOptions
{
    /// <summary>Starting states, shape (nSamples, dim), finite, on the model's device; null draws them from N(0, I).</summary>
    public Tensor? InitialSamples { get; init; }

    /// <summary>Return the kept states as <see cref="ChainResult.Trajectory"/>, shape (nSteps / Thin, nSamples, dim).</summary>
    public bool ReturnTrajectory { get; init; }

    /// <summary>Keep every Thin-th state (the states after steps Thin, 2 Thin, ...). At least 1.</summary>
    public int Thin { get; init; } = 1;

    /// <summary>Return per-kept-step diagnostics (mean energy, per-dimension mean and variance over chains).</summary>
    public bool ReturnDiagnostics { get; init; }

    /// <summary>
    /// Seed for this call only: the same seed gives bit-identical results. Null uses the sampler's seed and its
    /// call counter, so successive calls draw fresh noise yet a new sampler with the same seed repeats them.
    /// </summary>
    public long? Seed { get; init; }

    /// <summary>
    /// Throw <see cref="NotFiniteNumberException"/> (freeing the results) when any chain ends with a NaN or infinite
    /// coordinate, e.g. after a step size too large for the energy. Costs one host synchronisation per call; without it
    /// <see cref="ChainResult.NonFiniteChains"/> reports the count on request. Not applied to single steps.
    /// </summary>
    public bool ThrowOnNonFinite { get; init; }

    /// <summary>
    /// Steps run before the <c>nSteps</c> that are returned, never kept. MALA and HMC adapt their step size during them
    /// (and HMC its mass); Langevin uses them as burn-in. At most <see cref="MaxWarmupSteps"/>.
    /// </summary>
    public int WarmupSteps { get; init; }

    /// <summary>
    /// The acceptance rate step-size adaptation aims at, in (0, 1); null takes the sampler's default (0.574 for MALA,
    /// 0.65 for HMC). Only for samplers with a Metropolis step.
    /// </summary>
    public float? TargetAcceptance { get; init; }

    /// <summary>
    /// One step size per chain, each adapted from its own acceptance as a single Stan chain's (the default), or one shared by
    /// all chains from their mean acceptance. Per chain is the default because a shared step size settles on the chains
    /// already in the typical set and strands those still far out (measured on posteriordb's kidiq from Stan's inits).
    /// </summary>
    public StepSizeAdaptation StepSizeAdaptation { get; init; } = StepSizeAdaptation.PerChain;

    /// <summary>HMC: also adapt a diagonal mass matrix from the warm-up positions (windowed as Stan does). Default true.</summary>
    public bool AdaptMass { get; init; } = true;

    /// <summary>
    /// Metropolis samplers: during warm-up, restart a chain whose energy is far above the other chains' from the position
    /// (and step size) of one in their lower half, at the end of the first fast window and of every slow window but the
    /// last (see <see cref="ChainInfo.StrandedChains"/>). Default true. The sampling phase is exact either way; the restarts
    /// read every chain's energy, so a run split over processes (<see cref="FirstChain"/>) reproduces a whole run only
    /// without them.
    /// </summary>
    public bool RestartStrandedChains { get; init; } = true;

    /// <summary>
    /// Global index of this call's first chain: chain i draws the noise (and, without <see cref="InitialSamples"/>, the
    /// initial state) of chain FirstChain + i. Running chains [a, b) with FirstChain = a therefore gives exactly rows
    /// a..b-1 of a run of all chains with the same seed, which is how sharded sampling splits chains over processes.
    /// Shared step-size adaptation and HMC's mass adaptation pool statistics over the call's chains only, so they match
    /// the whole run only when the call has all its chains. Default 0; FirstChain + nSamples must not exceed 2^31 - 1.
    /// </summary>
    public int FirstChain { get; init; }

    /// <summary>Most warm-up steps a call may run (each is its own launch, followed by the adaptation launches).</summary>
    public const int MaxWarmupSteps = 1 << 20;
}
