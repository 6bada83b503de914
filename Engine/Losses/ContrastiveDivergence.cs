using ILGPU.Runtime;
using TorchEbm.Autodiff;
using TorchEbm.Kernels.Losses;
using TorchEbm.Kernels.Random;
using TorchEbm.Models;
using TorchEbm.Samplers;

namespace TorchEbm.Losses;

/// <summary>
/// Contrastive divergence: loss = mean E(data) - mean E(negatives) (+ w (mean E(data)^2 + mean E(negatives)^2)),
/// where the negatives are k sampler steps started at the data (CD-k) or, when persistent, at a replay buffer on
/// the device (PCD). Minimising it lowers the energy of the data and raises that of the model's samples.
/// </summary>
/// <remarks>
/// Negatives carry no gradient (they are detached, as in TorchEBM). A call launches kernels only: the single host
/// synchronisation is the scan of <c>data</c> for NaN, which <see cref="CheckFinite"/> can switch off.
/// Persistent buffer: a ring of <see cref="BufferSize"/> states, initially N(0, I). Each call takes the next
/// batchSize rows in ring order (so the oldest states are advanced first), starting again at row 0 when fewer than
/// batchSize rows remain (with B chains per call only floor(BufferSize / B) * B rows are used), restarts each from
/// N(0, I) with probability <see cref="ReinitFraction"/>, runs k steps, and writes the results back to the same rows.
/// </remarks>
public sealed class ContrastiveDivergence : BaseLoss
{
    private Tensor? _buffer;
    private int _next;
    private uint _calls;

