using TorchEbm.Kernels.Samplers;
using TorchEbm.Models;
using TorchEbm.Schedulers;

namespace TorchEbm.Samplers;

/// <summary>
/// The No-U-Turn Sampler as Stan runs it: each step draws a momentum p ~ N(0, M), doubles a leapfrog trajectory of the
/// Hamiltonian H = E(x) + p^T M^-1 p / 2 in random directions until it turns back on itself (the generalised no-U-turn
/// criterion, checked across every subtree and across the boundaries of merged halves) or reaches 2^<see cref="MaxTreeDepth"/> - 1
/// leapfrog steps, and draws the next state multinomially from the trajectory's points weighted by exp(-H), so the chains
/// target exp(-E) exactly with no trajectory length to tune. A leaf whose energy error exceeds 1000 (or is NaN) is a
/// divergence: the tree stops there, and it is counted in <see cref="ChainResult.Info"/>.
/// </summary>
/// <remarks>
/// Each chain builds its own tree at its own pace: fused in one launch for analytic models and plain MLPs (on a GPU a
/// finished chain's thread simply waits), step by step otherwise, with one host read per tree doubling to stop launching
/// once every chain's tree has stopped. With <see cref="SampleOptions.WarmupSteps"/> the step size is adapted towards
/// <see cref="SampleOptions.TargetAcceptance"/> (default 0.8, Stan's) on the mean acceptance statistic of each tree and,
/// unless <see cref="SampleOptions.AdaptMass"/> is off, the mass matrix from the warm-up positions: by default dense up to
/// <see cref="DenseMassMaxDim"/> dimensions (their covariance), diagonal above (their variances).
/// <see cref="ChainInfo"/> reports per kept draw the tree depth, leapfrog steps, acceptance statistic, energy and divergence
/// when the trajectory is returned.
/// </remarks>
public sealed class NoUTurnSampler : Sampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="model">The model to sample.</param>
    /// <param name="stepSize">Leapfrog step size eps &gt; 0: a float or a schedule over the steps of each run.</param>
    /// <param name="maxTreeDepth">Most trajectory doublings per transition, in [1, 16] (at most 2^maxTreeDepth - 1 leapfrog
    /// steps); Stan's default 10.</param>
    /// <param name="mass">The mass: a float for all coordinates, a float[] of one per coordinate (each positive and finite),
    /// or dense (<see cref="MassMatrix.Dense"/>, <see cref="MassMatrix.FromDense"/>); null: dense from the identity up to
    /// <see cref="DenseMassMaxDim"/> dimensions, the identity diagonal above.</param>
    /// <param name="seed">Philox key: the same seed reproduces every call bit for bit.</param>
    /// <exception cref="ArgumentOutOfRangeException">A constant step size, the tree depth or a mass is out of range.</exception>
    public NoUTurnSampler(BaseModel model, Scheduler stepSize, int maxTreeDepth = 10, MassMatrix? mass = null, long seed = 0)
        : base(model, seed)
    {
        if (maxTreeDepth is < 1 or > NutsTransition.MaxDepth)
            throw new ArgumentOutOfRangeException(nameof(maxTreeDepth), maxTreeDepth,
                $"maxTreeDepth must be in [1, {NutsTransition.MaxDepth}], got {maxTreeDepth}.");
        mass?.Validate(nameof(mass));
        StepSize = CheckStepSize(stepSize);
        MaxTreeDepth = maxTreeDepth;
        Mass = mass;
    }

    /// <summary>Leapfrog step size schedule eps(t); every run starts at t = 0.</summary>
    public Scheduler StepSize { get; }

    /// <summary>Most trajectory doublings per transition.</summary>
    public int MaxTreeDepth { get; }

    /// <summary>The mass matrix runs start from (warm-up may adapt a run's copy); null: <see cref="MassFor"/> the dimension.</summary>
    public MassMatrix? Mass { get; }

    /// <summary>
    /// Up to this dimension the default mass is dense. Measured on posteriordb's kidiq (beta[1] and beta[2] correlated at
    /// -0.99; 32 chains, 1000 + 1000): the dense mass tripled bulk-ESS per draw (14,100 to 45,500) with shorter trees; a
    /// dense mass costs O(d^2) per leapfrog step, small against a posterior's gradient at this size.
    /// </summary>
    public const int DenseMassMaxDim = 16;

    /// <summary>The mass a run of dimension <paramref name="dim"/> starts from: <see cref="Mass"/>, or by default dense up to
    /// <see cref="DenseMassMaxDim"/> dimensions and the identity diagonal above.</summary>
    public MassMatrix MassFor(int dim) => Mass ?? (dim <= DenseMassMaxDim ? MassMatrix.Dense : 1f);

    /// <inheritdoc />
    private protected override float? DefaultTargetAcceptance => 0.8f;

    /// <inheritdoc />
    private protected override ChainResult Run(ChainRequest request)
    {
        using ChainRun run = ChainRun.Start(this, request);
        AdaptiveStepSize stepSize = run.StepSize(StepSize, nameof(StepSize));
        var transition = new NutsTransition(stepSize, run.Metric(MassFor(request.Dim)), MaxTreeDepth);
        return run.Execute(transition, NutsTransition.RowsFor(MaxTreeDepth), NutsTransition.Scalars,
            DrawStatisticKinds.Leapfrogs | DrawStatisticKinds.TreeDepth);
    }
}
