using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchEbm.Autodiff;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Training;

namespace TorchEbm.Training;

/// <summary>
/// Trains any model with parameters on the user's own data: minibatches drawn on the device in a seeded random order
/// (a new permutation every epoch), any loss, any optimizer, with progress reports, cancellation, a stop on a
/// non-finite loss, and an optional evaluation callback.
/// </summary>
/// <remarks>
/// <para>A step gathers the next BatchSize rows of the epoch's permutation (<see cref="RowPermutation"/>) into a batch
/// tensor allocated once, with one kernel; zeroes the gradients; computes the loss and calls Backward() on it; reads the
/// loss back (the step's one host synchronisation: it drives the NaN stop and the progress report); and steps the
/// optimizer. The loop allocates nothing per step beyond what the loss and the optimizer do.</para>
/// <para>Divergence stop: before each optimizer step the model's parameters are copied on the device; when a loss is NaN,
/// infinite or beyond <see cref="DivergenceLimit"/> in magnitude, or at an evaluation step an energy of the loss's
/// <see cref="TrainingHealth"/> is (single process only: replicas agree on the loss alone), the parameters are put back
/// to those copies, i.e. to the parameters the last loss in range was computed at, and the run stops
/// (<see cref="TrainingLoopResult.DivergedAt"/>). The optimizer's own state is not rolled back.</para>
/// <para>Health: at every <see cref="TrainingLoopOptions.EvalEvery"/>-th step a loss that reports it (contrastive
/// divergence) measures the run's <see cref="TrainingHealth"/> at that step's parameters: it goes to the progress report
/// and the evaluation callback of that step and into <see cref="TrainingLoopResult.Health"/>.</para>
/// <para>Cancellation: the token is checked before each step; once it is cancelled the run stops there and returns
/// normally with <see cref="TrainingLoopResult.Cancelled"/> set (no <see cref="OperationCanceledException"/>), the
/// parameters being those of the last completed step.</para>
/// <para>Reproducibility: the batches depend only on <see cref="TrainingLoopOptions.Seed"/>, the data's row count and
/// BatchSize; with seeded models, samplers and losses, the same seeds give bit-identical parameters.</para>
/// </remarks>
public static class TrainingLoop
{
    /// <summary>
    /// A loss, or at an evaluation an energy, beyond this magnitude (or not finite) stops the run as diverged: 1e8, the
    /// bound at which JEM's training aborts. A healthy EBM's energies stay within a few orders of magnitude of 1.
    /// </summary>
    public const float DivergenceLimit = 1e8f;

    /// <summary>Trains <paramref name="model"/> on <paramref name="data"/>, an (n, d) tensor on the model's device.</summary>
    /// <param name="model">The model trained: its <see cref="BaseModel.Parameters"/> must not be empty.</param>
    /// <param name="loss">The objective (e.g. <see cref="ContrastiveDivergence"/> whose sampler samples <paramref name="model"/>).</param>
    /// <param name="optimizer">Updates the parameters; each of its parameters must be one of the model's.</param>
    /// <param name="data">Training data, shape (n, d), finite, on the model's device, d the model's dimension. Not changed.</param>
    /// <param name="options">Steps or epochs, batch size, seed, evaluation period (validated first).</param>
    /// <param name="progress">Told after every completed step, synchronously from <see cref="IProgress{T}.Report"/>
    /// (a <see cref="Progress{T}"/> posts it to its synchronisation context).</param>
    /// <param name="evaluate">Called after every <see cref="TrainingLoopOptions.EvalEvery"/>-th completed step, on the
    /// training thread, with that step's progress: the model then holds that step's parameters.</param>
    /// <param name="cancellationToken">Stops the run between steps (see the remarks: no exception).</param>
    /// <returns>Steps done, the losses, and whether the run diverged or was cancelled.</returns>
    /// <exception cref="ArgumentNullException">model, loss, optimizer, data or options is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or BatchSize exceeds the data's rows
    /// (the parameter name is the option's, e.g. BatchSize).</exception>
    /// <exception cref="ArgumentException">The model has no parameters; the optimizer updates a parameter that is not
    /// the model's; data is not rank 2, lives on another device, has another dimension than the model's, or holds NaN or
    /// infinity. All checks run before any kernel launch.</exception>
    /// <exception cref="ObjectDisposedException">The model, loss, optimizer or data has been disposed.</exception>
    public static TrainingLoopResult Run(BaseModel model, BaseLoss loss, Optimizer optimizer, Tensor data, TrainingLoopOptions options,
        IProgress<TrainingProgress>? progress = null, Action<TrainingProgress>? evaluate = null, CancellationToken cancellationToken = default)
    {
        Var[] parameters = Validate(model, loss, optimizer, data, options);
        Check.Batch(data, model.Device, nameof(data));
        int totalSteps = Plan(model, loss, options, data.Dim(0), data.Dim(1), nameof(data));
        Check.AllFinite(data, nameof(data));
        return Train(model, loss, optimizer, data, options, parameters, totalSteps, progress, evaluate, cancellationToken);
    }