    /// <summary>Creates the loss.</summary>
    /// <param name="sampler">Draws the negatives; its model is the model trained.</param>
    /// <param name="k">Sampler steps per call (0: the negatives are the starting states).</param>
    /// <param name="batchSize">Number of negative chains; null: the number of data rows (the persistent case needs it or the data's).</param>
    /// <param name="persistent">Start the chains in a replay buffer kept across calls instead of at the data.</param>
    /// <param name="bufferSize">Rows of the replay buffer (persistent only).</param>
    /// <param name="reinitFraction">Probability that a persistent chain restarts from N(0, I) on a call.</param>
    /// <param name="energyRegularization">Weight w of the energy-magnitude penalty.</param>
    /// <param name="seed">Philox key of the buffer's initial states and restarts.</param>
    /// <exception cref="ArgumentOutOfRangeException">A number is out of range.</exception>
    public ContrastiveDivergence(Sampler sampler, int k = 1, int? batchSize = null, bool persistent = false,
        int bufferSize = 10000, float reinitFraction = 0.05f, float energyRegularization = 0f, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (batchSize is int b) ArgumentOutOfRangeException.ThrowIfLessThan(b, 1, nameof(batchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        Check.UnitInterval(reinitFraction, includeOne: true);
        Check.NonNegativeFinite(energyRegularization);
        Sampler = sampler;
        K = k;
        BatchSize = batchSize;
        Persistent = persistent;
        BufferSize = bufferSize;
        ReinitFraction = reinitFraction;
        EnergyRegularization = energyRegularization;
        Seed = seed;
    }

    /// <summary>The sampler of the negatives.</summary>
    public Sampler Sampler { get; }

    /// <summary>Sampler steps per call.</summary>
    public int K { get; }

    /// <summary>Number of negative chains (null: as many as data rows).</summary>
    public int? BatchSize { get; }

    /// <summary>Whether chains persist in a replay buffer across calls.</summary>
    public bool Persistent { get; }

    /// <summary>Rows of the replay buffer.</summary>
    public int BufferSize { get; }

    /// <summary>Probability that a persistent chain restarts from noise on a call.</summary>
    public float ReinitFraction { get; }

    /// <summary>Weight of the energy-magnitude penalty.</summary>
    public float EnergyRegularization { get; }

    /// <summary>Philox key of the replay buffer.</summary>
    public long Seed { get; }

    /// <summary>Scan each batch for NaN or infinity on the host before any launch (one synchronisation per call).</summary>
    public bool CheckFinite { get; set; } = true;

    /// <summary>The replay buffer (BufferSize, d), created on the first persistent call.</summary>
    internal Tensor? Buffer => _buffer;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The model is not the sampler's, the data is not a live (n, d) batch of the
    /// model's dimension on its device, has non-finite values, or has fewer rows than a non-persistent batchSize.</exception>
    public override Var Compute(BaseModel model, Tensor data) => Compute(model, data, CheckFinite);

    /// <inheritdoc />
    internal override Var ComputeOnCheckedData(BaseModel model, Tensor data) => Compute(model, data, scanFinite: false);

    /// <inheritdoc />
    internal override void CheckBatchRows(int smallestBatch, string name)
    {
        if (!Persistent && BatchSize is int chains && chains > smallestBatch)
            throw new ArgumentException(
                $"{name} gives batches of {smallestBatch} rows, fewer than the loss's batchSize ({chains}), where non-persistent CD " +
                $"starts its chains: use a batchSize <= {smallestBatch}, persistent CD, or drop the last partial batch.", name);
    }

    private Var Compute(BaseModel model, Tensor data, bool scanFinite)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(model);
        model.ThrowIfDisposed();
        if (!ReferenceEquals(model, Sampler.Model))
            throw new ArgumentException("model must be the model of the loss's sampler.", nameof(model));
        model.ValidateSamples(data, nameof(data));
        int n = data.Dim(0), d = data.Dim(1), chains = BatchSize ?? n, globalChains = chains, firstChain = 0;
        if (Shard is BatchShard shard)
        {
            // Data-parallel: this replica runs the global chains of its rows, so its negatives are the whole batch's.
            globalChains = BatchSize ?? shard.Total;
            if (globalChains != shard.Total || shard.Count != n)
                throw new ArgumentException(
                    $"Split over replicas, CD runs one chain per row of the global batch: batchSize ({globalChains}) must equal its {shard.Total} rows " +
                    $"and this replica's data its {shard.Count} rows (got {n}).", nameof(data));
            chains = shard.Count;
            firstChain = shard.First;
        }
        if (!Persistent && chains > n)
            throw new ArgumentException($"batchSize ({chains}) exceeds the data's {n} rows, where CD starts its chains.", nameof(data));
        if (Persistent && globalChains > BufferSize)
            throw new ArgumentException($"{globalChains} chains per call exceed the replay buffer's {BufferSize} rows (a row would be advanced twice in one call).", nameof(data));
        if (_buffer is Tensor buffer && buffer.Dim(1) != d)
            throw new ArgumentException($"data has dimension {d} but the replay buffer holds states of dimension {buffer.Dim(1)}.", nameof(data));
        if (scanFinite) Check.AllFinite(data, nameof(data));

        // Data and negatives go through the model as one batch: half the launches of two forward and backward passes.
        Tensor batch = model.Device.Allocate([n + chains, d]);
        try
        {
            using Tensor negatives = Negatives(data, chains, firstChain, globalChains);
            data.View.CopyTo(batch.View.SubView(0, data.Length));
            negatives.View.CopyTo(batch.View.SubView(data.Length, negatives.Length));
        }
        catch
        {
            batch.Dispose();
            throw;
        }
        Var input = Var.Intermediate(batch); // the graph owns the batch and frees it with the loss
        Var energies;
        try { energies = model.CheckedEnergies(input); }
        catch
        {
            input.Dispose();
            throw;
        }
        Var ePos = energies.Slice(0, n), eNeg = energies.Slice(n, chains);
        Var loss = ePos.Mean() - eNeg.Mean();
        if (EnergyRegularization > 0f)
            loss = loss + EnergyRegularization * (ePos.Square().Mean() + eNeg.Square().Mean());
        return loss;
    }

    /// <summary>
    /// k sampler steps from the data's first rows, or from the next rows of the replay buffer (written back). The chains
    /// are global chains [firstChain, firstChain + chains) of <paramref name="globalChains"/> (all of them unless a
    /// data-parallel shard is set): their noise, restarts and ring rows are those of the whole batch.
    /// </summary>
    private Tensor Negatives(Tensor data, int chains, int firstChain, int globalChains)
    {
        Device device = data.Device;
        int d = data.Dim(1);
        if (!Persistent)
        {
            if (chains == data.Dim(0)) return Sampler.Advance(data, K, firstChain); // the sampler copies its starting states
            using Tensor start = FirstRows(data, chains);
            return Sampler.Advance(start, K, firstChain);
        }
        if (_buffer is null)
            using (DisposeScope.Suspend()) _buffer = device.Randn([BufferSize, d], Seed); // lives as long as the loss
        using Tensor x = device.Allocate([chains, d]);
        // A call's rows never wrap around the end: they start again at row 0 when fewer than the call's chains remain. So
        // global chain c always meets rows c, B + c, 2B + c, ... and a data-parallel replica owns a fixed set of rows.
        if ((long)_next + globalChains > BufferSize) _next = 0;
        int ring = _next + firstChain;
        device.Launch(ReplayKernels.Gather, chains, _buffer.View, x.View, d, ring, ReinitFraction, Philox4x32.FromSeed(Seed), _calls++, firstChain);
        Tensor advanced = Sampler.Advance(x, K, firstChain);
        device.Launch(ReplayKernels.Scatter, chains, advanced.View, _buffer.View, d, ring);
        _next += globalChains;
        return advanced;
    }

    private static Tensor FirstRows(Tensor data, int rows)
    {
        Tensor t = data.Device.Allocate([rows, data.Dim(1)]);
        data.View.SubView(0, t.Length).CopyTo(t.View);
        return t;
    }

    /// <inheritdoc />
    /// <remarks>Each replica runs the chains of its rows (a replica's replay buffer is the full ring, of which it
    /// advances only the rows its chains visit), so the chain count must be the global batch's.</remarks>
    internal override void CheckSharding(int batchRows, int tailRows, string name)
    {
        if ((BatchSize is int chains && chains != batchRows) || (tailRows > 0 && (BatchSize is not null || Persistent)))
            throw new ArgumentException(
                $"Split over replicas, CD runs one chain per row of each global batch: its batchSize ({BatchSize?.ToString() ?? "null"}) must be null or " +
                $"the loop's BatchSize ({batchRows}), and with a batchSize or a replay buffer every batch must be full (DropLast, or rows a multiple of BatchSize; the last batch has {tailRows}).", name);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _buffer?.Dispose();
        _buffer = null;
        base.Dispose();
    }
}
