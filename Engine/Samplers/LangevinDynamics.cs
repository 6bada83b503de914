using ILGPU;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Models;
using TorchEbm.Schedulers;

namespace TorchEbm.Samplers;

/// <summary>
/// Unadjusted Langevin dynamics: x &lt;- x - stepSize dE/dx + noiseScale sqrt(2 stepSize) xi, xi ~ N(0, I).
/// With noiseScale s the chains target exp(-E(x) / s^2) (up to the discretisation bias of the step).
/// </summary>
/// <remarks>
/// For analytic models (every built-in model) and MLP energies (<see cref="NeuralNetworkModel.IsFused"/>) a whole run is one
/// kernel launch (the generic chain kernel with <see cref="LangevinTransition"/>; separable energies one work item per four
/// coordinates): each chain's state stays in its own row, noise is drawn in-kernel, and only kept states are written. Any
/// other <see cref="BaseModel"/> runs one Gradient call and one update launch per step, with no host synchronisation in the
/// loop. Warm-up steps (<see cref="SampleOptions.WarmupSteps"/>) are burn-in: nothing is adapted.
/// </remarks>
public sealed class LangevinDynamics : Sampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="model">The model to sample.</param>
    /// <param name="stepSize">Step size h &gt; 0: a float or a schedule over the steps of each run.</param>
    /// <param name="noiseScale">Noise scale s &gt;= 0, a float or a schedule (null: 1, which samples exp(-E); 0 is gradient descent).</param>
    /// <param name="seed">Philox key: the same seed reproduces every call bit for bit.</param>
    /// <param name="clampMin">Optional lower bound every coordinate is clamped to after each step.</param>
    /// <param name="clampMax">Optional upper bound every coordinate is clamped to after each step.</param>
    /// <exception cref="ArgumentOutOfRangeException">A constant step size or noise scale, or a bound, is out of range.</exception>
    /// <remarks>A schedule's values are checked when a run builds its table: a step size that is not positive and finite
    /// at some step of a run, or a negative noise scale, throws then, before anything is launched.</remarks>
    public LangevinDynamics(BaseModel model, Scheduler stepSize, Scheduler? noiseScale = null, long seed = 0,
        float? clampMin = null, float? clampMax = null) : base(model, seed)
    {
        noiseScale ??= 1f;
        if (noiseScale is ConstantScheduler s) Check.NonNegativeFinite(s.Value, nameof(noiseScale));
        if (clampMin is float lo) Check.Finite(lo, nameof(clampMin));
        if (clampMax is float hi) Check.Finite(hi, nameof(clampMax));
        if (clampMin > clampMax)
            throw new ArgumentOutOfRangeException(nameof(clampMax), clampMax, $"clampMax must be >= clampMin ({clampMin}).");
        StepSize = CheckStepSize(stepSize);
        NoiseScale = noiseScale;
        ClampMin = clampMin;
        ClampMax = clampMax;
    }

    /// <summary>Step size schedule h(t); every run starts at t = 0.</summary>
    public Scheduler StepSize { get; }

    /// <summary>Noise scale schedule s(t); every run starts at t = 0.</summary>
    public Scheduler NoiseScale { get; }

    /// <summary>Lower clamp bound, if any.</summary>
    public float? ClampMin { get; }

    /// <summary>Upper clamp bound, if any.</summary>
    public float? ClampMax { get; }

    /// <inheritdoc />
    private protected override ChainResult Run(ChainRequest request)
    {
        using ChainRun run = ChainRun.Start(this, request);
        var transition = new LangevinTransition(run.Table(StepSize, nameof(StepSize), positive: true),
            run.Table(NoiseScale, nameof(NoiseScale), positive: false),
            ClampMin ?? float.NegativeInfinity, ClampMax ?? float.PositiveInfinity);
        return run.Execute(transition, rows: 1, scalars: 1);
    }
}
