using TorchEbm.Models;
using TorchEbm.Schedulers;

namespace TorchEbm.Samplers;

/// <summary>
/// Draws samples from a model's density p(x) ~ exp(-E(x)) by running Markov chains on the device.
/// A seed makes every call reproducible bit for bit on the same device.
/// </summary>
/// <remarks>
/// The base owns what every algorithm shares: validation, Philox streams, and (through one run loop) schedule tables,
/// warm-up, trajectory, diagnostics and the choice between one fused launch (models with an energy source: every
/// built-in model, plain MLPs) and the same transition step by step around the model's own Forward/Gradient. A
/// sampler is its settings plus its transition.
/// </remarks>
public abstract class Sampler
{
    private uint _calls;

    /// <summary>Creates a sampler for <paramref name="model"/> keyed by <paramref name="seed"/>.</summary>
    private protected Sampler(BaseModel model, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Seed = seed;
        Source = model.Source;
    }

    /// <summary>The model whose density is sampled.</summary>
    public BaseModel Model { get; }

    /// <summary>The seed calls use when their options give none.</summary>
    public long Seed { get; }

    /// <summary>The device the chains run on (the model's).</summary>
    public Device Device => Model.Device;

    /// <summary>The model's fused chain source, resolved once; null: transitions run step by step.</summary>
    internal EnergySource? Source { get; }

    /// <summary>Runs <paramref name="nSamples"/> chains of dimension <paramref name="dim"/> for <paramref name="nSteps"/> steps
    /// and returns the final states (nSamples, dim).</summary>
    /// <remarks>
    /// The arguments come in TorchEBM's order (dim, nSteps, nSamples), the same as <see cref="SampleChain"/>'s:
    /// <c>Sample(d, s, n)</c> returns the rows of <c>SampleChain(d, s, n).Samples</c>. Each call without
    /// <see cref="SampleOptions.Seed"/> advances the sampler's random stream; give a seed per call for the same numbers.
    /// </remarks>
    /// <exception cref="ArgumentException">As <see cref="SampleChain"/>.</exception>
    public Tensor Sample(int dim, int nSteps, int nSamples = 1, SampleOptions? options = null)
    {
        return SampleChain(dim, nSteps, nSamples, options).TakeSamples();
    }

