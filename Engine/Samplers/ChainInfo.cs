using System.Globalization;
using TorchEbm.Reductions;

namespace TorchEbm.Samplers;

/// <summary>
/// What a Metropolis sampler's run (MALA, HMC, NUTS) reports about its chains over the returned steps (warm-up excluded):
/// acceptance, divergences and the step sizes it used, and with a trajectory (<see cref="SampleOptions.ReturnTrajectory"/>)
/// per-draw statistics as Stan's sampler diagnostics, one row per kept state (shape (nSteps / Thin, nSamples), the rows of
/// <see cref="ChainResult.Trajectory"/>). Unadjusted Langevin reports none. Freed with its <see cref="ChainResult"/>.
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
    /// Per chain, the fraction of its <see cref="Transitions"/> proposals accepted (NUTS: of its transitions whose draw is not
    /// their starting point), shape (nSamples); 0 after a run of no step (no proposal, none accepted: read it with
    /// <see cref="Transitions"/>).
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

    /// <summary>HMC and NUTS: the inverse mass matrix used (adapted or given): its diagonal, shape (dim), or the whole
    /// matrix, shape (dim, dim), for a dense mass; null for MALA.</summary>
    public Tensor? InverseMass { get; }

    /// <summary>
    /// The chains whose energy at the end of warm-up was still far above the ensemble's (median + max(10 robust spreads,
    /// 10 + 5 sqrt(d / 2))) or not finite: stuck in a minor mode or far in the tails, so their draws are not from the
    /// posterior the others sample. Warm-up restarts such chains from better ones while it can; empty without warm-up.
    /// </summary>
    public IReadOnlyList<int> StrandedChains { get; init; } = [];

    /// <summary>
    /// Per kept draw, Stan's accept_stat__: HMC and MALA min(1, exp(-energy error)) of the transition, NUTS the mean over the
    /// tree's new leaves of min(1, exp(H0 - H_leaf)); null without a trajectory.
    /// </summary>
    public Tensor? AcceptStat { get; init; }

    /// <summary>
    /// Per kept draw, Stan's energy__: the Hamiltonian at the transition's start (E(x) plus the kinetic energy of the fresh
    /// momentum; what E-BFMI is computed from), for MALA E(x) of the draw; null without a trajectory.
    /// </summary>
    public Tensor? Energy { get; init; }

    /// <summary>Per kept draw, NUTS's tree depth (doublings merged into the trajectory); null for HMC and MALA or without a trajectory.</summary>
    public Tensor? TreeDepth { get; init; }

    /// <summary>Per kept draw, the transition's leapfrog steps (HMC its fixed count, NUTS the steps taken); null for MALA or
    /// without a trajectory.</summary>
    public Tensor? Leapfrogs { get; init; }

    /// <summary>Per kept draw, 1 when the transition diverged, else 0; null without a trajectory.</summary>
    public Tensor? Divergent { get; init; }

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

    /// <summary>
    /// The values in one line, e.g. <c>ChainInfo: 8 chains x 1000 transitions, acceptance 0.812 (0.790 .. 0.840),
    /// 3 divergences, step size 0.123 (shared), inverse mass [1.02, 0.97]</c>; copies the small tensors to the host.
    /// </summary>
    public override string ToString()
    {
        if (AcceptanceRate.IsDisposed) return "ChainInfo (disposed)";
        float[] acceptance = AcceptanceRate.ToArray(), steps = StepSizes.ToArray();
        string step = steps.Length == 1 ? $"{G(steps[0])} (shared)" : $"{G(steps.Min())} .. {G(steps.Max())} (per chain)";
        string mass = InverseMass is Tensor m ? $", inverse mass {Values.Brief(m.ToArray())}" : "";
        return $"ChainInfo: {acceptance.Length} chains x {Transitions} transitions, acceptance {MeanAcceptance.ToString("F3", CultureInfo.InvariantCulture)} " +
               $"({acceptance.Min().ToString("F3", CultureInfo.InvariantCulture)} .. {acceptance.Max().ToString("F3", CultureInfo.InvariantCulture)}), " +
               $"{Divergences} divergences, step size {step}{mass}";
    }

    private static string G(float value) => value.ToString("G4", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public void Dispose()
    {
        AcceptanceRate.Dispose();
        DivergencesPerChain.Dispose();
        StepSizes.Dispose();
        InverseMass?.Dispose();
        AcceptStat?.Dispose();
        Energy?.Dispose();
        TreeDepth?.Dispose();
        Leapfrogs?.Dispose();
        Divergent?.Dispose();
    }
}
