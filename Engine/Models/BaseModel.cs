using TorchEbm.Autodiff;
using TorchEbm.Elementwise;

namespace TorchEbm.Models;

/// <summary>
/// An energy-based model: an energy E(x) over samples x of shape (n, d), with density p(x) ~ exp(-E(x)).
/// Subclass it either by writing the energy once in tape ops (override <see cref="Energies"/>: <see cref="Forward"/>
/// and <see cref="Gradient(Tensor)"/> then come from the tape) or with your own tensor code (override <see cref="Forward"/>
/// and <see cref="Gradient(Tensor)"/>); every sampler and loss accepts both.
/// </summary>
/// <remarks>
/// Naming: <see cref="Gradient(Tensor)"/> is dE/dx; <see cref="Score"/> is the score of the density, grad log p = -dE/dx
/// (the TorchEBM page calls +dE/dx "score"; here the name keeps its mathematical meaning).
/// </remarks>
public abstract class BaseModel : IDisposable
{
    /// <summary>Creates a model whose tensors live on <paramref name="device"/>.</summary>
    /// <exception cref="InvalidOperationException">The subclass overrides neither <see cref="Energies"/> nor both
    /// <see cref="Forward"/> and <see cref="Gradient(Tensor)"/>, so its energy would be defined by nothing.</exception>
    protected BaseModel(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        Device = device;
        if (!Overrides(nameof(Energies), typeof(Var)) && !(Overrides(nameof(Forward), typeof(Tensor)) && Overrides(nameof(Gradient), typeof(Tensor))))
            throw new InvalidOperationException(
                $"{GetType().Name} must override Energies(Var) (the energy in tape ops), or both Forward(Tensor) and Gradient(Tensor).");
    }

    /// <summary>
    /// A model from a function of the batch: <paramref name="energy"/> maps x, a <see cref="Var"/> of shape (n,
    /// <paramref name="dim"/>), to the n energies, shape (n), in tape ops (x.Column(j), arithmetic, Exp, Sum(1), the
    /// transforms of <c>TorchEbm.Transforms</c>, ...); Forward, Gradient and every sampler and loss come from the tape.
    /// </summary>
    /// <example><code>using BaseModel banana = BaseModel.FromEnergy(device, 2, x =>
    ///     x.Column(0).Square() / 8f + (x.Column(1) - 0.1f * x.Column(0).Square()).Square() / 2f);</code></example>
    /// <param name="device">The device the model computes on.</param>
    /// <param name="dim">The sample dimension d, at least 1: samples of another dimension are refused.</param>
    /// <param name="energy">The energy of each row; it must return a new Var of shape (n), which is checked at every
    /// call before anything reads it.</param>
    /// <exception cref="ArgumentNullException">device or energy is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">dim is below 1.</exception>
    /// <remarks>A call whose energy returns another shape throws <see cref="ArgumentException"/> naming
    /// <paramref name="energy"/>, before any kernel reads the result.</remarks>
    public static BaseModel FromEnergy(Device device, int dim, Func<Var, Var> energy) =>
        FromFunction(device, dim, energy, isLogDensity: false, nameof(energy));

    /// <summary>
    /// A model from an unnormalised log density (what BlackJAX and Stan users write): E(x) = -<paramref name="logDensity"/>(x),
    /// otherwise as <see cref="FromEnergy"/>.
    /// </summary>
    /// <param name="device">The device the model computes on.</param>
    /// <param name="dim">The sample dimension d, at least 1.</param>
    /// <param name="logDensity">log p(x) of each row, up to a constant: a new Var of shape (n).</param>
    /// <exception cref="ArgumentNullException">device or logDensity is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">dim is below 1.</exception>
    public static BaseModel FromLogDensity(Device device, int dim, Func<Var, Var> logDensity) =>
        FromFunction(device, dim, logDensity, isLogDensity: true, nameof(logDensity));

