using TorchEbm.Models;
using TorchEbm.Schedulers;

namespace TorchEbm.Samplers;

/// <summary>
/// Parallel tempering (replica exchange): every chain runs R replicas of an inner sampler (Langevin, MALA, HMC or NUTS),
/// replica k on the tempered density exp(-beta_k E) with beta_0 = 1 &gt; beta_1 &gt; ... &gt; beta_{R-1} &gt; 0, and after
/// every <see cref="SwapEvery"/> inner steps neighbouring replicas exchange temperatures with probability min(1, alpha),
/// log alpha = (beta_k - beta_{k+1}) (E(x_k) - E(x_{k+1})). Hot replicas cross the barriers between modes that the
/// target's chains cannot, and swaps carry their states down to beta = 1; the returned samples, trajectory and
/// diagnostics are each chain's beta = 1 replica, which targets exp(-E) exactly.
/// </summary>
/// <remarks>
/// <para>Swaps follow the deterministic even/odd scheme (non-reversible parallel tempering, Syed, Bouchard-Cote,
/// Deligiannidis and Doucet 2021, arXiv 1905.02939): swap rounds alternate between the pairs (0, 1), (2, 3), ... and
/// (1, 2), (3, 4), ..., so a replica keeps moving in one direction along the ladder instead of diffusing. With
/// <see cref="SampleOptions.WarmupSteps"/> and <see cref="AdaptTemperatures"/>, warm-up runs rounds of 1, 2, 4, ... swap
/// rounds (the last at least half of it) and after each moves the inner levels so that every neighbour pair gets the
/// same rejection rate (the paper's round-trip-optimal schedule from the estimated communication barrier); beta_0 and
/// the hottest level stay. <see cref="ChainResult.Tempering"/> reports the ladder, each pair's swap acceptance and each
/// chain's round trips over the returned steps.</para>
/// <para>All replicas of all chains run as the chains of one launch of the inner transition per segment of
/// <see cref="SwapEvery"/> steps (fused where the model has an energy source), the temperature applied by scaling each
/// evaluation's energy and gradient; a swap exchanges the replicas' temperature indices on the device, never their
/// states. Between segments: the replicas' energies (one launch of the model), the swap kernel and, with a trajectory,
/// a gather of the beta = 1 replicas. On the CPU device the host SIMD twins run the tempered Langevin, MALA and diagonal
/// HMC transitions, as for the other samplers. A seed reproduces every call bit for bit.</para>
/// <para>Each call starts every replica of a chain at the chain's starting state (<see cref="SampleOptions.InitialSamples"/>,
/// else N(0, I)): the hot replicas do not persist from one call to the next, so give each call its warm-up.</para>
/// <para>The inner sampler contributes its transition and settings (step size, leapfrog steps, mass); its seed is not used
/// and its step-size and mass adaptation does not run (one step size serves every temperature: choose one that suits the
/// hottest replica as well, whose density is 1 / sqrt(beta) times wider). Its schedules must be constant.
/// <see cref="SampleOptions.TargetAcceptance"/> and <see cref="SampleOptions.FirstChain"/> are refused; the other
/// warm-up options (step-size and mass adaptation, restarts) have no effect. Memory: R times the inner sampler's, and a
/// kept trajectory is held for all replicas until it is gathered.</para>
/// </remarks>
public sealed class ParallelTempering : Sampler
{
    /// <summary>Default hottest temperature of <see cref="ParallelTempering(BaseModel, int, Sampler, float, int, bool, long)"/>:
    /// beta_min = 0.01. A replica at beta sees an energy barrier of height Delta E as one of beta Delta E, so beta_min = 0.01
    /// flattens barriers up to ~100 nats to ~1 nat (two unit Gaussians 14 standard deviations apart are separated by ~25
    /// nats), and widens each mode tenfold; a wider ladder needs more replicas for the same swap rate.</summary>
    public const float DefaultMaxTemperature = 100f;

    /// <summary>Default inner steps between swap rounds: one launch, one energy evaluation and one swap kernel per 10 inner
    /// steps keeps the swaps' overhead small beside the inner transitions while replicas still move along the ladder often.</summary>
    public const int DefaultSwapEvery = 10;

