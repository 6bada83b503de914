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

    /// <summary>Per chain, the fraction of its proposals accepted, shape (nSamples); NaN after a run of no step.</summary>
    public Tensor AcceptanceRate { get; }

    /// <summary>Per chain, its divergent transitions (energy error above 1000 or not finite, all rejected), shape (nSamples).</summary>
    public Tensor DivergencesPerChain { get; }

    /// <summary>
    /// The step size at the last step: shape (1) when all chains share one, (nSamples) with per-chain adaptation; the
    /// schedule's value there times the factor warm-up adapted (1 without warm-up).
    /// </summary>
    public Tensor StepSizes { get; }

    /// <summary>HMC and NUTS: the inverse mass matrix used (adapted or given): its diagonal, shape (dim), or the whole
    /// matrix, shape (dim, dim), for a dense mass; null for MALA.</summary>
    public Tensor? InverseMass { get; }

    /// <summary>
    /// The chains whose energy at the end of warm-up was still far above the ensemble's (median + max(10 robust spreads,
    /// 10 + 5 sqrt(d / 2))) or not finite: stuck in a minor mode or far in the tails, so their draws are not from the
    /// posterior the others sample. Warm-up restarts such chains from better ones while it can; empty without warm-up.
    /// </summary>
    public IReadOnlyList<int> StrandedChains { get; init; } = [];

    /// <summary>Mean of <see cref="AcceptanceRate"/> over chains (one host synchronisation on first read, then cached).</summary>
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
