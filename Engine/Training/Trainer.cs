using TorchEbm.Autodiff;
using TorchEbm.Datasets;
using TorchEbm.Diagnostics;
using TorchEbm.Elementwise;
using TorchEbm.Losses;
using TorchEbm.Models;
using TorchEbm.Optim;
using TorchEbm.Samplers;
using TorchEbm.Schedulers;

namespace TorchEbm.Training;

/// <summary>
/// Trains an MLP energy on a synthetic 2-D data set with Adam and one of six losses (contrastive divergence, score
/// matching, sliced or denoising score matching, equilibrium or energy matching), then draws model samples from N(0, I)
/// (Langevin dynamics; gradient descent for equilibrium matching, a temperature sweep for energy matching) and
/// measures their MMD to held-out data: the seed page's training loop as one call.
/// </summary>
/// <remarks>
/// The steps are a <see cref="TrainingLoop"/> over the data set (minibatches in a seeded random order, BatchSize rows
/// each): each launches kernels only and reads back one number, the loss (to report progress and to stop on divergence).
/// At every tenth of the run CD measures the run's <see cref="TrainingHealth"/>. When the loss, or an energy at such a
/// measurement, is not finite or beyond <see cref="TrainingLoop.DivergenceLimit"/> in magnitude, the parameters are
/// restored to those of the last step in range and the run stops.
/// </remarks>
public static class Trainer
{
    /// <summary>Independent data draws compared with the held-out data to estimate the MMD^2 noise floor.</summary>
    public const int NullDraws = 8;

    /// <summary>Bandwidths the final MMD^2 is reported at: the median heuristic and its halvings.</summary>
    public const int BandwidthScales = 5;

    /// <summary>Steps between health measurements of a run of <paramref name="steps"/> steps: a tenth of the run (at least 1).</summary>
    public static int EvaluationPeriod(int steps) => Math.Max(1, steps / 10);

    /// <summary>
    /// The untrained model a run of <paramref name="options"/> starts from: a SiLU MLP 2 - Hidden - 1 seeded with
    /// options.Seed, its first layer's weight and bias multiplied by options.InputGain.
    /// </summary>
    public static NeuralNetworkModel CreateModel(Device device, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var network = new MLP(device, 2, options.Hidden, 1, Activation.SiLU, options.Seed);
        if (options.InputGain != 1f)
            foreach (Var p in ((Linear)network.Layers[0]).Parameters())
                device.Launch(ElementwiseKernels.Scale, p.Value.Length, p.Value.View, p.Value.View, options.InputGain);
        return new NeuralNetworkModel(network);
    }

    /// <summary>
    /// The objective of options.Loss. Its seed is seed + 3 whatever the loss: a run builds one loss, and no other part of
    /// the run uses that key (CD's training chains take seed + 2). TrainingLoop scans the data for NaN once, so no loss
    /// rescans each batch.
    /// </summary>
    private static BaseLoss CreateLoss(NeuralNetworkModel model, TrainingOptions options, long seed) => options.Loss switch
    {
        "sm" => new ScoreMatching(HessianTrace.Exact, seed: seed + 3), // exact: two create-graph backwards in 2-D
        "ssm" => new SlicedScoreMatching(options.Projections, ProjectionKind.Rademacher, varianceReduced: true, seed + 3),
        "dsm" => new DenoisingScoreMatching(options.Sigma, seed + 3),
        "eqm" => new EquilibriumMatching(seed: seed + 3),
        "em" => new EnergyMatching(warmupSteps: options.FlowSteps ?? options.Steps / 2, epsilonMax: TrainingOptions.EnergyMatchingTemperature,
            langevinSteps: options.SweepSteps, stepSize: options.StepSize, seed: seed + 3),
        "cd" => new ContrastiveDivergence(new LangevinDynamics(model, options.StepSize, options.NoiseScale, seed + 2), options.K,
            options.BatchSize, options.Persistent, options.BufferSize, options.ReinitFraction, options.EnergyRegularization, seed + 3),
        _ => throw new ArgumentException($"Unknown loss '{options.Loss}'.", nameof(options)), // Validate rejected it already
    };