    /// <summary>Creates the sampler with an explicit temperature ladder.</summary>
    /// <param name="model">The model to sample (the inner sampler's).</param>
    /// <param name="temperatures">T_0 = 1 &lt; T_1 &lt; ... &lt; T_{R-1}, finite, at least two: replica k targets exp(-E / T_k).</param>
    /// <param name="sampler">The inner sampler (<see cref="LangevinDynamics"/>, <see cref="MetropolisAdjustedLangevin"/>,
    /// <see cref="HamiltonianMonteCarlo"/> or <see cref="NoUTurnSampler"/>) on the same model, with constant schedules.</param>
    /// <param name="swapEvery">Inner steps between swap rounds, at least 1.</param>
    /// <param name="adaptTemperatures">Whether warm-up moves the inner temperatures towards equal swap rates.</param>
    /// <param name="seed">Philox key: the same seed reproduces every call bit for bit.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The ladder is not as described, the inner sampler is of another kind, on another
    /// model or has a varying schedule, or swapEvery &lt; 1.</exception>
    public ParallelTempering(BaseModel model, float[] temperatures, Sampler sampler, int swapEvery = DefaultSwapEvery,
        bool adaptTemperatures = true, long seed = 0)
        : base(model, seed)
    {
        ArgumentNullException.ThrowIfNull(temperatures);
        CheckTemperatures(temperatures);
        Inner = CheckInner(model, sampler);
        ArgumentOutOfRangeException.ThrowIfLessThan(swapEvery, 1);
        InverseTemperatures = Array.AsReadOnly(temperatures.Select(t => 1f / t).ToArray());
        SwapEvery = swapEvery;
        AdaptTemperatures = adaptTemperatures;
    }

