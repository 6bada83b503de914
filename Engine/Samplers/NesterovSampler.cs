using TorchEbm.Kernels.Samplers;
using TorchEbm.Models;
using TorchEbm.Schedulers;

namespace TorchEbm.Samplers;

/// <summary>
/// Nesterov's accelerated gradient descent on the energy (TorchEBM's <c>NesterovSampler</c>): v &lt;- mu v - h dE/dx(x + mu v),
/// x &lt;- x + v, velocity starting at 0. A deterministic minimiser, not a sampler of exp(-E): each chain runs from its
/// initial state (N(0, I) from the seed, or <see cref="SampleOptions.InitialSamples"/>) towards a nearby minimum.
/// </summary>
/// <remarks>
/// On the chain core as <see cref="NesterovTransition"/>: one gradient evaluation per step, a whole run in one launch for
/// analytic models and plain MLPs, step by step otherwise. On a quadratic with curvatures in [m, L], h = 1 / L and
/// mu = (sqrt(L) - sqrt(m)) / (sqrt(L) + sqrt(m)) contract the error by about 1 - sqrt(m / L) per step, where plain
/// gradient descent takes 1 - m / L. Warm-up steps are more descent steps. Each call (and each
/// <see cref="Sampler.SampleStep"/>) starts with zero velocity.
/// </remarks>
public sealed class NesterovSampler : Sampler
{
    /// <summary>Creates the minimiser.</summary>
    /// <param name="model">The energy to minimise.</param>
    /// <param name="stepSize">Step size h &gt; 0: a float or a schedule over the steps of each run (TorchEBM's default 1e-3).</param>
    /// <param name="momentum">Momentum coefficient mu in [0, 1) (TorchEBM's default 0.9).</param>
    /// <param name="seed">Philox key of the initial states.</param>
    /// <exception cref="ArgumentOutOfRangeException">A constant step size is not positive and finite, or the momentum is outside [0, 1).</exception>
    public NesterovSampler(BaseModel model, Scheduler stepSize, float momentum = 0.9f, long seed = 0) : base(model, seed)
    {
        if (!(momentum >= 0f && momentum < 1f))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"momentum must be in [0, 1), got {momentum}.");
        StepSize = CheckStepSize(stepSize);
        Momentum = momentum;
    }

    /// <summary>Step size schedule h(t); every run starts at t = 0.</summary>
    public Scheduler StepSize { get; }

    /// <summary>Momentum coefficient mu.</summary>
    public float Momentum { get; }

    /// <inheritdoc />
    private protected override ChainResult Run(ChainRequest request)
    {
        using ChainRun run = ChainRun.Start(this, request);
        var transition = new NesterovTransition(run.Table(StepSize, nameof(StepSize), positive: true), Momentum);
        return run.Execute(transition, NesterovTransition.Rows, NesterovTransition.Scalars);
    }
}
