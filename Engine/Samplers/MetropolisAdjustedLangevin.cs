using TorchEbm.Kernels.Samplers;
using TorchEbm.Models;
using TorchEbm.Schedulers;

namespace TorchEbm.Samplers;

/// <summary>
/// The Metropolis-adjusted Langevin algorithm (MALA): the Langevin proposal y = x - h dE/dx + sqrt(2 h) xi, accepted
/// with the Metropolis-Hastings probability (proposal densities both ways), so the chains target exp(-E) exactly at any
/// step size; a smaller step gives higher acceptance.
/// </summary>
/// <remarks>
/// One energy-and-gradient evaluation per step (the current state's are kept). Fused in one launch for analytic models
/// and plain MLPs, step by step otherwise. With <see cref="SampleOptions.WarmupSteps"/> the step size is adapted towards
/// <see cref="SampleOptions.TargetAcceptance"/> (default 0.574, optimal for MALA in high dimension). The run's acceptance
/// rates and divergences come back in <see cref="ChainResult.Info"/>.
/// </remarks>
public sealed class MetropolisAdjustedLangevin : Sampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="model">The model to sample.</param>
    /// <param name="stepSize">Step size h &gt; 0: a float or a schedule over the steps of each run.</param>
    /// <param name="seed">Philox key: the same seed reproduces every call bit for bit.</param>
    /// <exception cref="ArgumentOutOfRangeException">A constant step size is not positive and finite.</exception>
    public MetropolisAdjustedLangevin(BaseModel model, Scheduler stepSize, long seed = 0) : base(model, seed)
    {
        StepSize = CheckStepSize(stepSize);
    }

    /// <summary>Step size schedule h(t); every run starts at t = 0.</summary>
    public Scheduler StepSize { get; }

    /// <inheritdoc />
    private protected override float? DefaultTargetAcceptance => 0.574f;

    /// <inheritdoc />
    private protected override ChainResult Run(ChainRequest request)
    {
        using ChainRun run = ChainRun.Start(this, request);
        var transition = new MalaTransition(run.StepSize(StepSize, nameof(StepSize)));
        return run.Execute(transition, MalaTransition.Rows, MalaTransition.Scalars);
    }
}