    private static FunctionModel FromFunction(Device device, int dim, Func<Var, Var> function, bool isLogDensity, string parameter)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(function, parameter);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        return new FunctionModel(device, dim, function, isLogDensity, parameter);
    }

    /// <summary>Whether the subclass writes its energy in tape ops (overrides <see cref="Energies"/>), so dE/dx can be differentiated again.</summary>
    internal bool HasTapeEnergies => _hasTapeEnergies ??= Overrides(nameof(Energies), typeof(Var)); // a reflection lookup, once

    private bool? _hasTapeEnergies;

    /// <summary>Whether <see cref="Parameters"/> yields any (losses check it every call, so a model with a fixed set may answer without enumerating).</summary>
    internal virtual bool HasParameters => Parameters().Any();

    /// <summary>
    /// Whether <see cref="Energies"/> records the same ops on the same parameters for every batch of one shape, so a loss
    /// may keep a training step's graph and replay it on the next batch instead of recording it again (the engine's
    /// networks of its own layers). False by default: a user's energy may branch on values or make new ones per call.
    /// </summary>
    internal virtual bool HasStaticEnergies => false;

    private bool Overrides(string method, Type parameter) =>
        GetType().GetMethod(method, [parameter])!.DeclaringType != typeof(BaseModel);

    /// <summary>The device the model computes on; inputs must live there too.</summary>
    public Device Device { get; }

    /// <summary>The sample dimension d this model requires, or null when it accepts any d.</summary>
    public virtual int? Dim => null;

    /// <summary>Energies E(x) of a batch x of shape (n, d): a new tensor of shape (n).</summary>
    /// <remarks>The default evaluates <see cref="Energies"/> under <see cref="Tape.NoGrad"/>.</remarks>
    public virtual Tensor Forward(Tensor x)
    {
        ValidateSamples(x);
        using (Tape.NoGrad())
        {
            using Var input = Var.Borrowed(x);
            using Var energies = CheckedEnergies(input);
            return energies.Value.Clone();
        }
    }

    /// <summary>dE/dx of a batch x of shape (n, d): a new tensor of shape (n, d).</summary>
    /// <remarks>The default differentiates the sum of <see cref="Energies"/> with respect to x on the tape (rows are
    /// independent, so row i of the result is dE(x_i)/dx_i); it records even inside <see cref="Tape.NoGrad"/>.</remarks>
    /// <exception cref="InvalidOperationException">The energies do not depend on x through tape ops.</exception>
    public virtual Tensor Gradient(Tensor x)
    {
        ValidateSamples(x);
        using (Tape.EnableGrad())
        {
            using Var input = Var.Borrowed(x, requiresGrad: true);
            using Var energies = CheckedEnergies(input);
            using Var total = energies.Sum();
            if (!total.RequiresGrad)
                throw new InvalidOperationException($"{GetType().Name}.Energies does not depend on x through tape ops, so it has no gradient.");
            return Tape.Grad(total, input);
        }
    }

    /// <summary>
    /// dE/dx of a batch <paramref name="x"/> (n, d) as a <see cref="Var"/> of shape (n, d). With
    /// <paramref name="createGraph"/> it is computed on the tape through <see cref="Energies"/> and is itself
    /// differentiable, to the parameters and to x: the building block of score-matching losses and Hessian-vector
    /// products. Without it, it is <see cref="Gradient(Tensor)"/> in a Var that requires no gradient.
    /// </summary>
    /// <remarks>When x requires no gradient, the create-graph result is differentiable to the parameters only.</remarks>
    /// <exception cref="InvalidOperationException">createGraph is set and the energies do not depend on x through tape
    /// ops (a model that defines only Forward and Gradient).</exception>
    public Var Gradient(Var x, bool createGraph = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ObjectDisposedException.ThrowIf(x.IsDisposed, x);
        ValidateSamples(x.Value);
        if (!createGraph) return new Var(CheckedGradient(x.Value));
        using (Tape.EnableGrad())
        {
            Var input = x.RequiresGrad ? x : Var.Borrowed(x.Value, requiresGrad: true);
            using Var energies = CheckedEnergies(input);
            using Var total = energies.Sum();
            try
            {
                return Tape.Grad(total, input, createGraph: true);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                throw new InvalidOperationException($"{GetType().Name}.Energies does not depend on x through tape ops, so its gradient cannot be differentiated.", e);
            }
        }
    }

    /// <summary>
    /// The energy as a device-side source that fused chain kernels can run on, resolved once per model; null when
    /// samplers must go step by step through <see cref="Forward"/> and <see cref="Gradient(Tensor)"/>.
    /// </summary>
    /// <remarks>The default is the traced energy (<see cref="IsTraced"/>) of a model that writes its energy in tape ops
    /// and defines neither Forward nor Gradient itself; null for any other model, or with <see cref="Tracing"/> off.</remarks>
    internal virtual EnergySource? Source => Tracing ? TracedSource : null;

    /// <summary>Whether samplers may run this model's traced energy (tests clear it to compare with the step-by-step path;
    /// samplers read it when they are made).</summary>
    internal bool Tracing { get; set; } = true;

    private TracedEnergySource? _traced;

    /// <summary>The traced form of <see cref="Energies"/>, or null for a model that does not write its energy in tape ops
    /// alone (it overrides Forward or Gradient, or not Energies).</summary>
    internal TracedEnergySource? TracedSource
    {
        get
        {
            ThrowIfDisposed();
            if (!HasTapeEnergies || Overrides(nameof(Forward), typeof(Tensor)) || Overrides(nameof(Gradient), typeof(Tensor))) return null;
            lock (_traceLock) return _traced ??= new TracedEnergySource(this);
        }
    }

    private readonly object _traceLock = new();

    /// <summary>
    /// Whether samplers run this model fused, one launch per run: a model written in tape ops (<see cref="Energies"/>) is
    /// traced once per sample dimension and its program interpreted by every chain inside the chain kernel. For a model
    /// with a fixed <see cref="Dim"/> this traces it now; for one that accepts any dimension it describes the dimension
    /// sampled last (false before the first run). <see cref="TraceStatus"/> says why.
    /// </summary>
    /// <remarks>Built-in models (analytic energies, fused networks) run fused without a trace: for them this is false
    /// and <see cref="TraceStatus"/> says they need none.</remarks>
    public bool IsTraced => TraceState().Traced;

    /// <summary>Why this model does or does not run traced (see <see cref="IsTraced"/>): the program's size, or the first
    /// reason a trace was refused (an op without an instruction, an op that mixes rows, ops that change with x, a result
    /// that differs from the tape).</summary>
    public string TraceStatus => TraceState().Status;

    private (bool Traced, string Status) TraceState()
    {
        string name = GetType().Name;
        if (Source is EnergySource source and not TracedEnergySource)
            return (false, $"{name} runs its built-in fused energy; it needs no trace.");
        if (!HasTapeEnergies)
            return (false, $"{name} runs step by step: it defines Forward and Gradient, not Energies in tape ops.");
        if (TracedSource is not TracedEnergySource traced)
            return (false, $"{name} runs step by step: it overrides Forward or Gradient, which samplers must call.");
        if (!Tracing) return (false, $"{name} runs step by step: tracing is off.");
        if (Dim is int d) return (traced.Traces(d), traced.Status(d));
        return traced.Last is { } last ? (last.Traced, $"dimension {last.Dim}: {last.Status}") : (false, $"{name} accepts any dimension: it is traced when first sampled.");
    }

    /// <summary>
    /// Energies of <paramref name="x"/> (n, d) on the autodiff tape, shape (n), for losses. Override it to write the
    /// energy once in tape ops (x.Column(j), arithmetic with scalars, Square, Exp, Sum(1), MatMul, ...). A model with
    /// parameters (<see cref="NeuralNetworkModel"/>) records them so a loss's Backward() reaches the parameters; the
    /// default evaluates <see cref="Forward"/> as a constant of the graph.
    /// </summary>
    public virtual Var Energies(Var x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Var.Intermediate(CheckedForward(x.Value));
    }

    /// <summary>The score grad log p(x) = -dE/dx: a new tensor of shape (n, d).</summary>
    public virtual Tensor Score(Tensor x)
    {
        using Tensor gradient = CheckedGradient(x);
        Tensor score = Device.Allocate(gradient.Shape);
        ElementwiseOps.Scale(Device, gradient.View, score.View, -1f);
        return score;
    }

    /// <summary>
    /// Checks that <paramref name="x"/> is a live (n, d) tensor on this model's device with the model's d;
    /// throws <see cref="ArgumentException"/> naming <paramref name="name"/> otherwise. Call before any launch.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    protected internal void ValidateSamples(Tensor x, string name = "x")
    {
        ThrowIfDisposed();
        Check.Batch(x, Device, name);
        CheckDimension(x.Dim(1), name, x.SharedShape);
    }

    /// <summary>
    /// The one check of a sample dimension against the model: its fixed <see cref="Dim"/> and, for analytic energies,
    /// the smallest dimension their kernels read. Samplers, losses and training loops call it before any launch.
    /// </summary>
    /// <exception cref="ArgumentException">The model needs another dimension (the message names <paramref name="name"/>).</exception>
    internal void CheckDimension(int dim, string name, int[]? shape = null)
    {
        // The message is built only when it is thrown (the check runs on every training step).
        string Has() => shape is null ? $"samples of dimension {dim}" : $"shape {Shapes.Format(shape)}";
        if (Dim is int d && dim != d)
            throw new ArgumentException($"{name} has {Has()} but the model {GetType().Name} expects samples of dimension {d}, i.e. shape (n, {d}).", name);
        if (this is IAnalyticModel analytic && dim < analytic.MinDim)
            throw new ArgumentException($"{name} has {Has()} but the model {GetType().Name} needs samples of dimension >= {analytic.MinDim}.", name);
    }

    /// <summary>
    /// Whether this model's <see cref="Dispose"/> has run; a disposed model throws <see cref="ObjectDisposedException"/>
    /// from every call (a composite also throws when a part is disposed, while its own IsDisposed stays false).
    /// </summary>
    public bool IsDisposed { get; private set; }

    /// <summary>
    /// Throws <see cref="ObjectDisposedException"/> once the model (or, for a composite, any part) has been disposed:
    /// every evaluation path calls it before touching device memory.
    /// </summary>
    protected internal virtual void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>
    /// <see cref="Forward"/> for the engine's own callers (samplers, losses, composites): checks the model is alive and
    /// that what it returns is a new (n) tensor on its device before any kernel reads it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model returned null, x itself, or a tensor of another shape or device.</exception>
    internal Tensor CheckedForward(Tensor x)
    {
        ThrowIfDisposed();
        return CheckResult(Forward(x), nameof(Forward), x, [x.Dim(0)]);
    }

    /// <summary><see cref="Gradient(Tensor)"/> with the checks of <see cref="CheckedForward"/>: a new (n, d) tensor on the model's device.</summary>
    /// <exception cref="InvalidOperationException">The model returned null, x itself, or a tensor of another shape or device.</exception>
    internal Tensor CheckedGradient(Tensor x)
    {
        ThrowIfDisposed();
        return CheckResult(Gradient(x), nameof(Gradient), x, x.Shape);
    }

    /// <summary><see cref="Energies"/> with the checks of <see cref="CheckedForward"/>: shape (n).</summary>
    /// <exception cref="InvalidOperationException">The model returned null, x itself, or energies of another shape or device.</exception>
    internal Var CheckedEnergies(Var x)
    {
        ThrowIfDisposed();
        Var energies = Energies(x);
        if (energies is null || ReferenceEquals(energies, x) || energies.IsDisposed)
            throw Misbehaved(nameof(Energies), energies is null ? "null" : energies.IsDisposed ? "a disposed Var" : "its input x", [x.Value.Dim(0)]);
        CheckResult(energies.Value, nameof(Energies), x.Value, [x.Value.Dim(0)], dispose: energies);
        return energies;
    }

    private Tensor CheckResult(Tensor? result, string method, Tensor x, int[] expected, IDisposable? dispose = null)
    {
        if (result is null || ReferenceEquals(result, x) || result.IsDisposed)
            throw Misbehaved(method, result is null ? "null" : result.IsDisposed ? "a disposed tensor" : "its input x", expected);
        if (!ReferenceEquals(result.Device, Device) || !result.Shape.AsSpan().SequenceEqual(expected))
        {
            string returned = $"shape {Shapes.Format(result.Shape)} on {result.Device}";
            (dispose ?? result).Dispose();
            throw Misbehaved(method, returned, expected);
        }
        return result;
    }

    private InvalidOperationException Misbehaved(string method, string returned, int[] expected) =>
        new($"{GetType().Name}.{method} returned {returned}, but it must return a new tensor of shape {Shapes.Format(expected)} on {Device}.");

    /// <summary>Frees the model's device memory (parameters, constants); later calls throw <see cref="ObjectDisposedException"/>.</summary>
    /// <remarks>An override frees what it owns and then calls base.Dispose().</remarks>
    public virtual void Dispose()
    {
        _traced?.Dispose();
        IsDisposed = true;
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The trainable parameters: the leaf <see cref="Var"/>s an optimizer updates and a training loop snapshots. Empty
    /// by default (analytic energies have none); a model with weights overrides it (<see cref="NeuralNetworkModel"/>).
    /// </summary>
    public virtual IEnumerable<Var> Parameters() => [];
}
