using TorchEbm.Elementwise;
using TorchEbm.Integrators;
using TorchEbm.Interpolants;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;

namespace TorchEbm.Samplers;

/// <summary>
/// Generates samples from a flow or diffusion model (TorchEBM's <c>FlowSampler</c>): draws x ~ N(0, I) at t = 0 and
/// integrates towards the data at t = 1, either the probability-flow ODE dx = v(x, t) dt with any <see cref="Integrator"/>, or,
/// with a <see cref="Diffusion"/> D &gt; 0, the SDE dx = [v + D score] dt + sqrt(2 D) dW with <see cref="EulerMaruyama"/>;
/// both have the path's marginals p_t. The model predicts the velocity or the score (<see cref="FlowPrediction"/>); the
/// interpolant converts one into the other (v = (alpha'/alpha) x + (sigma^2 alpha'/alpha - sigma sigma') score).
/// </summary>
/// <remarks>
/// A host-side driver over batched tensors: each evaluation calls the model once on the whole batch and mixes its output
/// with x by two element-wise kernels; only <see cref="DormandPrince5"/> reads back (its error norm). Initial noise is row r's
/// Philox block (r, initial step, word, call) keyed by <see cref="Seed"/>, as the samplers' initial states: the same seed
/// reproduces the same sequence of calls. The velocity ODE runs over [0, 1]; score models and the SDE need the conversion,
/// which is singular where alpha = 0 (t = 0) or sigma = 0 (t = 1), so they run over [<see cref="TimeEpsilon"/>,
/// 1 - <see cref="TimeEpsilon"/>] (TorchEBM's sample_eps).
/// </remarks>
public sealed class FlowSampler
{
    private uint _calls;

    /// <summary>Creates the sampler.</summary>
    /// <param name="device">The device the model's tensors live on.</param>
    /// <param name="model">The trained model f(x, t): a velocity or a score, per <paramref name="prediction"/>.</param>
    /// <param name="prediction">What <paramref name="model"/> predicts.</param>
    /// <param name="interpolant">The path the model was trained on; needed for score models and for the SDE (default: linear).</param>
    /// <param name="integrator">The ODE integrator (default <see cref="DormandPrince5"/> with rtol 1e-3, atol 1e-6, as
    /// TorchEBM's dopri5); with a diffusion it must be an <see cref="EulerMaruyama"/> (default: one keyed by <paramref name="seed"/>).</param>
    /// <param name="diffusion">D &gt;= 0: 0 integrates the probability-flow ODE; D &gt; 0 the SDE with that diffusion.</param>
    /// <param name="timeEpsilon">Distance kept from the singular ends where needed, in (0, 0.5).</param>
    /// <param name="seed">Philox key of the initial noise.</param>
    /// <exception cref="ArgumentException">An argument is out of range, or a diffusion with an integrator other than Euler-Maruyama.</exception>
    public FlowSampler(Device device, VectorField model, FlowPrediction prediction = FlowPrediction.Velocity, IInterpolant? interpolant = null,
        Integrator? integrator = null, float diffusion = 0f, float timeEpsilon = 1e-3f, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(model);
        if (!Enum.IsDefined(prediction))
            throw new ArgumentOutOfRangeException(nameof(prediction), prediction, $"prediction must be {string.Join(" or ", Enum.GetNames<FlowPrediction>())}.");
        Check.NonNegativeFinite(diffusion);
        if (!(timeEpsilon > 0f && timeEpsilon < 0.5f))
            throw new ArgumentOutOfRangeException(nameof(timeEpsilon), timeEpsilon, $"timeEpsilon must be in (0, 0.5), got {timeEpsilon}.");
        if (diffusion > 0f && integrator is not null and not EulerMaruyama)
            throw new ArgumentException($"The SDE (diffusion {diffusion} > 0) runs with EulerMaruyama, not {integrator.GetType().Name}.", nameof(integrator));
        Device = device;
        Model = model;
        Prediction = prediction;
        Interpolant = interpolant ?? new LinearInterpolant();
        Diffusion = diffusion;
        Integrator = integrator ?? (diffusion > 0f ? new EulerMaruyama(seed) : new DormandPrince5(rtol: 1e-3f, atol: 1e-6f));
        TimeEpsilon = timeEpsilon;
        Seed = seed;
    }