    /// <summary>Trains <paramref name="model"/> on host data <paramref name="data"/> (n, d), copied to the model's device once.</summary>
    /// <inheritdoc cref="Run(BaseModel, BaseLoss, Optimizer, Tensor, TrainingLoopOptions, IProgress{TrainingProgress}?, Action{TrainingProgress}?, CancellationToken)"/>
    /// <exception cref="ArgumentNullException">model, loss, optimizer, data or options is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or BatchSize exceeds the data's rows
    /// (the parameter name is the option's, e.g. BatchSize).</exception>
    /// <exception cref="ArgumentException">The model has no parameters; the optimizer updates a parameter that is not
    /// the model's; data is empty, has another dimension than the model's, or holds NaN or infinity. All checks run
    /// before anything is copied or launched.</exception>
    /// <exception cref="ObjectDisposedException">The model, loss or optimizer has been disposed.</exception>
    public static TrainingLoopResult Run(BaseModel model, BaseLoss loss, Optimizer optimizer, float[,] data, TrainingLoopOptions options,
        IProgress<TrainingProgress>? progress = null, Action<TrainingProgress>? evaluate = null, CancellationToken cancellationToken = default)
    {
        Var[] parameters = Validate(model, loss, optimizer, data, options);
        int n = data.GetLength(0), d = data.GetLength(1);
        if (n == 0 || d == 0)
            throw new ArgumentException($"data must have at least one row and one column, got ({n}, {d}).", nameof(data));
        int totalSteps = Plan(model, loss, options, n, d, nameof(data));
        Check.AllFinite(MemoryMarshal.CreateReadOnlySpan(ref data[0, 0], data.Length), d, nameof(data));
        using Tensor onDevice = model.Device.FromArray(data);
        return Train(model, loss, optimizer, onDevice, options, parameters, totalSteps, progress, evaluate, cancellationToken);
    }

    /// <summary>The checks common to both overloads; returns the model's parameters.</summary>
    private static Var[] Validate(BaseModel model, BaseLoss loss, Optimizer optimizer, object data, TrainingLoopOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        model.ThrowIfDisposed();
        ObjectDisposedException.ThrowIf(loss.IsDisposed, loss);
        ObjectDisposedException.ThrowIf(optimizer.IsDisposed, optimizer);

        Var[] parameters = [.. model.Parameters()];
        if (parameters.Length == 0)
            throw new ArgumentException($"model ({model.GetType().Name}) has no parameters to train: its Parameters() is empty.", nameof(model));
        var own = new HashSet<Var>(parameters, ReferenceEqualityComparer.Instance);
        for (int i = 0; i < optimizer.Parameters.Count; i++)
            if (!own.Contains(optimizer.Parameters[i]))
                throw new ArgumentException($"optimizer's parameter {i} is not one of the model's Parameters(): the loop could not restore it after a NaN.", nameof(optimizer));
        foreach (Var p in parameters) ObjectDisposedException.ThrowIf(p.IsDisposed, p);
        return parameters;
    }

    /// <summary>Checks the data's shape against the model and the batch size; returns the number of steps to run.</summary>
    private static int Plan(BaseModel model, BaseLoss loss, TrainingLoopOptions options, int rows, int dim, string name)
    {
        model.CheckDimension(dim, name);
        if (options.BatchSize > rows)
            throw new ArgumentOutOfRangeException(nameof(TrainingLoopOptions.BatchSize), options.BatchSize,
                $"BatchSize ({options.BatchSize}) exceeds the {rows} rows of {name}.");
        int tailRows = options.DropLast ? 0 : rows % options.BatchSize;
        if (options.Replicas is IReplicaGroup group)
        {
            if (group.Size < 1 || group.Rank < 0 || group.Rank >= group.Size)
                throw new ArgumentOutOfRangeException(nameof(TrainingLoopOptions.Replicas), group.Rank,
                    $"Replicas must have Size >= 1 and 0 <= Rank < Size, got rank {group.Rank} of {group.Size}.");
            if (group.Size > options.BatchSize)
                throw new ArgumentOutOfRangeException(nameof(TrainingLoopOptions.BatchSize), options.BatchSize,
                    $"{group.Size} replicas need a global BatchSize of at least {group.Size} (one row each), got {options.BatchSize}.");
            if (tailRows > 0 && tailRows < group.Size)
                throw new ArgumentOutOfRangeException(nameof(TrainingLoopOptions.DropLast), tailRows,
                    $"An epoch's last batch has {tailRows} rows, fewer than the {group.Size} replicas: set DropLast.");
            loss.CheckSharding(options.BatchSize, tailRows, nameof(loss)); // a loss that splits checks its batches against the global ones
        }
        else loss.CheckBatchRows(tailRows > 0 ? tailRows : options.BatchSize, name);
        if (options.Steps is int steps) return steps;
        long total = (long)options.Epochs * options.StepsPerEpoch(rows);
        if (total > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(TrainingLoopOptions.Epochs), options.Epochs,
                $"Epochs ({options.Epochs}) of {options.StepsPerEpoch(rows)} steps exceed {int.MaxValue} steps.");
        return (int)total;
    }

