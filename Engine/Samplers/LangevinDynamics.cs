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
/// kernel launch (the generic chain kernel with the Langevin transition): each chain's state stays in its own row, noise
/// is drawn in-kernel, and only kept states are written. Any other <see cref="BaseModel"/> runs
/// one Gradient call and one update launch per step, with no host synchronisation in the loop.
/// </remarks>
public sealed class LangevinDynamics : Sampler
{
    /// <summary>The model's fused chain source, resolved once; null: one Gradient and one update launch per step.</summary>
    private readonly EnergySource? _source;

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
        ArgumentNullException.ThrowIfNull(stepSize);
        noiseScale ??= 1f;
        if (stepSize is ConstantScheduler h) Check.PositiveFinite(h.Value, nameof(stepSize));
        if (noiseScale is ConstantScheduler s) Check.NonNegativeFinite(s.Value, nameof(noiseScale));
        if (clampMin is float lo) Check.Finite(lo, nameof(clampMin));
        if (clampMax is float hi) Check.Finite(hi, nameof(clampMax));
        if (clampMin > clampMax)
            throw new ArgumentOutOfRangeException(nameof(clampMax), clampMax, $"clampMax must be >= clampMin ({clampMin}).");
        StepSize = stepSize;
        NoiseScale = noiseScale;
        _source = model.Source;
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
    public override ChainResult SampleChain(int dim, int nSteps, int nSamples = 1, SampleOptions? options = null)
    {
        options ??= new SampleOptions();
        Validate(dim, nSteps, nSamples, options);
        if (options.InitialSamples is Tensor initial) Check.AllFinite(initial, "options.InitialSamples");
        ChainResult result = Run(dim, nSteps, nSamples, options, firstStep: 0);
        if (options.ThrowOnNonFinite && result.NonFiniteChains > 0)
        {
            int bad = result.NonFiniteChains;
            result.Dispose();
            throw new NotFiniteNumberException(
                $"{bad} of {nSamples} chains ended with a NaN or infinite coordinate after {nSteps} steps; the step size may be too large for this energy.");
        }
        return result;
    }

    /// <summary>
    /// One step from the states <paramref name="x"/> (n, d) at schedule step <paramref name="step"/>: a new tensor of
    /// the next states. x is not scanned for NaN (that would synchronise the host on every step of a loop).
    /// </summary>
    /// <exception cref="ArgumentException">x is not a live (n, d) tensor of the model's dimension on the model's device.</exception>
    public override Tensor SampleStep(Tensor x, int step = 0)
    {
        Check.Batch(x, Device, nameof(x));
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var options = new SampleOptions { InitialSamples = x };
        Validate(x.Dim(1), 1, x.Dim(0), options, nameof(x));
        return Run(x.Dim(1), 1, x.Dim(0), options, step).TakeSamples();
    }

    /// <inheritdoc />
    internal override Tensor Advance(Tensor x, int nSteps) =>
        Run(x.Dim(1), nSteps, x.Dim(0), new SampleOptions { InitialSamples = x }, firstStep: 0).TakeSamples();

    /// <summary>A validated run of steps firstStep .. firstStep + nSteps - 1.</summary>
    private ChainResult Run(int dim, int nSteps, int nSamples, SampleOptions options, int firstStep)
    {
        int kept = options.ReturnTrajectory || options.ReturnDiagnostics ? nSteps / options.Thin : 0;
        float[] stepSizes = Table(StepSize, firstStep, nSteps, nameof(StepSize));
        float[] noiseScales = Table(NoiseScale, firstStep, nSteps, nameof(NoiseScale));
        CheckSchedule(stepSizes, firstStep, nameof(StepSize), positive: true);
        CheckSchedule(noiseScales, firstStep, nameof(NoiseScale), positive: false);
        (long seed, uint call) = NextStream(options);
        var rng = Philox4x32.FromSeed(seed);

        Tensor? x = null, trajectory = null;
        try
        {
            x = options.InitialSamples?.Clone() ?? Device.Allocate([nSamples, dim]);
            trajectory = Device.Allocate(kept > 0 ? [kept, nSamples, dim] : [1]);
            if (options.InitialSamples is null)
                Device.Launch(LangevinKernels.Initialize, nSamples, x.View, dim, rng, call);
            using Tensor stepTable = Device.FromArray(stepSizes, stepSizes.Length);
            using Tensor noiseTable = Device.FromArray(noiseScales, noiseScales.Length);
            var settings = new ChainSettings(dim, nSteps, firstStep, options.Thin, call);
            float lo = ClampMin ?? float.NegativeInfinity, hi = ClampMax ?? float.PositiveInfinity;

            if (nSteps > 0)
            {
                // One fused launch when the model has a chain source; otherwise a Gradient and an update per step.
                if (_source is EnergySource source && source.Fits(nSamples))
                {
                    var transition = new LangevinTransition(stepTable.View, noiseTable.View, lo, hi);
                    if (!source.TryLangevinCoordinates(x, trajectory, settings, rng, transition))
                        source.Chains(x, trajectory, settings, rng, transition);
                }
                else RunStepByStep(x, trajectory, stepTable, noiseTable, settings, rng, lo, hi);
            }

            ChainDiagnostics? diagnostics = options.ReturnDiagnostics ? Diagnostics(trajectory, kept, nSamples, dim) : null;
            if (!options.ReturnTrajectory) trajectory.Dispose();
            return new ChainResult(x, options.ReturnTrajectory ? trajectory : null, diagnostics);
        }
        catch
        {
            x?.Dispose();
            trajectory?.Dispose();
            throw;
        }
    }