    /// <summary>
    /// Runs <paramref name="nSamples"/> chains of dimension <paramref name="dim"/> for
    /// <see cref="SampleOptions.WarmupSteps"/> warm-up steps and then <paramref name="nSteps"/> steps; returns the final
    /// states and, as requested in <paramref name="options"/>, the kept trajectory, diagnostics and (Metropolis samplers)
    /// acceptance information.
    /// </summary>
    /// <exception cref="ArgumentException">A size is out of range, the options do not fit the run or the sampler, or the model needs another dimension.</exception>
    /// <exception cref="ObjectDisposedException">The model (or a part of it) has been disposed.</exception>
    /// <exception cref="InvalidOperationException">A user model returned a tensor of the wrong shape or device.</exception>
    /// <exception cref="NotFiniteNumberException"><see cref="SampleOptions.ThrowOnNonFinite"/> is set and a chain ended non-finite.</exception>
    public ChainResult SampleChain(int dim, int nSteps, int nSamples = 1, SampleOptions? options = null)
    {
        options ??= new SampleOptions();
        Validate(dim, nSteps, nSamples, options);
        if (options.InitialSamples is Tensor initial) Check.AllFinite(initial, "options.InitialSamples");
        ChainResult result = Run(new ChainRequest(dim, nSteps, nSamples, options, FirstStep: 0));
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
    public Tensor SampleStep(Tensor x, int step = 0)
    {
        Check.Batch(x, Device, nameof(x));
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var options = new SampleOptions { InitialSamples = x };
        Validate(x.Dim(1), 1, x.Dim(0), options, nameof(x));
        return Run(new ChainRequest(x.Dim(1), 1, x.Dim(0), options, step)).TakeSamples();
    }

    /// <summary>
    /// Runs <paramref name="nSteps"/> steps from states the caller has already validated (shape, device, finite
    /// values) and returns the final states: the path of losses, which must not synchronise with the host.
    /// </summary>
    /// <remarks>The chains are global chains [firstChain, firstChain + n) (<see cref="SampleOptions.FirstChain"/>). With a
    /// <paramref name="workspace"/> the run's working memory and objects are kept there for the caller's next run (the same
    /// bits), and the returned states are the workspace's: read them before the next run in it, and do not dispose them.</remarks>
    internal Tensor Advance(Tensor x, int nSteps, int firstChain = 0, ChainWorkspace? workspace = null) => workspace is null
        ? Run(AdvanceRequest(x, nSteps, firstChain, workspace: null)).TakeSamples()
        : workspace.HandOver(Run(workspace.Request(x, nSteps, firstChain)).TakeSamples());

    /// <summary>The request of <see cref="Advance"/>: nSteps steps of the chains x (global chains from firstChain).</summary>
    internal static ChainRequest AdvanceRequest(Tensor x, int nSteps, int firstChain, ChainWorkspace? workspace) =>
        new(x.Dim(1), nSteps, x.Dim(0), new SampleOptions { InitialSamples = x, FirstChain = firstChain }, FirstStep: 0, Workspace: workspace);

    /// <summary>A validated run: the sampler builds its transition's tables and runs it through <see cref="ChainRun"/>.</summary>
    private protected abstract ChainResult Run(ChainRequest request);

    /// <summary>Runs a request built by another sampler (<see cref="ParallelTempering"/> runs its inner sampler's transition).</summary>
    internal ChainResult RunRequest(ChainRequest request) => Run(request);

    /// <summary>The acceptance rate warm-up aims at when the options give none; null for samplers without a Metropolis step.</summary>
    private protected virtual float? DefaultTargetAcceptance => null;

    /// <summary>The Philox key and call index for one call: an explicit seed restarts at call 0.</summary>
    internal (long Seed, uint Call) NextStream(SampleOptions options) =>
        options.Seed is long seed ? (seed, 0u) : (Seed, _calls++);

    private void Validate(int dim, int nSteps, int nSamples, SampleOptions options, string dimName = "dim")
    {
        Model.ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(nSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(nSamples, 1);
        if (options.Thin < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.Thin, $"options.Thin must be >= 1, got {options.Thin}.");
        if (options.FirstChain < 0 || (long)options.FirstChain + nSamples > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(options), options.FirstChain,
                $"options.FirstChain must be >= 0 with FirstChain + nSamples <= {int.MaxValue}, got {options.FirstChain} with {nSamples} chains.");
        if (!Enum.IsDefined(options.StepSizeAdaptation))
            throw new ArgumentOutOfRangeException(nameof(options), options.StepSizeAdaptation,
                $"options.StepSizeAdaptation must be {string.Join(" or ", Enum.GetNames<StepSizeAdaptation>())}, got {(int)options.StepSizeAdaptation}.");
        if (options.WarmupSteps is < 0 or > SampleOptions.MaxWarmupSteps)
            throw new ArgumentOutOfRangeException(nameof(options), options.WarmupSteps,
                $"options.WarmupSteps must be in [0, {SampleOptions.MaxWarmupSteps}], got {options.WarmupSteps}.");
        if (options.TargetAcceptance is float target)
        {
            if (DefaultTargetAcceptance is null)
                throw new ArgumentException($"options.TargetAcceptance is set, but {GetType().Name} has no Metropolis step to adapt.", nameof(options));
            if (!(target > 0f && target < 1f))
                throw new ArgumentOutOfRangeException(nameof(options), target, $"options.TargetAcceptance must be in (0, 1), got {target}.");
        }
        Model.CheckDimension(dim, dimName);
        if ((options.ReturnTrajectory || options.ReturnDiagnostics) && nSteps / options.Thin == 0)
            throw new ArgumentException(
                $"A trajectory or diagnostics need at least one kept step after warm-up: nSteps ({nSteps}) must be >= options.Thin ({options.Thin}).", nameof(nSteps));
        if (options.InitialSamples is Tensor initial)
        {
            Check.Batch(initial, Device, "options.InitialSamples");
            if (initial.Dim(0) != nSamples || initial.Dim(1) != dim)
                throw new ArgumentException(
                    $"options.InitialSamples has shape {Shapes.Format(initial.Shape)} but the run needs ({nSamples}, {dim}).", nameof(options));
        }
    }

    /// <summary>A step-size schedule given to a constructor: not null, and positive and finite when constant (a varying
    /// schedule's values are checked when a run builds its table).</summary>
    private protected static Scheduler CheckStepSize(Scheduler stepSize)
    {
        ArgumentNullException.ThrowIfNull(stepSize);
        if (stepSize is ConstantScheduler h) Check.PositiveFinite(h.Value, nameof(stepSize));
        return stepSize;
    }

    /// <summary>The target acceptance of a run: the options' or the sampler's default.</summary>
    internal float TargetAcceptance(SampleOptions options) => options.TargetAcceptance ?? DefaultTargetAcceptance ?? 0f;
}