    private static TrainingLoopResult Train(BaseModel model, BaseLoss loss, Optimizer optimizer, Tensor data, TrainingLoopOptions options,
        Var[] parameters, int totalSteps, IProgress<TrainingProgress>? progress, Action<TrainingProgress>? evaluate, CancellationToken cancellationToken)
    {
        Device device = model.Device;
        int rows = data.Dim(0), dim = data.Dim(1), batchSize = options.BatchSize;
        int stepsPerEpoch = options.StepsPerEpoch(rows), tailRows = options.DropLast ? 0 : rows % batchSize;
        Philox4x32 rng = Philox4x32.FromSeed(options.Seed);

        // A replica's shares of full and last batches (the whole batches without replicas).
        IReplicaGroup? group = options.Replicas;
        BatchShard full = BatchShard.Of(batchSize, group?.Rank ?? 0, group?.Size ?? 1);
        BatchShard last = BatchShard.Of(tailRows, group?.Rank ?? 0, group?.Size ?? 1);

        // Everything a step needs is allocated here, once.
        using Tensor batch = device.Allocate([full.Count, dim]);
        using Tensor? tail = tailRows > 0 ? device.Allocate([last.Count, dim]) : null;
        var averaging = group is null ? null : new GradientAveraging(parameters, group);
        using var lastFinite = new ParameterSnapshot(parameters);
        var losses = new List<float>(Math.Min(totalSteps, 1 << 16));
        var healths = new List<TrainingHealth>();
        var lossValue = new float[1];

        int? divergedAt = null;
        bool cancelled = false;
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < totalSteps; step++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }
            int epoch = step / stepsPerEpoch, position = step % stepsPerEpoch;
            bool isTail = tail is not null && position == stepsPerEpoch - 1;
            Tensor target = isTail ? tail! : batch;
            BatchShard shard = isTail ? last : full;
            device.Launch(BatchKernels.Gather, target.Dim(0), data.View, target.View, dim, position * batchSize + shard.First,
                new RowPermutation(rng, rows, (uint)epoch));

            optimizer.ZeroGrad();
            loss.Shard = group is null ? null : shard;
            try
            {
                using Var l = loss.ComputeOnCheckedData(model, target); // data was scanned for NaN once, up front
                if (l is null || l.Value.Length != 1)
                    throw new InvalidOperationException($"{loss.GetType().Name}.Compute must return a scalar Var, got {(l is null ? "null" : Shapes.Format(l.Value.Shape))}.");
                l.Backward();
                l.Value.CopyTo(lossValue);
            }
            finally { loss.Shard = null; }
            float value = averaging?.Average(lossValue[0], shard) ?? lossValue[0];
            bool evaluating = (step + 1) % options.EvalEvery == 0;
            TrainingHealth? health = evaluating ? loss.HealthAfter(target) is TrainingHealth h ? h with { Step = step + 1 } : null : null;
            // Replicas see different shares, so only the averaged loss (the same on every replica) may stop them all.
            if (!(Math.Abs(value) <= DivergenceLimit) || (group is null && health is not null && !health.EnergiesWithin(DivergenceLimit)))
            {
                lastFinite.Restore();
                divergedAt = step;
                break;
            }
            lastFinite.Capture();
            optimizer.Step();
            losses.Add(value);
            if (health is not null) healths.Add(health);

            var report = new TrainingProgress(step + 1, totalSteps, epoch + 1, value, clock.Elapsed, health);
            progress?.Report(report);
            if (evaluating) evaluate?.Invoke(report);
        }
        return new TrainingLoopResult(losses.Count, stepsPerEpoch, losses, divergedAt, cancelled, clock.Elapsed) { Health = healths };
    }
}
