using TorchEbm.Kernels.Samplers;
using TorchEbm.Models;
using TorchEbm.Schedulers;

namespace TorchEbm.Samplers;

/// <summary>
/// Hamiltonian Monte Carlo: each step draws a momentum p ~ N(0, M) (and a step size within <see cref="StepSizeJitter"/> of
/// the step size), runs <see cref="LeapfrogSteps"/> leapfrog steps of
/// the Hamiltonian H = E(x) + p^T M^-1 p / 2 and accepts the end point with probability min(1, exp(-dH)), so the chains
/// target exp(-E) exactly. A transition whose energy error dH exceeds 1000 (or is NaN) is a divergence: rejected
/// and counted in <see cref="ChainResult.Info"/>, never propagated.
/// </summary>
/// <remarks>
/// One energy-and-gradient evaluation per leapfrog step. Fused in one launch for analytic models and plain MLPs, step
/// by step otherwise. With <see cref="SampleOptions.WarmupSteps"/> the step size is adapted towards
/// <see cref="SampleOptions.TargetAcceptance"/> (default 0.65) and, unless <see cref="SampleOptions.AdaptMass"/> is
/// off, a diagonal mass matrix from the warm-up positions' variances.
/// </remarks>
public sealed class HamiltonianMonteCarlo : Sampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="model">The model to sample.</param>
    /// <param name="stepSize">Leapfrog step size eps &gt; 0: a float or a schedule over the steps of each run.</param>
    /// <param name="nLeapfrogSteps">Leapfrog steps per transition, at least 1.</param>
    /// <param name="mass">Diagonal mass: a float for all coordinates or a float[] of one per coordinate, each positive and
    /// finite with a finite inverse (null: identity).</param>
    /// <param name="seed">Philox key: the same seed reproduces every call bit for bit.</param>
    /// <param name="stepSizeJitter">Each transition draws its step size uniformly from stepSize (1 +- jitter), jitter in
    /// [0, 1); 0 keeps it fixed. Jitter keeps the acceptance rate a smooth function of the step size, which fixed-length
    /// leapfrog trajectories on near-Gaussian targets do not have (their energy error oscillates with the trajectory's
    /// phase), so warm-up adaptation reaches its target.</param>
    /// <exception cref="ArgumentOutOfRangeException">A constant step size, the leapfrog count, a mass or the jitter is out of range.</exception>
    public HamiltonianMonteCarlo(BaseModel model, Scheduler stepSize, int nLeapfrogSteps = 10, MassMatrix? mass = null, long seed = 0,
        float stepSizeJitter = 0.2f)
        : base(model, seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nLeapfrogSteps, 1);
        mass ??= 1f;
        mass.Validate(nameof(mass));
        if (!(stepSizeJitter >= 0f && stepSizeJitter < 1f))
            throw new ArgumentOutOfRangeException(nameof(stepSizeJitter), stepSizeJitter, $"stepSizeJitter must be in [0, 1), got {stepSizeJitter}.");
        StepSize = CheckStepSize(stepSize);
        LeapfrogSteps = nLeapfrogSteps;
        StepSizeJitter = stepSizeJitter;
        Mass = mass;
    }

    /// <summary>Leapfrog step size schedule eps(t); every run starts at t = 0.</summary>
    public Scheduler StepSize { get; }

    /// <summary>Leapfrog steps per transition.</summary>
    public int LeapfrogSteps { get; }

    /// <summary>Relative half-width of each transition's uniform step-size draw around the step size.</summary>
    public float StepSizeJitter { get; }

    /// <summary>The diagonal mass matrix runs start from (warm-up may adapt a run's copy).</summary>
    public MassMatrix Mass { get; }

    /// <inheritdoc />
    private protected override float? DefaultTargetAcceptance => 0.65f;

    /// <inheritdoc />
    private protected override ChainResult Run(ChainRequest request)
    {
        using ChainRun run = ChainRun.Start(this, request);
        AdaptiveStepSize stepSize = run.StepSize(StepSize, nameof(StepSize));
        var transition = new HmcTransition(stepSize, run.Metric(Mass), LeapfrogSteps, StepSizeJitter);
        return run.Execute(transition, HmcTransition.Rows, HmcTransition.Scalars, DrawStatisticKinds.Leapfrogs);
    }
}
