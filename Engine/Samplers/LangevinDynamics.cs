using TorchEbm.Energies;
using TorchEbm.Models;
using TorchEbm.Random;

namespace TorchEbm.Samplers;

/// <summary>
/// Unadjusted Langevin dynamics: x &lt;- x - stepSize dE/dx + noiseScale sqrt(2 stepSize) xi, xi ~ N(0, I).
/// With noiseScale s the chains target exp(-E(x) / s^2) (up to the discretisation bias of the step).
/// </summary>
/// <remarks>
/// For analytic models (every built-in model) a whole run is one kernel launch: each chain's state stays in its
/// own row, noise is drawn in-kernel, and only kept states are written. Any other <see cref="BaseModel"/> runs
/// one Gradient call and one update launch per step, with no host synchronisation in the loop.
/// </remarks>
public sealed class LangevinDynamics : Sampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="model">The model to sample.</param>
    /// <param name="stepSize">Step size h &gt; 0.</param>
    /// <param name="noiseScale">Noise scale s &gt;= 0 (1 samples exp(-E); 0 is gradient descent).</param>
    /// <param name="seed">Philox key: the same seed reproduces every call bit for bit.</param>
    /// <param name="clampMin">Optional lower bound every coordinate is clamped to after each step.</param>
    /// <param name="clampMax">Optional upper bound every coordinate is clamped to after each step.</param>
    /// <exception cref="ArgumentOutOfRangeException">A step size, noise scale or bound is out of range.</exception>
    public LangevinDynamics(BaseModel model, float stepSize, float noiseScale = 1f, long seed = 0,
        float? clampMin = null, float? clampMax = null) : base(model, seed)
    {
        Guard.PositiveFinite(stepSize);
        Guard.NonNegativeFinite(noiseScale);
        if (clampMin is float lo) Guard.Finite(lo, nameof(clampMin));
        if (clampMax is float hi) Guard.Finite(hi, nameof(clampMax));
        if (clampMin > clampMax)
            throw new ArgumentOutOfRangeException(nameof(clampMax), clampMax, $"clampMax must be >= clampMin ({clampMin}).");
        StepSize = stepSize;
        NoiseScale = noiseScale;
        ClampMin = clampMin;
        ClampMax = clampMax;
    }

    /// <summary>Step size h.</summary>
    public float StepSize { get; }

    /// <summary>Noise scale s.</summary>
    public float NoiseScale { get; }

    /// <summary>Lower clamp bound, if any.</summary>
    public float? ClampMin { get; }

    /// <summary>Upper clamp bound, if any.</summary>
    public float? ClampMax { get; }

    /// <inheritdoc />
    public override ChainResult SampleChain(int dim, int nSteps, int nSamples = 1, SampleOptions? options = null)
    {
        options ??= new SampleOptions();
        Validate(dim, nSteps, nSamples, options);
        int kept = options.ReturnTrajectory || options.ReturnDiagnostics ? nSteps / options.Thin : 0;
        (long seed, uint call) = NextStream(options);
        var rng = Philox4x32.FromSeed(seed);

        Tensor x = options.InitialSamples?.Clone() ?? Device.Allocate([nSamples, dim]);
        Tensor trajectory = Device.Allocate(kept > 0 ? [kept, nSamples, dim] : [1]);
        try
        {
            if (options.InitialSamples is null)
                Device.Launch(LangevinKernels.Initialize, nSamples, x.View, dim, rng, call);
            using Tensor stepSizes = Device.Full(StepSize, Math.Max(1, nSteps));
            using Tensor noiseScales = Device.Full(NoiseScale, Math.Max(1, nSteps));
            var settings = new LangevinSettings(dim, nSteps, 0, options.Thin, call,
                ClampMin ?? float.NegativeInfinity, ClampMax ?? float.PositiveInfinity);

            if (nSteps > 0)
            {
                if (Model is IAnalyticModel analytic)
                    analytic.Accept(new FusedRun(x, trajectory, stepSizes, noiseScales, settings, rng));
                else
                    RunStepByStep(x, trajectory, stepSizes, noiseScales, settings, rng);
            }

            ChainDiagnostics? diagnostics = options.ReturnDiagnostics ? Diagnostics(trajectory, kept, nSamples, dim) : null;
            if (!options.ReturnTrajectory) trajectory.Dispose();
            return new ChainResult(x, options.ReturnTrajectory ? trajectory : null, diagnostics);
        }
        catch
        {
            x.Dispose();
            trajectory.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public override Tensor SampleStep(Tensor x)
    {
        ValidateStates(x, nameof(x));
        return SampleChain(x.Dim(1), 1, x.Dim(0), new SampleOptions { InitialSamples = x }).TakeSamples();
    }

    private void RunStepByStep(Tensor x, Tensor trajectory, Tensor stepSizes, Tensor noiseScales, LangevinSettings settings, Philox4x32 rng)
    {
        for (int t = 0; t < settings.Steps; t++)
        {
            using Tensor gradient = Model.Gradient(x);
            Device.Launch(LangevinKernels.Update, x.Dim(0), x.View, gradient.View, trajectory.View,
                stepSizes.View, noiseScales.View, settings with { FirstStep = t }, rng);
        }
    }

    private ChainDiagnostics Diagnostics(Tensor trajectory, int kept, int chains, int dim)
    {
        using Tensor rows = trajectory.Reshape(kept * chains, dim);
        using Tensor energies = Model.Forward(rows);
        Tensor meanEnergy = Device.Allocate([kept]);
        Tensor mean = Device.Allocate([kept, dim]);
        Tensor variance = Device.Allocate([kept, dim]);
        Device.Launch(DiagnosticsKernels.GroupMeans, kept, energies.View, meanEnergy.View, chains);
        Device.Launch(DiagnosticsKernels.ColumnMoments, (long)kept * dim, trajectory.View, mean.View, variance.View, chains, dim);
        return new ChainDiagnostics(meanEnergy, mean, variance);
    }

    private void Validate(int dim, int nSteps, int nSamples, SampleOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(nSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(nSamples, 1);
        if (options.Thin < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.Thin, $"options.Thin must be >= 1, got {options.Thin}.");
        if (Model.Dim is int modelDim && modelDim != dim)
            throw new ArgumentException($"dim is {dim} but the model {Model.GetType().Name} expects samples of dimension {modelDim}.", nameof(dim));
        if ((options.ReturnTrajectory || options.ReturnDiagnostics) && nSteps / options.Thin == 0)
            throw new ArgumentException(
                $"A trajectory or diagnostics need at least one kept step: nSteps ({nSteps}) must be >= options.Thin ({options.Thin}).", nameof(nSteps));
        if (options.InitialSamples is Tensor initial)
        {
            ValidateStates(initial, "options.InitialSamples");
            if (initial.Dim(0) != nSamples || initial.Dim(1) != dim)
                throw new ArgumentException(
                    $"options.InitialSamples has shape {Shapes.Format(initial.Shape)} but the run needs ({nSamples}, {dim}).", nameof(options));
        }
    }

    /// <summary>Checks live (n, d) finite states on this device; copies them to the host once to look for NaN/infinity.</summary>
    private void ValidateStates(Tensor x, string name)
    {
        Guard.Batch(x, Device, name);
        int bad = Array.FindIndex(x.ToArray(), v => !float.IsFinite(v));
        if (bad >= 0)
            throw new ArgumentException($"{name} must be finite, but element [{bad / x.Dim(1)}, {bad % x.Dim(1)}] is not.", name);
    }

    /// <summary>Launches the fused chain kernel specialised for the model's energy struct.</summary>
    private sealed class FusedRun(Tensor x, Tensor trajectory, Tensor stepSizes, Tensor noiseScales, LangevinSettings settings, Philox4x32 rng)
        : IEnergyVisitor<bool>
    {
        public bool Visit<TEnergy>(TEnergy energy) where TEnergy : struct, IEnergy
        {
            using Tensor scratch = x.Device.Allocate(x.Shape);
            x.Device.Launch(LangevinKernels.Chains, x.Dim(0), x.View, scratch.View, trajectory.View,
                stepSizes.View, noiseScales.View, settings, rng, energy);
            return true;
        }
    }
}