    /// <summary>The device the samples live on.</summary>
    public Device Device { get; }

    /// <summary>The model f(x, t).</summary>
    public VectorField Model { get; }

    /// <summary>What the model predicts.</summary>
    public FlowPrediction Prediction { get; }

    /// <summary>The probability path.</summary>
    public IInterpolant Interpolant { get; }

    /// <summary>The integrator.</summary>
    public Integrator Integrator { get; }

    /// <summary>D: 0 for the ODE, positive for the SDE.</summary>
    public float Diffusion { get; }

    /// <summary>Distance kept from t = 0 and t = 1 where the velocity-score conversion is singular.</summary>
    public float TimeEpsilon { get; }

    /// <summary>Philox key of the initial noise.</summary>
    public long Seed { get; }

    /// <summary>The integration interval: [0, 1] for a velocity ODE, else [eps, 1 - eps].</summary>
    public (float Start, float End) Interval =>
        Prediction == FlowPrediction.Velocity && Diffusion == 0f ? (0f, 1f) : (TimeEpsilon, 1f - TimeEpsilon);

    /// <summary>
    /// Integrates <paramref name="nSamples"/> draws of N(0, I) in dimension <paramref name="dim"/> (or
    /// <paramref name="initialSamples"/>, left as they are) over <see cref="Interval"/> in <paramref name="nSteps"/> steps
    /// (an adaptive integrator's first step is that long) and returns the samples (nSamples, dim); the caller owns them.
    /// </summary>
    /// <exception cref="ArgumentException">A size is out of range, or the initial samples do not fit (thrown before any launch).</exception>
    /// <exception cref="InvalidOperationException">The model returned a tensor of the wrong shape or device, or an adaptive
    /// integrator failed.</exception>
    public Tensor Sample(int dim, int nSteps, int nSamples = 1, Tensor? initialSamples = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(nSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(nSamples, 1);
        if (initialSamples is not null)
        {
            Check.Batch(initialSamples, Device, nameof(initialSamples));
            if (initialSamples.Dim(0) != nSamples || initialSamples.Dim(1) != dim)
                throw new ArgumentException($"initialSamples has shape {Shapes.Format(initialSamples.Shape)} but the run needs ({nSamples}, {dim}).",
                    nameof(initialSamples));
        }
        (float t0, float t1) = Interval;
        using Tensor start = initialSamples?.Clone() ?? Noise(nSamples, dim);
        return Integrator is EulerMaruyama em && Diffusion > 0f
            ? em.Integrate(start, Drift, _ => MathF.Sqrt(2f * Diffusion), t0, t1, nSteps)
            : Integrator.Integrate(start, Drift, t0, t1, nSteps);
    }

    /// <summary>N(0, I) rows from the seed, a fresh call's noise each time.</summary>
    private Tensor Noise(int rows, int dim)
    {
        Tensor x = Device.Zeros(rows, dim);
        Device.Launch(LangevinKernels.Initialize, rows, x.View, dim, Philox4x32.FromSeed(Seed), _calls++, 0);
        return x;
    }

    /// <summary>
    /// The drift at (x, t) as position scale * x + output scale * f(x, t), scales from the interpolant at t:
    /// velocity ODE v; score ODE a x + b s; velocity SDE v + D (v - a x) / b; score SDE a x + (b + D) s, with
    /// (a, b) = <see cref="IInterpolant.ScoreToVelocity"/>.
    /// </summary>
    private Tensor Drift(Tensor x, float t)
    {
        float positionScale = 0f, outputScale = 1f;
        if (Prediction == FlowPrediction.Score || Diffusion > 0f)
        {
            (float a, float b) = Interpolant.ScoreToVelocity(t);
            (positionScale, outputScale) = Prediction == FlowPrediction.Score
                ? (a, b + Diffusion)
                : (-Diffusion * a / b, 1f + Diffusion / b);
        }
        Tensor drift = RungeKutta.Checked(Model(x, t), x, t);
        if (positionScale == 0f && outputScale == 1f) return drift;
        ElementwiseOps.Scale(Device, drift.View, drift.View, outputScale);
        ElementwiseOps.AddScaled(Device, x.View, drift.View, positionScale);
        return drift;
    }
}