    /// <summary>Creates the sampler with a geometric ladder of <paramref name="nReplicas"/> temperatures from 1 to
    /// <paramref name="maxTemperature"/> (beta_k = maxTemperature^(-k / (R - 1)): a constant ratio between neighbours).</summary>
    /// <param name="model">The model to sample (the inner sampler's).</param>
    /// <param name="nReplicas">Replicas per chain R, at least 2.</param>
    /// <param name="sampler">The inner sampler, as for the other constructor.</param>
    /// <param name="maxTemperature">The hottest temperature, finite and above 1 (see <see cref="DefaultMaxTemperature"/>).</param>
    /// <param name="swapEvery">Inner steps between swap rounds, at least 1.</param>
    /// <param name="adaptTemperatures">Whether warm-up moves the inner temperatures towards equal swap rates.</param>
    /// <param name="seed">Philox key: the same seed reproduces every call bit for bit.</param>
    /// <exception cref="ArgumentException">An argument is out of range or the inner sampler does not fit (as above).</exception>
    public ParallelTempering(BaseModel model, int nReplicas, Sampler sampler, float maxTemperature = DefaultMaxTemperature,
        int swapEvery = DefaultSwapEvery, bool adaptTemperatures = true, long seed = 0)
        : base(model, seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nReplicas, 2);
        if (!(maxTemperature > 1f && float.IsFinite(maxTemperature)))
            throw new ArgumentOutOfRangeException(nameof(maxTemperature), maxTemperature, $"maxTemperature must be finite and above 1, got {maxTemperature}.");
        Inner = CheckInner(model, sampler);
        ArgumentOutOfRangeException.ThrowIfLessThan(swapEvery, 1);
        InverseTemperatures = Array.AsReadOnly(TemperatureLadder.Geometric(nReplicas, maxTemperature));
        SwapEvery = swapEvery;
        AdaptTemperatures = adaptTemperatures;
    }

    /// <summary>The inner sampler whose transition every replica runs.</summary>
    public Sampler Inner { get; }

    /// <summary>The starting ladder beta_k = 1 / T_k, beta_0 = 1 (warm-up may adapt a run's copy; the run's ladder is in
    /// <see cref="TemperingInfo.InverseTemperatures"/>).</summary>
    public IReadOnlyList<float> InverseTemperatures { get; }

    /// <summary>Replicas per chain.</summary>
    public int Replicas => InverseTemperatures.Count;

    /// <summary>Inner steps between swap rounds.</summary>
    public int SwapEvery { get; }

    /// <summary>Whether warm-up adapts the inner temperatures towards equal swap rates.</summary>
    public bool AdaptTemperatures { get; }

    /// <inheritdoc />
    private protected override ChainResult Run(ChainRequest request)
    {
        SampleOptions options = request.Options;
        if (options.FirstChain != 0)
            throw new ArgumentException($"{nameof(ParallelTempering)} runs whole chains with all their replicas: options.FirstChain must be 0, got {options.FirstChain}.",
                nameof(options));
        if ((long)request.Chains * Replicas > int.MaxValue)
            throw new ArgumentOutOfRangeException("nSamples", request.Chains,
                $"{request.Chains} chains of {Replicas} replicas are more than {int.MaxValue} chains in one launch.");
        long kept = options.ReturnTrajectory || options.ReturnDiagnostics ? request.Steps / options.Thin : 0;
        if (kept * request.Chains * Replicas * request.Dim > int.MaxValue)
            throw new ArgumentOutOfRangeException("nSteps", request.Steps,
                $"The kept trajectory of all {Replicas} replicas ({kept} x {request.Chains * (long)Replicas} x {request.Dim} floats) is more than " +
                $"{int.MaxValue} floats: keep fewer steps (options.Thin) or run fewer chains per call.");
        (long seed, uint call) = NextStream(options);
        var plan = new TemperingPlan(InverseTemperatures.ToArray(), SwapEvery, AdaptTemperatures, request.Chains, options.WarmupSteps,
            options.InitialSamples, seed, call);
        var replicas = request with
        {
            Chains = request.Chains * Replicas,
            Options = options with { InitialSamples = null, WarmupSteps = 0 },
            Tempering = plan,
        };
        return Inner.RunRequest(replicas);
    }

    private static void CheckTemperatures(float[] temperatures)
    {
        const string expected = "T_0 = 1 < T_1 < ... (finite, at least two)";
        if (temperatures.Length < 2)
            throw new ArgumentException($"temperatures needs at least two entries ({expected}), got {temperatures.Length}.", nameof(temperatures));
        if (temperatures[0] != 1f)
            throw new ArgumentException($"temperatures[0] must be 1, the target's temperature ({expected}), got {temperatures[0]}.", nameof(temperatures));
        for (int k = 1; k < temperatures.Length; k++)
            if (!(temperatures[k] > temperatures[k - 1] && float.IsFinite(temperatures[k])))
                throw new ArgumentException(
                    $"temperatures must be finite and strictly increasing ({expected}), but temperatures[{k}] = {temperatures[k]} follows {temperatures[k - 1]}.",
                    nameof(temperatures));
    }

    /// <summary>The inner sampler: one whose transition runs tempered, on <paramref name="model"/>, with constant schedules
    /// (each segment of a run starts its own schedule table).</summary>
    private static Sampler CheckInner(BaseModel model, Sampler sampler)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        Scheduler[] schedules = sampler switch
        {
            LangevinDynamics langevin => [langevin.StepSize, langevin.NoiseScale],
            MetropolisAdjustedLangevin mala => [mala.StepSize],
            HamiltonianMonteCarlo hmc => [hmc.StepSize],
            NoUTurnSampler nuts => [nuts.StepSize],
            _ => throw new ArgumentException(
                $"sampler must be LangevinDynamics, MetropolisAdjustedLangevin, HamiltonianMonteCarlo or NoUTurnSampler, got {sampler.GetType().Name}.",
                nameof(sampler)),
        };
        if (!ReferenceEquals(sampler.Model, model))
            throw new ArgumentException("sampler must sample the same model as the ParallelTempering.", nameof(sampler));
        if (schedules.Any(schedule => schedule.ConstantFrom != 0))
            throw new ArgumentException("sampler's step-size and noise schedules must be constant under ParallelTempering.", nameof(sampler));
        return sampler;
    }
}
