using ILGPU;
using ILGPU.Runtime;
using TorchEbm.Autodiff;
using TorchEbm.Kernels.Losses;
using TorchEbm.Kernels.Random;
using TorchEbm.Models;
using TorchEbm.Samplers;
using TorchEbm.Training;

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
    private MemoryBuffer1D<int, Stride1D.Dense>? _ages;
    private Tensor? _negatives;
    private Tensor? _starts;
    private readonly ChainWorkspace _workspace = new(); // the sampler run's working memory, kept between calls of one shape
    private int _next;
    private uint _calls;

    /// <summary>Creates the loss. The defaults are the field's recipe, checked by measurement on the eight synthetic data
    /// sets (Engine.Bench quick-start): persistent chains in a 10000-row buffer with 5% restarted per call (IGEBM, JEM),
    /// 10 sampler steps per call, and the energy penalty at 0.1 (IGEBM's alpha (E(data)^2 + E(neg)^2); at 0.01, towards
    /// TorchEBM's 1e-3, the same runs put fewer samples near the data on each of four data sets tried). CD from the data (persistent: false, the PCD
    /// literature's "CD-k") learns only the data's immediate surroundings: samples from noise do not find the data.</summary>
    /// <param name="sampler">Draws the negatives; its model is the model trained.</param>
    /// <param name="k">Sampler steps per call (0: the negatives are the starting states).</param>
    /// <param name="batchSize">Number of negative chains; null: the number of data rows (the persistent case needs it or the data's).</param>
    /// <param name="persistent">Start the chains in a replay buffer kept across calls (the default) instead of at the data.</param>
    /// <param name="bufferSize">Rows of the replay buffer (persistent only).</param>
    /// <param name="reinitFraction">Probability that a persistent chain restarts from N(0, I) on a call: a chain runs
    /// k / reinitFraction sampler steps on average (200 at the defaults), the length a model trained so is meant to be
    /// sampled with.</param>
    /// <param name="energyRegularization">Weight w of the energy-magnitude penalty.</param>
    /// <param name="seed">Philox key of the buffer's initial states and restarts.</param>
    /// <exception cref="ArgumentOutOfRangeException">A number is out of range.</exception>
    public ContrastiveDivergence(Sampler sampler, int k = 10, int? batchSize = null, bool persistent = true,
        int bufferSize = 10000, float reinitFraction = 0.05f, float energyRegularization = 0.1f, long seed = 0)
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

        // Data and negatives go through the model as one batch: half the launches of two forward and backward passes. A
        // replay writes it into the kept graph's input, whose ops then run again on it.
        ReadOnlySpan<int> key = [n, chains, d];
        Var? kept = ReplayInputs(model, key) is [Var keptInput] ? keptInput : null;
        Tensor batch = kept?.Value ?? model.Device.Allocate([n + chains, d]);
        try
        {
            Tensor negatives = Negatives(data, chains, firstChain, globalChains); // the workspace's: not disposed
            data.View.CopyTo(batch.View.SubView(0, data.Length));
            negatives.View.CopyTo(batch.View.SubView(data.Length, negatives.Length));
            KeepNegatives(negatives);
        }
        catch
        {
            if (kept is null) batch.Dispose();
            throw;
        }
        if (kept is not null) return Replay.Run();
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
        return KeepForReplay(loss, model, key, [input]);
    }

    /// <summary>
    /// k sampler steps from the data's first rows, or from the next rows of the replay buffer (written back). The chains
    /// are global chains [firstChain, firstChain + chains) of <paramref name="globalChains"/> (all of them unless a
    /// data-parallel shard is set): their noise, restarts and ring rows are those of the whole batch. Returns the run's
    /// final states, which belong to the loss's sampler workspace (valid until the next call).
    /// </summary>
    private Tensor Negatives(Tensor data, int chains, int firstChain, int globalChains)
    {
        Device device = data.Device;
        int d = data.Dim(1);
        if (_starts is null || _starts.Dim(0) != chains || _starts.Dim(1) != d || _starts.IsDisposed)
        {
            _starts?.Dispose();
            using (DisposeScope.Suspend()) _starts = device.Allocate([chains, d]); // the chains' starting states, kept between calls
        }
        if (!Persistent)
        {
            // The data's first rows, copied into the kept starting states: every call's run starts from one tensor, so the
            // workspace keeps its request too.
            data.View.SubView(0, _starts.Length).CopyTo(_starts.View);
            return Sampler.Advance(_starts, K, firstChain, _workspace);
        }
        if (_buffer is null)
            using (DisposeScope.Suspend()) _buffer = device.Randn([BufferSize, d], Seed); // lives as long as the loss
        _ages ??= device.Accelerator.Allocate1D(new int[BufferSize]);
        // A call's rows never wrap around the end: they start again at row 0 when fewer than the call's chains remain. So
        // global chain c always meets rows c, B + c, 2B + c, ... and a data-parallel replica owns a fixed set of rows.
        if ((long)_next + globalChains > BufferSize) _next = 0;
        int ring = _next + firstChain;
        ArrayView<float> buffer = _buffer.View, x = _starts.View;
        ArrayView<int> ages = _ages.View.BaseView;
        var rng = Philox4x32.FromSeed(Seed);
        uint call = _calls++;
        bool onHost = ChainRun.HostLoops(device, Sampler.Source);
        if (onHost)
        {
            device.Synchronize();
            for (int i = 0; i < chains; i++) ReplayKernels.GatherRow(i, buffer, ages, x, d, ring, ReinitFraction, rng, call, firstChain, K);
        }
        else device.Launch(ReplayKernels.Gather, chains, buffer, ages, x, d, ring, ReinitFraction, rng, call, firstChain, K);
        Tensor advanced = Sampler.Advance(_starts, K, firstChain, _workspace);
        if (onHost)
        {
            device.Synchronize();
            for (int i = 0; i < chains; i++) ReplayKernels.ScatterRow(i, advanced.View, buffer, d, ring);
        }
        else device.Launch(ReplayKernels.Scatter, chains, advanced.View, buffer, d, ring);
        _next += globalChains;
        return advanced;
    }

    /// <inheritdoc />
    internal override TrainingHealth? HealthAfter(Tensor batch) => Health(batch);

    /// <summary>Copies the call's negatives into a tensor the loss keeps (outside any dispose scope) for <see cref="Health"/>.</summary>
    private void KeepNegatives(Tensor negatives)
    {
        if (_negatives is null || _negatives.Length != negatives.Length)
        {
            _negatives?.Dispose();
            using (DisposeScope.Suspend()) _negatives = negatives.Device.Allocate(negatives.Shape);
        }
        negatives.View.CopyTo(_negatives.View);
    }

    /// <summary>
    /// The run's health after a call of <see cref="Compute(BaseModel, Tensor)"/>: the model's energies on <paramref name="data"/> and on that
    /// call's negatives, their spreads, the replay buffer's age and spread (persistent CD), and the acceptance probability
    /// a Metropolis-Hastings test would give one proposal of the sampler from each negative (see
    /// <see cref="TrainingHealth"/>). A diagnostic: a few extra model evaluations and host reads, meant for every
    /// evaluation of a training loop, not every step.
    /// </summary>
    /// <param name="data">A batch (n, d) of the data, e.g. the one the last call was given.</param>
    /// <exception cref="InvalidOperationException">Compute has not been called yet (there are no negatives).</exception>
    /// <exception cref="ArgumentException">data is not a live (n, d) batch of the model's dimension on its device.</exception>
    public TrainingHealth Health(Tensor data)
    {
        ThrowIfDisposed();
        BaseModel model = Sampler.Model;
        model.ThrowIfDisposed();
        model.ValidateSamples(data, nameof(data));
        if (_negatives is null)
            throw new InvalidOperationException("Health reports on the negatives of the last call of Compute: call Compute first.");
        float[] dataEnergies, negativeEnergies;
        using (Tensor e = model.Forward(data)) dataEnergies = e.ToArray();
        using (Tensor e = model.Forward(_negatives)) negativeEnergies = e.ToArray();
        double squares = 0, max = 0;
        foreach (float e in dataEnergies.Concat(negativeEnergies))
        {
            squares += (double)e * e;
            max = float.IsFinite(e) ? Math.Max(max, Math.Abs(e)) : double.PositiveInfinity;
        }
        int count = dataEnergies.Length + negativeEnergies.Length;
        float? age = null, bufferSpread = null;
        if (_buffer is not null && _ages is not null)
        {
            // Rows no call has advanced yet (the ring's unused tail, another replica's rows) hold 0: they are left out.
            int[] ages = [.. _ages.GetAsArray1D().Where(a => a > 0)];
            age = ages.Length > 0 ? (float)ages.Average(a => (double)a) : 0f;
            bufferSpread = Spread(_buffer.ToArray(), _buffer.Dim(1));
        }
        return new TrainingHealth(0, (float)dataEnergies.Average(e => (double)e), (float)negativeEnergies.Average(e => (double)e),
            (float)Math.Sqrt(squares / count), (float)max, Spread(data.ToArray(), data.Dim(1)), Spread(_negatives.ToArray(), _negatives.Dim(1)),
            age, bufferSpread, ProbeAcceptance(model, _negatives));
    }

    /// <summary>RMS distance of the rows of <paramref name="rows"/> (row-major, <paramref name="d"/> columns) from their mean.</summary>
    private static float Spread(float[] rows, int d)
    {
        int n = rows.Length / d;
        double total = 0;
        for (int j = 0; j < d; j++)
        {
            double mean = 0, squares = 0;
            for (int i = 0; i < n; i++) mean += rows[i * d + j];
            mean /= n;
            for (int i = 0; i < n; i++) squares += (rows[i * d + j] - mean) * (rows[i * d + j] - mean);
            total += squares / n;
        }
        return (float)Math.Sqrt(total);
    }

    /// <summary>
    /// Mean over the chains x of min(1, alpha): the Metropolis-Hastings acceptance probability of the sampler's Langevin
    /// proposal y = x - h dE/dx(x) + s sqrt(2 h) xi for the target exp(-E / s^2), log alpha = -(E(y) - E(x)) / s^2 +
    /// log q(x | y) - log q(y | x) with q(y | x) proportional to exp(-|y - x + h dE/dx(x)|^2 / (4 h s^2)) (MALA's test at
    /// temperature s^2; a non-finite alpha counts as a rejection). h and s are the sampler's values at step 0 (s = 1 for
    /// MALA); null for other samplers. The noise xi is drawn with a key of its own per call (the loss's seed mixed with
    /// the call count), so the probe does not disturb the training chains' streams.
    /// </summary>
    private float? ProbeAcceptance(BaseModel model, Tensor x)
    {
        (float h, float s) = Sampler switch
        {
            LangevinDynamics langevin => (langevin.StepSize.ValueAt(0), langevin.NoiseScale.ValueAt(0)),
            MetropolisAdjustedLangevin mala => (mala.StepSize.ValueAt(0), 1f),
            _ => (0f, 0f),
        };
        if (!(h > 0f) || !(s > 0f)) return null;
        int n = x.Dim(0), d = x.Dim(1);
        double t = (double)s * s, scale = s * Math.Sqrt(2.0 * h);
        float[] from = x.ToArray(), energyFrom, gradientFrom, noise, energyTo, gradientTo;
        using (Tensor e = model.Forward(x)) energyFrom = e.ToArray();
        using (Tensor g = model.Gradient(x)) gradientFrom = g.ToArray();
        using (Tensor xi = x.Device.Randn(n, d, unchecked((Seed ^ ProbeKey) + _calls))) noise = xi.ToArray();
        var to = new float[from.Length];
        for (int i = 0; i < to.Length; i++) to[i] = (float)(from[i] - h * gradientFrom[i] + scale * noise[i]);
        using (Tensor y = x.Device.FromArray(to, n, d))
        {
            using (Tensor e = model.Forward(y)) energyTo = e.ToArray();
            using (Tensor g = model.Gradient(y)) gradientTo = g.ToArray();
        }
        double accepted = 0;
        for (int c = 0; c < n; c++)
        {
            double forward = 0, backward = 0;
            for (int j = c * d; j < (c + 1) * d; j++)
            {
                double f = to[j] - from[j] + h * (double)gradientFrom[j], b = from[j] - to[j] + h * (double)gradientTo[j];
                forward += f * f;
                backward += b * b;
            }
            double logAlpha = -(energyTo[c] - (double)energyFrom[c]) / t - (backward - forward) / (4 * h * t);
            if (double.IsFinite(logAlpha)) accepted += Math.Min(1, Math.Exp(logAlpha));
        }
        return (float)(accepted / n);
    }

    /// <summary>Mixed into the loss's seed for the probe's noise, so it shares no Philox key with the buffer's draws.</summary>
    private const long ProbeKey = 0x5052_4F42_4500; // "PROBE"

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
        _ages?.Dispose();
        _ages = null;
        _negatives?.Dispose();
        _negatives = null;
        _starts?.Dispose();
        _starts = null;
        _workspace.Dispose();
        base.Dispose();
    }
}
