using TorchEbm.Reductions;

namespace TorchEbm.Samplers;

/// <summary>
/// What a Metropolis sampler's run (MALA, HMC) reports about its chains over the returned steps (warm-up excluded):
/// acceptance, divergences and the step sizes it used. Unadjusted Langevin reports none. Freed with its
/// <see cref="ChainResult"/>.
/// </summary>
public sealed class ChainInfo : IDisposable
{
    internal ChainInfo(Tensor acceptanceRate, Tensor divergences, Tensor stepSizes, Tensor? inverseMass)
    {
        AcceptanceRate = acceptanceRate;
        DivergencesPerChain = divergences;
        StepSizes = stepSizes;
        InverseMass = inverseMass;
    }

    /// <summary>
    /// Per chain, the fraction of its <see cref="Transitions"/> proposals accepted, shape (nSamples); 0 after a run of no
    /// step (no proposal, none accepted: read it with <see cref="Transitions"/>).
    /// </summary>
    public Tensor AcceptanceRate { get; }

    /// <summary>Transitions (proposals) each chain made in the returned steps: nSteps, warm-up excluded.</summary>
    public int Transitions { get; internal init; }

    /// <summary>Per chain, its divergent transitions (energy error above 1000 or not finite, all rejected), shape (nSamples).</summary>
    public Tensor DivergencesPerChain { get; }

    /// <summary>
    /// The step size at the last step: shape (1) when all chains share one, (nSamples) with per-chain adaptation; the
    /// schedule's value there times the factor warm-up adapted (1 without warm-up).
    /// </summary>
    public Tensor StepSizes { get; }

    /// <summary>HMC: the diagonal of the inverse mass matrix used (adapted or given), shape (dim); null for MALA.</summary>
    public Tensor? InverseMass { get; }

    /// <summary>Mean of <see cref="AcceptanceRate"/> over chains, 0 after no step (one host synchronisation on first read, then cached).</summary>
    public float MeanAcceptance => _meanAcceptance ??= Sum(AcceptanceRate) / AcceptanceRate.Length;

    /// <summary>Divergent transitions over all chains (one host synchronisation on first read, then cached).</summary>
    public int Divergences => _divergences ??= (int)Sum(DivergencesPerChain);

    private float? _meanAcceptance;
    private int? _divergences;

    private static float Sum(Tensor values)
    {
        using Tensor sum = Reduce.Sum(values);
        return sum.ToArray()[0];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        AcceptanceRate.Dispose();
        DivergencesPerChain.Dispose();
        StepSizes.Dispose();
        InverseMass?.Dispose();
    }
}