    /// <summary>Runs the training described by <paramref name="options"/> on <paramref name="device"/>.</summary>
    /// <param name="device">Where everything runs.</param>
    /// <param name="options">The run's settings (validated first).</param>
    /// <param name="progress">Told after every step.</param>
    /// <param name="cancellation">Stops the run between steps (the result covers the steps done).</param>
    /// <param name="replicas">Data-parallel training (CD only): the replicas this run is one of, each calling Run with the
    /// same options; every step's BatchSize rows are split over them and their gradients averaged (see
    /// <see cref="TrainingLoopOptions.Replicas"/>). Every replica ends with the same model and evaluates it the same way.</param>
    public static TrainingResult Run(Device device, TrainingOptions options, Action<TrainingProgress>? progress = null,
        CancellationToken cancellation = default, IReplicaGroup? replicas = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        long seed = options.Seed;
        Tensor data = SyntheticDatasets.Create(options.Dataset, device, options.DataSize, seed);
        Tensor heldOut = SyntheticDatasets.Create(options.Dataset, device, options.EvalSamples, seed + 1);
        NeuralNetworkModel model = CreateModel(device, options);
        try
        {
            BaseLoss objective = CreateLoss(model, options, seed);
            // The data noise's key follows the permutation's (seed + 5 + NullDraws): no other part of the run uses it.
            using BaseLoss loss = options.DataNoise > 0f ? new PerturbedDataLoss(objective, options.DataNoise, seed + 6 + NullDraws) : objective;
            using var adam = new Adam(model.Parameters(), options.Lr);
            // Every step takes BatchSize rows, as the CD loss's chains do; the permutation's key is a seed no other
            // part of the run uses (the held-out data, samplers and null draws take seed + 1 ... seed + 4 + NullDraws).
            // Health is measured at every tenth of the run (CD only), where the CLI prints its progress line.
            var loop = new TrainingLoopOptions
            {
                Steps = options.Steps, BatchSize = options.BatchSize, DropLast = true, Seed = seed + 5 + NullDraws, Replicas = replicas,
                EvalEvery = EvaluationPeriod(options.Steps),
            };
            TrainingLoopResult trained = TrainingLoop.Run(model, loss, adam, data, loop,
                progress is null ? null : new CallbackProgress<TrainingProgress>(progress), cancellationToken: cancellation);

            // Equilibrium matching samples by gradient descent on the energy; energy matching as its negatives from noise
            // do, by a temperature sweep (held at its plateau after SweepSteps), here ending at the final samples' noise
            // scale (the plateau temperature NoiseScale^2); the others by Langevin at NoiseScale.
            Sampler evaluator = options.Loss switch
            {
                "eqm" => new GradientDescentSampler(model, options.StepSize, seed + 4),
                "em" when options.NoiseScale > 0f => new LangevinDynamics(model, options.StepSize,
                    new TemperatureScheduler(options.NoiseScale * options.NoiseScale, EnergyMatching.DefaultTauStar, options.SweepSteps), seed + 4),
                _ => new LangevinDynamics(model, options.StepSize, options.SampleNoiseScale, seed + 4),
            };
            Tensor samples = evaluator.Sample(dim: 2, nSteps: options.SampleSteps, nSamples: options.EvalSamples);
            // The null: MMD^2 between fresh draws of the data set and the held-out data, with the bandwidths the model's
            // MMD^2 used, so the model's values can be judged against the estimator's own noise. The median heuristic
            // is coarse for multi-modal data, so finer bandwidths (halving down to 1/16 of it) are reported as well.
            float median = Mmd.MedianBandwidth(samples, heldOut); // computed once: Unbiased would redo it per call
            float[] bandwidths = [.. Enumerable.Range(0, BandwidthScales).Select(i => median / (1 << i))];
            var nulls = new float[bandwidths.Length, NullDraws];
            for (int i = 0; i < NullDraws; i++)
            {
                using Tensor fresh = SyntheticDatasets.Create(options.Dataset, device, options.EvalSamples, seed + 5 + i);
                for (int b = 0; b < bandwidths.Length; b++) nulls[b, i] = Mmd.Unbiased(fresh, heldOut, bandwidths[b]);
            }
            var scales = new MmdScale[bandwidths.Length];
            for (int b = 0; b < bandwidths.Length; b++)
            {
                float[] draws = [.. Enumerable.Range(0, NullDraws).Select(i => nulls[b, i])];
                double mean = draws.Average(v => (double)v), sd = Math.Sqrt(draws.Sum(v => (v - mean) * (v - mean)) / (NullDraws - 1));
                scales[b] = new MmdScale(bandwidths[b], Mmd.Unbiased(samples, heldOut, bandwidths[b]), (float)mean, (float)sd);
            }
            float[] nullMmds = [.. Enumerable.Range(0, NullDraws).Select(i => nulls[0, i])];
            return new TrainingResult(model, trained.Losses, data, heldOut, samples, nullMmds, scales, trained.Elapsed.TotalSeconds, trained.DivergedAt)
            {
                Health = trained.Health,
            };
        }
        catch
        {
            model.Dispose();
            data.Dispose();
            heldOut.Dispose();
            throw;
        }
    }
}
