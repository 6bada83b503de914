using TorchEbm.Autodiff;
using TorchEbm.Models;
using TorchEbm.Training;

namespace TorchEbm.Losses;

/// <summary>A training objective for an energy-based model, computed on the autodiff tape.</summary>
public abstract class BaseLoss : IDisposable
{
    /// <summary>
    /// The scalar loss for a batch <paramref name="data"/> (n, d): call Backward() on it to fill the model's parameter
    /// gradients, and dispose it to free the graph behind it.
    /// </summary>
    public abstract Var Compute(BaseModel model, Tensor data);

    /// <summary>
    /// The checks of a loss that differentiates dE/dx again: a live model with parameters and an energy in tape ops, and
    /// a live (n, d) batch of its dimension on its device, finite when <paramref name="scanFinite"/> (one host synchronisation).
    /// </summary>
    private protected void CheckTapeModelAndData(BaseModel model, Tensor data, bool scanFinite)
    {
        string loss = GetType().Name;
        ArgumentNullException.ThrowIfNull(model);
        model.ThrowIfDisposed();
        if (!model.HasParameters)
            throw new ArgumentException($"{loss} trains a model's parameters, but {model.GetType().Name}.Parameters() is empty.", nameof(model));
        if (!model.HasTapeEnergies)
            throw new ArgumentException(
                $"{loss} differentiates dE/dx again, so {model.GetType().Name} must write its energy in tape ops (override Energies(Var)).", nameof(model));
        model.ValidateSamples(data, nameof(data));
        if (scanFinite) TorchEbm.Check.AllFinite(data, nameof(data));
    }

    /// <summary>
    /// For training loops, before anything runs: throws <see cref="ArgumentException"/> naming <paramref name="name"/>
    /// when the loss cannot take batches of <paramref name="smallestBatch"/> rows. Accepts any by default.
    /// </summary>
    internal virtual void CheckBatchRows(int smallestBatch, string name) { }

    /// <summary>
    /// <see cref="Compute"/> for a batch drawn from data a training loop has already checked to be finite: a loss that
    /// scans its input for NaN (a host synchronisation) may skip it here. By default the same as Compute.
    /// </summary>
    internal virtual Var ComputeOnCheckedData(BaseModel model, Tensor data) => Compute(model, data);

    /// <summary>
    /// For training loops, at each evaluation after a call of Compute on <paramref name="batch"/>: the run's
    /// <see cref="TrainingHealth"/>, or null when the loss has none to report (the default; contrastive divergence reports it).
    /// </summary>
    internal virtual TrainingHealth? HealthAfter(Tensor batch) => null;

    /// <summary>
    /// Set by a data-parallel training loop around each call: the batch given to the call is this share of a global
    /// batch, and the loss must draw whatever noise it draws as the whole batch would for these rows. Null otherwise.
    /// </summary>
    internal BatchShard? Shard { get; set; }

    /// <summary>
    /// For data-parallel training loops, before anything runs: throws <see cref="ArgumentException"/> naming
    /// <paramref name="name"/> when the loss cannot be split over replicas with global batches of
    /// <paramref name="batchRows"/> rows (and a last one of <paramref name="tailRows"/>, 0 for none). By default refuses:
    /// a loss opts in once its noise is keyed by global row, so that the split run computes the same loss.
    /// </summary>
    internal virtual void CheckSharding(int batchRows, int tailRows, string name) =>
        throw new ArgumentException(
            $"{GetType().Name} cannot be split over replicas: its noise is keyed by the row's place in the local batch, so replicas " +
            "would draw the same noise for different rows. Data-parallel training supports ContrastiveDivergence.", name);

    /// <summary>
    /// Whether the loss keeps the graph behind the result it returns and, once that result is disposed, replays it on the
    /// next call of the same shapes instead of recording it again: every op recomputed from its recorded node into its
    /// kept tensor, the backward pass into kept gradient buffers, so a training iteration allocates no Vars or tensors
    /// after the first. The values are the same bits as recording. On by default; replays only models whose energy
    /// records the same ops call after call (the engine's networks of its own layers), others record every call.
    /// Switching it off frees the kept graph.
    /// </summary>
    public bool ReplayGraph
    {
        get => _replayGraph;
        set
        {
            _replayGraph = value;
            if (!value) Replay.Drop();
        }
    }

    private bool _replayGraph = true;

    /// <summary>The kept graph of the last call (see <see cref="ReplayGraph"/>).</summary>
    internal GraphReplay Replay { get; } = new();

    /// <summary>
    /// The kept graph's input leaves when <paramref name="model"/>'s call keyed by <paramref name="key"/> can replay it
    /// (see <see cref="ReplayGraph"/>); otherwise null, after letting go of the kept graph, so the caller records a new one.
    /// </summary>
    private protected Var[]? ReplayInputs(BaseModel model, ReadOnlySpan<int> key)
    {
        if (_replayGraph && model.HasStaticEnergies && Replay.Inputs(model, key) is Var[] inputs) return inputs;
        Replay.Drop();
        return null;
    }

    /// <summary>Keeps the graph behind a recorded <paramref name="result"/> for the next call when replay is on and the model allows it.</summary>
    private protected Var KeepForReplay(Var result, BaseModel model, ReadOnlySpan<int> key, ReadOnlySpan<Var> inputs) =>
        _replayGraph && model.HasStaticEnergies ? Replay.Keep(result, model, key, inputs) : result;

    /// <summary>Whether <see cref="Dispose"/> has run; a disposed loss throws <see cref="ObjectDisposedException"/> from Compute.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the loss has been disposed.</summary>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>Frees device state the loss keeps between calls (e.g. a replay buffer); an override calls base.Dispose() last.</summary>
    public virtual void Dispose()
    {
        Replay.Dispose();
        IsDisposed = true;
        GC.SuppressFinalize(this);
    }
}
