using TorchEbm.Kernels.Samplers;
using TorchEbm.Models;
using TorchEbm.Schedulers;

namespace TorchEbm.Samplers;

/// <summary>
/// Gradient descent on the energy (TorchEBM's <c>GradientDescentSampler</c>): x &lt;- x - h dE/dx. A deterministic minimiser,
/// not a sampler of exp(-E): each chain runs from its initial state (N(0, I) from the seed, or
/// <see cref="SampleOptions.InitialSamples"/>) to a nearby minimum, as for energy minimisation and equilibrium-matching
/// sampling.
/// </summary>
/// <remarks>
/// It is Langevin dynamics at zero temperature, and runs as exactly that: <see cref="LangevinTransition"/> with noise scale 0
/// (the noise it draws is multiplied by zero), so it shares Langevin's fused kernels, its host SIMD twin and its
/// step-by-step path. On a quadratic with curvatures in [m, L] a step h &lt; 2 / L contracts the distance to the minimum
/// along curvature k by |1 - h k| per step. Warm-up steps are more descent steps.
/// </remarks>
public sealed class GradientDescentSampler : Sampler
{
    private static readonly Scheduler NoNoise = 0f;

    /// <summary>Creates the minimiser.</summary>
    /// <param name="model">The energy to minimise.</param>
    /// <param name="stepSize">Step size h &gt; 0: a float or a schedule over the steps of each run (TorchEBM's default 1e-3).</param>
    /// <param name="seed">Philox key of the initial states.</param>
    /// <exception cref="ArgumentOutOfRangeException">A constant step size is not positive and finite.</exception>
    public GradientDescentSampler(BaseModel model, Scheduler stepSize, long seed = 0) : base(model, seed)
    {
        StepSize = CheckStepSize(stepSize);
    }

    /// <summary>Step size schedule h(t); every run starts at t = 0.</summary>
    public Scheduler StepSize { get; }

    /// <inheritdoc />
    private protected override ChainResult Run(ChainRequest request)
    {
        using ChainRun run = ChainRun.Start(this, request);
        var transition = new LangevinTransition(run.Table(StepSize, nameof(StepSize), positive: true),
            run.Table(NoNoise, "noiseScale", positive: false), float.NegativeInfinity, float.PositiveInfinity);
        return run.Execute(transition, rows: 1, scalars: 1);
    }
}