    /// <summary>Most entries a schedule table may have (256 MB of floats): a schedule that keeps changing longer than this is refused.</summary>
    private const int MaxTableLength = 1 << 26;

    /// <summary>
    /// The values a run's kernels read: one per step up to the step from which the schedule stays constant (kernels hold
    /// the last entry), so a constant schedule is one entry and a settled one is short, however long the run.
    /// </summary>
    private static float[] Table(Scheduler schedule, int firstStep, int nSteps, string name)
    {
        long length = Math.Max(1, nSteps);
        if (schedule.ConstantFrom is int settled) length = Math.Clamp((long)settled - firstStep + 1, 1, length);
        if (length > MaxTableLength)
            throw new ArgumentOutOfRangeException(name, schedule,
                $"{name} ({schedule}) keeps changing over all {nSteps} steps, which needs a table of more than {MaxTableLength} values: " +
                "run fewer steps per call (continue from InitialSamples) or use a schedule that settles.");
        return schedule.Values(firstStep, (int)length);
    }

    private static ArrayView<float> TableEntry(Tensor table, int step) => table.View.SubView(Math.Min(step, table.Length - 1), 1);

    private static void CheckSchedule(float[] values, int firstStep, string name, bool positive)
    {
        int bad = Array.FindIndex(values, v => !float.IsFinite(v) || (positive ? v <= 0 : v < 0));
        if (bad >= 0)
            throw new ArgumentOutOfRangeException(name, values[bad],
                $"{name} must be {(positive ? "positive" : ">= 0")} and finite at every step, but at step {firstStep + bad} it is {values[bad]}.");
    }

    private void RunStepByStep(Tensor x, Tensor trajectory, Tensor stepSizes, Tensor noiseScales, ChainSettings settings,
        Philox4x32 rng, float clampMin, float clampMax)
    {
        for (int s = 0; s < settings.Steps; s++)
        {
            using Tensor gradient = Model.CheckedGradient(x);
            var transition = new LangevinTransition(TableEntry(stepSizes, s), TableEntry(noiseScales, s), clampMin, clampMax);
            Device.Launch(LangevinKernels.Update, x.Dim(0), x.View, gradient.View, trajectory.View,
                settings with { FirstStep = settings.FirstStep + s }, rng, transition);
        }
    }

    private ChainDiagnostics Diagnostics(Tensor trajectory, int kept, int chains, int dim)
    {
        using Tensor rows = trajectory.Reshape(kept * chains, dim);
        using Tensor energies = Model.CheckedForward(rows);
        Tensor? meanEnergy = null, mean = null, variance = null;
        try
        {
            meanEnergy = Device.Allocate([kept]);
            mean = Device.Allocate([kept, dim]);
            variance = Device.Allocate([kept, dim]);
            Device.Launch(DiagnosticsKernels.GroupMeans, kept, energies.View, meanEnergy.View, chains);
            Device.Launch(DiagnosticsKernels.ColumnMoments, (long)kept * dim, trajectory.View, mean.View, variance.View, chains, dim);
            return new ChainDiagnostics(meanEnergy, mean, variance);
        }
        catch
        {
            meanEnergy?.Dispose();
            mean?.Dispose();
            variance?.Dispose();
            throw;
        }
    }

    private void Validate(int dim, int nSteps, int nSamples, SampleOptions options, string dimName = "dim")
    {
        Model.ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(nSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(nSamples, 1);
        if (options.Thin < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.Thin, $"options.Thin must be >= 1, got {options.Thin}.");
        Model.CheckDimension(dim, dimName);
        if ((options.ReturnTrajectory || options.ReturnDiagnostics) && nSteps / options.Thin == 0)
            throw new ArgumentException(
                $"A trajectory or diagnostics need at least one kept step: nSteps ({nSteps}) must be >= options.Thin ({options.Thin}).", nameof(nSteps));
        if (options.InitialSamples is Tensor initial)
        {
            Check.Batch(initial, Device, "options.InitialSamples");
            if (initial.Dim(0) != nSamples || initial.Dim(1) != dim)
                throw new ArgumentException(
                    $"options.InitialSamples has shape {Shapes.Format(initial.Shape)} but the run needs ({nSamples}, {dim}).", nameof(options));
        }
    }
}
