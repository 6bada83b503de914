using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Spectre.Console;
using TorchEbm.Checkpoints;
using TorchEbm.Files;
using TorchEbm.Cli.Errors;
using TorchEbm.Cli.Plots;
using TorchEbm.Distributed;
using TorchEbm.Training;

namespace TorchEbm.Cli.Commands;

/// <summary>
/// <c>torchebm train</c>: trains an MLP energy on a synthetic data set (contrastive divergence or a score-matching loss)
/// and writes the checkpoint, plots and metrics to --out. Defaults (eight Gaussians, CD) finish in about two minutes on
/// two CPU cores. Each file is written atomically; metrics.json, written last, names the run (its run_id is also in the
/// checkpoint's metadata) and the SHA-256 of each file of the run, so a set mixed by a failed or killed run shows.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(Communicator communicator)
    {
        var defaults = new TrainingOptions();
        var dataset = new Option<string>("--dataset") { Description = $"Data set: {string.Join(", ", Datasets.SyntheticDatasets.Names)}.", DefaultValueFactory = _ => defaults.Dataset };
        dataset.AcceptOnlyFromAmong([.. Datasets.SyntheticDatasets.Names]);
        var loss = new Option<string>("--loss")
        {
            Description = "Objective: cd (contrastive divergence), sm (score matching, exact Hessian trace), ssm (sliced score matching, " +
                          "Rademacher projections, variance-reduced), dsm (denoising score matching at --sigma), eqm (equilibrium matching; " +
                          "samples by gradient descent on the energy).",
            DefaultValueFactory = _ => defaults.Loss,
        };
        loss.AcceptOnlyFromAmong([.. TrainingOptions.Losses]);
        var sigma = Numbers.PositiveFinite("--sigma", "Noise scale of dsm: the model learns the data smoothed by N(0, sigma^2 I) (dsm only).", defaults.Sigma);
        var dataNoise = Numbers.NonNegativeFinite("--data-noise",
            "Sd of Gaussian noise added afresh to every training batch (any loss; 0: none): the model learns the data smoothed by it.", defaults.DataNoise);
        var flowSteps = Numbers.OptionalBetween("--flow-steps", 0, int.MaxValue, "Energy matching's phase one: steps of flow matching before the contrastive term joins (default: half of --steps; em only).");
        var sweepSteps = Numbers.Between("--sweep-steps", 1, SamplerSettings.MaxSteps, "Langevin steps of energy matching's negative chains and final samples (em only).", defaults.SweepSteps);
        var projections = Numbers.AtLeast("--projections", 1, "Random projections per sample and step (ssm only).", defaults.Projections);
        var steps = Numbers.AtLeast("--steps", 1, "Optimizer steps.", defaults.Steps);
        var batch = Numbers.Between("--batch-size", 1, defaults.DataSize, $"Data rows (and CD's negative chains) per step, at most the {defaults.DataSize} training rows " +
                                    $"(and the {defaults.BufferSize} rows of the replay buffer with --persistent true).", defaults.BatchSize);
        var k = Numbers.Between("--k", 0, SamplerSettings.MaxSteps, "Langevin steps per CD step (cd only).", defaults.K);
        var persistent = new Option<bool>("--persistent") { Description = "Persistent CD (replay buffer); --persistent false starts chains at the data (cd only).", DefaultValueFactory = _ => defaults.Persistent };
        var lr = Numbers.PositiveFinite("--lr", "Adam learning rate.", defaults.Lr);
        var inputGain = Numbers.PositiveFinite("--input-gain", "Factor on the first layer's initial weights (sharper initial features).", defaults.InputGain);
        var hidden = Widths.CreateOption(defaults.Hidden);
        var seed = new Option<long>("--seed") { Description = "Seed of data, weights and chains.", DefaultValueFactory = _ => defaults.Seed };
        var stepSize = Numbers.PositiveFinite("--step-size", "Langevin step size of CD's chains and of the final samples.", defaults.StepSize);
        var noiseScale = Numbers.NonNegativeFinite("--noise-scale", "Langevin noise scale of CD's chains and of the final samples (samples exp(-E / s^2); 1 samples a score-matching model's density).", defaults.NoiseScale);
        var reinit = Numbers.Fraction("--reinit-fraction", "Persistent chains restarted from noise per step (1: short-run training; cd only).", defaults.ReinitFraction);
        var energyReg = Numbers.NonNegativeFinite("--energy-reg", "Weight of the CD loss's energy-magnitude penalty (cd only).", defaults.EnergyRegularization);
        var evalSteps = Numbers.OptionalBetween("--eval-steps", 0, SamplerSettings.MaxSteps,
            "Langevin steps from noise for the final samples (default: for cd as long as a training chain lives, k / reinit-fraction; 200 for sm, ssm, dsm).");
        var device = DeviceOption.Create();
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory for the checkpoint, plots and metrics.json.", DefaultValueFactory = _ => new DirectoryInfo("runs/train") };

        var command = new Command("train", "Train an MLP energy on a 2-D data set (contrastive divergence or score matching); write checkpoint, plots and metrics. " + ExitCodes.Help);
        foreach (Option option in new Option[] { dataset, loss, sigma, dataNoise, flowSteps, sweepSteps, projections, steps, batch, k, persistent, lr, inputGain, hidden, seed, stepSize, noiseScale, reinit, energyReg, evalSteps, device, output })
            command.Options.Add(option);
        command.SetAction(result =>
        {
            TrainingOptions options = defaults with
            {
                Dataset = result.GetValue(dataset)!,
                Loss = result.GetValue(loss)!,
                Sigma = result.GetValue(sigma),
                DataNoise = result.GetValue(dataNoise),
                Projections = result.GetValue(projections),
                FlowSteps = result.GetValue(flowSteps),
                SweepSteps = result.GetValue(sweepSteps),
                Steps = result.GetValue(steps),
                BatchSize = result.GetValue(batch),
                K = result.GetValue(k),
                Persistent = result.GetValue(persistent),
                Lr = result.GetValue(lr),
                Hidden = result.GetValue(hidden)!,
                Seed = result.GetValue(seed),
                StepSize = result.GetValue(stepSize),
                NoiseScale = result.GetValue(noiseScale),
                ReinitFraction = result.GetValue(reinit),
                InputGain = result.GetValue(inputGain),
                EnergyRegularization = result.GetValue(energyReg),
                EvalSteps = result.GetValue(evalSteps),
            };
            if (options.Persistent && options.BatchSize > options.BufferSize)
                throw new UsageException($"--batch-size must be at most {options.BufferSize}, the rows of the replay buffer, with --persistent true " +
                                         $"(its chains are drawn from the buffer), got {options.BatchSize}.");
            options.Validate();
            return Run(options, communicator, result.GetValue(device), result.GetValue(output)!, result.InvocationConfiguration.Output, result.InvocationConfiguration.Error);
        });
        return command;
    }

    private static int Run(TrainingOptions options, Communicator communicator, DeviceKind kind, DirectoryInfo outDir, TextWriter stdout, TextWriter stderr)
    {
        int ranks = communicator.Size;
        if (ranks > 1 && options.Loss != "cd")
            throw new UsageException($"--loss {options.Loss} cannot be split over {ranks} ranks yet (its noise is keyed by the row's place in " +
                                     "the rank's batch): data-parallel training supports --loss cd.");
        if (ranks > options.BatchSize)
            throw new UsageException($"{ranks} ranks need a --batch-size of at least {ranks} (the global batch is split over the ranks), got {options.BatchSize}.");
        if (communicator.IsRoot) OutputPaths.EnsureWritableDirectory(outDir, "--out"); // rank 0 writes every file
        using Device device = communicator.CreateDevice(kind);
        // CD runs the data and the negatives through the network as one batch; the final samples are EvalSamples chains.
        Widths.CheckFits(device, 2, options.Hidden, Math.Max(2 * options.BatchSize, options.EvalSamples));
        string where = ranks > 1 ? $"{ranks} ranks (rank 0 on {device}), global batch {options.BatchSize}" : device.ToString();
        stdout.WriteLine($"Training on {options.Dataset} with {LossSettings.Describe(options)} for {options.Steps} steps on {where}; writing to {outDir.FullName}");
        using TrainingResult result = RunWithProgress(device, options, ranks > 1 ? communicator : null, stdout);
        if (!communicator.IsRoot) return result.DivergedAt is null ? ExitCodes.Ok : ExitCodes.Diverged; // the model is rank 0's too

        // The run's files as a set: the previous run's metrics.json goes first, each file is written atomically, and the new
        // metrics.json, written last, names this run (as the checkpoint does) and the SHA-256 of each file. A run that
        // fails or is killed part-way leaves no metrics.json vouching for a mix of two runs' files.
        string runId = Guid.NewGuid().ToString("N");
        string metricsPath = Path.Combine(outDir.FullName, "metrics.json");
        if (File.Exists(metricsPath)) File.Delete(metricsPath);
        string Artefact(string name) => Path.Combine(outDir.FullName, name);
        Checkpoint.Save(Artefact("model.safetensors"), result.Model, new SamplerSettings(options.StepSize, options.SampleNoiseScale, options.SampleSteps),
            RunMetadata(options, runId));
        float[] data = result.Data.ToArray(), samples = result.Samples.ToArray();
        bool finiteSamples = samples.All(float.IsFinite);
        string title = $"{options.Dataset}: learned energy, MMD^2 {result.Mmd:E2}";
        TrainingPlots.Energy(Artefact("energy.png"), result.Model, data, samples, title);
        TrainingPlots.Samples(Artefact("samples.png"), data, samples, $"{options.Dataset}: model samples (red) and data (grey)");
        TrainingPlots.Loss(Artefact("loss.png"), result.Losses);
        var files = new[] { "model.safetensors", "energy.png", "samples.png", "loss.png" }.Select(name => (name, Sha256(Artefact(name)))).ToArray();
        WriteMetrics(metricsPath, options, result, finiteSamples, device, communicator, runId, files);

        stdout.WriteLine($"done in {result.Seconds:F1} s ({result.Losses.Count / result.Seconds:F1} steps/s); " +
                         $"MMD^2(model samples, held-out data) = {result.Mmd:E3}; between draws of the data {result.Scales[0].NullMean:E3} " +
                         $"+- {result.NullStd:E2} (mean +- sd of {result.NullMmds.Count}); {(result.MatchesData ? "within" : "NOT within")} 3x data + 3 sd");
        stdout.WriteLine("MMD^2 by kernel bandwidth (the median heuristic, then finer):");
        foreach (MmdScale s in result.Scales)
            stdout.WriteLine($"  s = {s.Bandwidth,6:F3}  model {s.Model,10:E2}  data draws {s.NullMean,10:E2} +- {s.NullStd:E1}  {(s.Within ? "within" : "not within")} 3x + 3 sd");
        if (ranks > 1)
            stdout.WriteLine($"{ranks} ranks: one Allreduce of the gradients per step, {1000 * communicator.ReduceTime.TotalSeconds / Math.Max(1, communicator.ReduceCalls):F3} ms " +
                             $"per step on rank 0 (waiting for the other ranks included)");
        stdout.WriteLine($"wrote model.safetensors, energy.png, samples.png, loss.png, metrics.json to {outDir.FullName}");
        if (result.DivergedAt is int step)
        {
            stderr.WriteLine($"torchebm train: the loss or the energies became NaN or infinite, or larger than {TrainingLoop.DivergenceLimit:0e0} in magnitude, at step {step}; " +
                             "stopped there and kept the parameters of the last step in range in model.safetensors. Try a smaller --lr or --step-size, or a larger --energy-reg.");
            return ExitCodes.Diverged;
        }
        if (!finiteSamples || !float.IsFinite(result.Mmd))
        {
            stderr.WriteLine($"torchebm train: the final samples became NaN or infinite ({options.SampleSteps} Langevin steps of size " +
                             $"{options.StepSize.ToString(CultureInfo.InvariantCulture)}); metrics.json has null for them. Try a smaller --step-size.");
            return ExitCodes.Diverged;
        }
        return ExitCodes.Ok;
    }

    /// <summary>A live progress bar on a terminal; a plain line every tenth of the run when output is redirected.</summary>
    private static TrainingResult RunWithProgress(Device device, TrainingOptions options, IReplicaGroup? replicas, TextWriter stdout)
    {
        if (!ReferenceEquals(stdout, Console.Out) || !AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            int every = Trainer.EvaluationPeriod(options.Steps);
            return Trainer.Run(device, options, p =>
            {
                if (p.Step % every == 0 || p.Step == p.Steps)
                    stdout.WriteLine($"step {p.Step}/{p.Steps}  loss {p.Loss:F4}  {p.StepsPerSecond:F1} it/s{(p.Health is null ? "" : $"  {p.Health}")}");
            }, replicas: replicas);
        }
        TrainingResult? result = null;
        TrainingHealth? health = null; // the last measured, shown until the next
        AnsiConsole.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask("training", maxValue: options.Steps);
                result = Trainer.Run(device, options, p =>
                {
                    if (p.Health is not null) health = p.Health;
                    task.Description = Markup.Escape($"loss {p.Loss:F4}, {p.StepsPerSecond:F1} it/s{(health is null ? "" : $", {health}")}");
                    task.Value = p.Step;
                }, replicas: replicas);
            });
        return result!;
    }

    /// <summary>Where the model came from and the run that wrote it (metrics.json's run_id); the model card holds the architecture and the sampler settings.</summary>
    private static Dictionary<string, string> RunMetadata(TrainingOptions options, string runId)
    {
        Dictionary<string, string> metadata = LossSettings.AsText(options);
        metadata["dataset"] = options.Dataset;
        metadata["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture);
        metadata["run_id"] = runId;
        return metadata;
    }

    /// <summary>The lower-case hex SHA-256 of a file, as sha256sum prints it.</summary>
    private static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>metrics.json: snake_case keys; NaN and infinity are written as null (<see cref="MetricsJson"/>).</summary>
    private static void WriteMetrics(string path, TrainingOptions options, TrainingResult result, bool finiteSamples, Device device, Communicator communicator,
        string runId, (string Name, string Sha256)[] files)
    {
        var metrics = new
        {
            run_id = runId,
            files = files.Select(f => new { name = f.Name, sha256 = f.Sha256 }),
            dataset = options.Dataset,
            objective = LossSettings.Of(options).ToDictionary(s => s.Key, s => s.Value),
            steps = result.Losses.Count,
            options = new
            {
                loss = options.Loss, sigma = options.Sigma, data_noise = options.DataNoise, projections = options.Projections,
                batch_size = options.BatchSize, k = options.K, persistent = options.Persistent, reinit_fraction = options.ReinitFraction,
                lr = options.Lr, input_gain = options.InputGain, hidden = options.Hidden, seed = options.Seed, step_size = options.StepSize,
                noise_scale = options.NoiseScale, energy_reg = options.EnergyRegularization,
            },
            loss = result.Losses,
            mmd2_model_vs_heldout = result.Mmd,
            mmd2_data_vs_heldout = result.DataMmd,
            mmd2_null_draws = result.NullMmds,
            mmd2_null_mean = result.Scales[0].NullMean,
            mmd2_null_std = result.NullStd,
            matches_data = result.MatchesData,
            mmd2_by_bandwidth = result.Scales.Select(s => new { bandwidth = s.Bandwidth, model = s.Model, null_mean = s.NullMean, null_std = s.NullStd, within = s.Within }),
            eval_samples = options.EvalSamples,
            eval_langevin_steps = options.SampleSteps,
            samples_finite = finiteSamples,
            wall_seconds = result.Seconds,
            device = device.ToString(),
            ranks = communicator.Size,
            allreduce_seconds_per_step = communicator.Size > 1 ? communicator.ReduceTime.TotalSeconds / Math.Max(1, communicator.ReduceCalls) : 0,
            diverged_at = result.DivergedAt,
            health = result.Health,
        };
        string json = MetricsJson.Serialize(metrics);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(json);
        });
    }
}
