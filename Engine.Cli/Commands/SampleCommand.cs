using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using TorchEbm.Checkpoints;
using TorchEbm.Diagnostics;
using TorchEbm.Files;
using TorchEbm.Cli.Errors;
using TorchEbm.Models;
using TorchEbm.Distributed;
using TorchEbm.Samplers;

namespace TorchEbm.Cli.Commands;

/// <summary>
/// <c>torchebm sample (--checkpoint FILE | --model NAME [--dim D]) [--sampler langevin|mala|hmc|nuts] --n N [--steps S]
/// [--warmup W] --out FILE.csv</c>: runs N chains from N(0, I) on a model saved by <c>torchebm train</c> (architecture,
/// Langevin settings and sampling steps from its metadata) or on an analytic energy, writes the final states as CSV and
/// prints a report: acceptance and divergences (MALA, HMC, NUTS) and, over several chains, ESS and split R-hat; then each
/// sampling warning (<see cref="SamplingWarning"/>: R-hat, ESS, divergences, chains that never moved) as one line on
/// stderr, exit code 4 for them only with --fail-on-warning. --trace DIR writes the kept states in CmdStan's CSV layout. Under
/// <c>mpiexec</c> the chains are split over the ranks by global chain index (<see cref="ShardedSampling"/>): rank 0
/// writes the same file and report as one process.
/// </summary>
internal static class SampleCommand
{
    /// <summary>The analytic energies of --model, by their command-line names.</summary>
    internal static readonly string[] ModelNames = ["gaussian", "double-well", "rosenbrock", "harmonic", "ackley", "rastrigin"];

    /// <summary>The samplers of --sampler.</summary>
    internal static readonly string[] SamplerNames = ["langevin", "mala", "hmc", "nuts"];

    /// <summary>--sampler when not given: the unadjusted Langevin dynamics torchebm train samples with.</summary>
    internal const string DefaultSampler = "langevin";

    /// <summary>--dim when --model is given without it.</summary>
    internal const int DefaultDim = 2;

    /// <summary>--steps for --model when not given (a checkpoint takes its metadata's).</summary>
    internal const int DefaultModelSteps = 1000;

    /// <summary>--leapfrog when not given.</summary>
    internal const int DefaultLeapfrog = 10;

    /// <summary>--max-depth when not given: Stan's default tree depth.</summary>
    internal const int DefaultMaxDepth = 10;

    /// <summary>--warmup for --sampler nuts when not given: Stan's default warm-up (the other samplers default to none).</summary>
    internal const int DefaultNutsWarmup = 1000;

    /// <summary>--model gaussian keeps a dim x dim precision matrix (and inverts the covariance on the host): at most this dim.</summary>
    internal const int MaxGaussianDim = 1024;

    /// <summary>Most kept states per chain for the diagnostics: longer runs are thinned to this.</summary>
    internal const int MaxKept = 1000;

    /// <summary>Most floats (kept x n x dim, 200 MB) the diagnostics' trajectory may hold on the device and the host.</summary>
    internal const long MaxTrajectoryFloats = 50_000_000;

    /// <summary>Most draws (kept x n) of one dimension the host statistics rank and transform.</summary>
    internal const long MaxDrawsPerDimension = 1_000_000;

    /// <summary>Dimensions the report gives ESS and R-hat for (the first ones).</summary>
    internal const int ReportedDims = 4;

    /// <summary>Dimensions whose R-hat and ESS the warnings check (the first ones: each costs a few ranks of up to 10^6 draws).</summary>
    internal const int CheckedDims = 16;

    /// <summary>The one line that says what R-hat and ESS mean, printed when a warning is about them.</summary>
    internal const string RHatEssExplained =
        "note: R-hat compares the chains (and their halves) with each other: near 1 they sample the same distribution, above 1.01 they " +
        "have not mixed; ESS is how many independent draws the correlated ones are worth: below 100 per chain, estimates are unreliable.";

    /// <summary>Default step size for --model: 0.1 for the leapfrog of HMC and NUTS, 0.01 for Langevin and MALA.</summary>
    internal static float DefaultModelStepSize(string sampler) => sampler is "hmc" or "nuts" ? 0.1f : 0.01f;

    /// <summary>--warmup when not given: Stan's 1000 for NUTS, none for the others.</summary>
    internal static int DefaultWarmup(string sampler) => sampler == "nuts" ? DefaultNutsWarmup : 0;

    public static Command Create(Communicator communicator)
    {
        var checkpoint = new Option<FileInfo>("--checkpoint") { Description = "model.safetensors written by torchebm train, or the --out directory holding it (or give --model)." };
        var model = new Option<string>("--model") { Description = $"Analytic energy to sample instead of a checkpoint: {string.Join(", ", ModelNames)} (gaussian is N(0, I))." };
        model.Validators.Add(r => OneOf(r, "--model", ModelNames));
        var dim = new Option<int?>("--dim") { Description = $"Dimension of --model (default {DefaultDim}; rosenbrock needs 2 or more, gaussian at most {MaxGaussianDim}). Not with --checkpoint." };
        dim.Validators.Add(IfParsed(r => { if (r.GetValueOrDefault<int?>() < 1) r.AddError("--dim must be at least 1."); }));
        var samplerName = new Option<string>("--sampler")
        {
            Description = "langevin (unadjusted; the checkpoint's noise scale, 1 for --model), mala, hmc or nuts (Metropolis-adjusted or, for nuts, " +
                          "Stan's No-U-Turn sampler: target exp(-E) exactly).",
            DefaultValueFactory = _ => DefaultSampler,
        };
        samplerName.Validators.Add(r => OneOf(r, "--sampler", SamplerNames));
        var n = new Option<int>("--n") { Description = "Number of samples (chains).", DefaultValueFactory = _ => 1000 };
        n.Validators.Add(IfParsed(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--n must be at least 1."); }));
        var steps = new Option<int?>("--steps")
        {
            Description = $"Steps after warm-up; default: the number training used for its final samples (checkpoint metadata), {DefaultModelSteps} for --model.",
        };
        steps.Validators.Add(IfParsed(r => { if (r.GetValueOrDefault<int?>() < 0) r.AddError("--steps must be at least 0."); }));
        var stepSize = new Option<float?>("--step-size")
        {
            Description = "Step size (HMC, NUTS: of each leapfrog step); default: the checkpoint's, or for --model 0.01 (langevin, mala) and 0.1 (hmc, nuts). " +
                          "MALA, HMC and NUTS adapt it during --warmup.",
        };
        stepSize.Validators.Add(IfParsed(r =>
        {
            if (r.GetValueOrDefault<float?>() is float h && !(float.IsFinite(h) && h > 0))
                r.AddError($"--step-size must be positive and finite, got {h.ToString(CultureInfo.InvariantCulture)}.");
        }));
        var leapfrog = new Option<int?>("--leapfrog") { Description = $"Leapfrog steps per HMC transition (default {DefaultLeapfrog}); --sampler hmc only." };
        leapfrog.Validators.Add(IfParsed(r => { if (r.GetValueOrDefault<int?>() < 1) r.AddError("--leapfrog must be at least 1."); }));
        var maxDepth = new Option<int?>("--max-depth")
        {
            Description = $"Most tree doublings of a NUTS transition (at most 2^depth leapfrog steps; default {DefaultMaxDepth}, Stan's); --sampler nuts only.",
        };
        maxDepth.Validators.Add(IfParsed(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1 or > TorchEbm.Kernels.Samplers.NutsTransition.MaxDepth)
                r.AddError($"--max-depth must be from 1 to {TorchEbm.Kernels.Samplers.NutsTransition.MaxDepth}, got {r.GetValueOrDefault<int?>()}.");
        }));
        var warmup = new Option<int?>("--warmup")
        {
            Description = "Steps before --steps, never written or counted: MALA, HMC and NUTS adapt the step size (HMC and NUTS the mass too), " +
                          $"Langevin burns in. Default: {DefaultNutsWarmup} for nuts (Stan's), 0 for the others.",
        };
        warmup.Validators.Add(IfParsed(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 0 or > SampleOptions.MaxWarmupSteps)
                r.AddError($"--warmup must be from 0 to {SampleOptions.MaxWarmupSteps}, got {r.GetValueOrDefault<int?>()}.");
        }));
        var seed = new Option<long>("--seed") { Description = "Seed of the chains.", DefaultValueFactory = _ => 0 };
        var device = DeviceOption.Create();
        var output = new Option<FileInfo>("--out") { Description = "CSV file to write: the final states, x1,x2,... per row.", Required = true };
        var trace = new Option<DirectoryInfo>("--trace")
        {
            Description = "Directory for the kept states of every chain in CmdStan's CSV layout (chain_1.csv, ...; rstan::read_stan_csv and " +
                          "ArviZ's from_cmdstan read them): the states the ESS and R-hat use, so needs 2 or more chains.",
        };
        var failOnWarning = new Option<bool>("--fail-on-warning")
        {
            Description = "Exit with code 4 when the run raises a sampling warning (R-hat, ESS, divergences, chains that never moved); the CSV is written anyway.",
        };
        var command = new Command("sample",
            "Draw samples from a trained checkpoint or an analytic energy into a CSV file; print acceptance (mala, hmc) and, " +
            $"with more than one chain, ESS and split R-hat of the first {ReportedDims} dimensions; each sampling warning (split R-hat " +
            $"above 1.01, ESS below 100 per chain, over the first {CheckedDims} dimensions; divergences; chains that never accepted or ended " +
            "non-finite) as one line on stderr. " + ExitCodes.Help);
        foreach (Option option in new Option[] { checkpoint, model, dim, samplerName, n, steps, stepSize, leapfrog, maxDepth, warmup, seed, device, output, trace, failOnWarning })
            command.Options.Add(option);
        command.Validators.Add(r =>
        {
            bool fromCheckpoint = r.GetResult(checkpoint) is not null, fromModel = r.GetResult(model) is not null;
            if (fromCheckpoint && fromModel) r.AddError("give --checkpoint or --model, not both.");
            else if (!fromCheckpoint && !fromModel) r.AddError("give --checkpoint FILE (a model trained by torchebm train) or --model NAME (an analytic energy).");
            else if (fromCheckpoint && r.GetResult(dim) is not null) r.AddError("--dim is for --model only; a checkpoint's dimension is its input_dim.");
            // the tokens, not GetValue: a default is not materialised yet here, and a repeated --sampler would throw
            string? sampler = r.GetResult(samplerName) is OptionResult given ? (given.Tokens.Count == 1 ? given.Tokens[0].Value : null) : DefaultSampler;
            if (r.GetResult(leapfrog) is not null && sampler is not null && sampler != "hmc" && SamplerNames.Contains(sampler))
                r.AddError($"--leapfrog is for --sampler hmc only, not {sampler}.");
            if (r.GetResult(maxDepth) is not null && sampler is not null && sampler != "nuts" && SamplerNames.Contains(sampler))
                r.AddError($"--max-depth is for --sampler nuts only, not {sampler}.");
        });
        command.SetAction(result => Run(new Request(
                result.GetValue(checkpoint), result.GetValue(model), result.GetValue(dim), result.GetValue(samplerName)!, result.GetValue(n),
                result.GetValue(steps), result.GetValue(stepSize), result.GetValue(leapfrog), result.GetValue(maxDepth), result.GetValue(warmup), result.GetValue(seed),
                result.GetValue(device), result.GetValue(output)!, result.GetValue(trace), result.GetValue(failOnWarning)),
            communicator, result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>
    /// A value check that runs only on a value that parsed: reading an unparsable value (--n x) in a validator throws,
    /// and the parser reports that value as a usage error itself.
    /// </summary>
    private static Action<OptionResult> IfParsed(Action<OptionResult> check) => r =>
    {
        try
        {
            check(r);
        }
        catch (InvalidOperationException)
        {
            // reported by the parser: "Cannot parse argument ... for option ..."
        }
    };

    private static void OneOf(OptionResult result, string option, string[] names)
    {
        if (result.Tokens.Count == 0) return;
        string text = result.Tokens[0].Value;
        if (!names.Contains(text)) result.AddError($"{option} must be one of {string.Join(", ", names)}, got '{text}'.");
    }

    private sealed record Request(FileInfo? Checkpoint, string? Model, int? Dim, string Sampler, int N, int? Steps, float? StepSize,
        int? Leapfrog, int? MaxDepth, int? Warmup, long Seed, DeviceKind Device, FileInfo Output, DirectoryInfo? Trace, bool FailOnWarning);

    /// <summary>What is sampled: its dimension, the defaults it brings (Langevin settings, steps) and how to load it on a device.</summary>
    private sealed record Target(int Dim, float StepSize, float NoiseScale, int Steps, Func<Device, BaseModel> Load);

    private static int Run(Request request, Communicator communicator, TextWriter stdout, TextWriter stderr)
    {
        // Only rank 0 writes the CSV, so only it checks --out (other nodes need not have that directory).
        Target target = request.Checkpoint is FileInfo file ? FromCheckpoint(file, request, communicator.IsRoot) : FromModel(request.Model!, request, communicator.IsRoot);
        int n = request.N, dim = target.Dim, steps = request.Steps ?? target.Steps, warmup = request.Warmup ?? DefaultWarmup(request.Sampler);
        float stepSize = request.StepSize ?? target.StepSize;
        int leapfrog = request.Leapfrog ?? DefaultLeapfrog, maxDepth = request.MaxDepth ?? DefaultMaxDepth;
        if ((long)n * dim > int.MaxValue)
            throw new UsageException($"--n {n} is too large: {n} x {dim} values exceed {int.MaxValue}.");

        if (n < communicator.Size)
            throw new UsageException($"--n {n} is smaller than the {communicator.Size} ranks: every rank needs at least one chain.");
        using Device device = communicator.CreateDevice(request.Device);
        using BaseModel model = target.Load(device);
        if (model is IAnalyticModel analytic && dim < analytic.MinDim)
            throw new UsageException($"--dim {dim} is too small: --model {request.Model} needs --dim {analytic.MinDim} or more.");
        Sampler sampler = request.Sampler switch
        {
            "mala" => new MetropolisAdjustedLangevin(model, stepSize, request.Seed),
            "hmc" => new HamiltonianMonteCarlo(model, stepSize, leapfrog, seed: request.Seed),
            "nuts" => new NoUTurnSampler(model, stepSize, maxDepth, seed: request.Seed),
            _ => new LangevinDynamics(model, stepSize, target.NoiseScale, request.Seed),
        };
        TrajectoryPlan plan = PlanTrajectory(n, dim, steps);
        if (request.Trace is DirectoryInfo traceDirectory)
        {
            if (plan.Kept == 0) throw new UsageException($"--trace writes the kept states, but none are kept: {plan.Skipped}.");
            if (communicator.IsRoot) OutputPaths.EnsureWritableDirectory(traceDirectory, "--trace");
        }
        // Restarts of stranded chains read every chain's energy, and the mass is estimated from every chain's positions: over
        // several ranks either would differ from one process's run, so there the warm-up adapts each chain's step size only.
        bool oneProcess = communicator.Size == 1;
        var options = new SampleOptions
        {
            WarmupSteps = warmup, ReturnTrajectory = plan.Kept > 0, Thin = plan.Thin, RestartStrandedChains = oneProcess, AdaptMass = oneProcess,
        };
        if (!oneProcess && warmup > 0 && request.Sampler is "hmc" or "nuts" && communicator.IsRoot)
            stdout.WriteLine($"note: over {communicator.Size} ranks the warm-up adapts each chain's step size but not the mass matrix " +
                             "(estimated from all chains' positions, it would differ from one process's run).");
        GatheredChains result = WaitIndicator.Run($"sampling {n} chains, {warmup + steps} steps",
            () => ShardedSampling.SampleChain(communicator, sampler, dim, steps, n, options), stderr);
        if (result.Samples is not float[] values) return ExitCodes.Ok; // not rank 0: rank 0 writes and reports

        int nonFinite = NonFiniteRows(values, dim);
        AtomicFile.Write(request.Output.FullName, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.WriteLine(string.Join(",", Enumerable.Range(1, dim).Select(i => $"x{i}")));
            for (int r = 0; r < n; r++)
                writer.WriteLine(string.Join(",", Enumerable.Range(0, dim).Select(j => values[r * dim + j].ToString("R", CultureInfo.InvariantCulture))));
        });

        string run = request.Sampler switch
        {
            "mala" => $"{Warmup(warmup, "adapting")}{steps} MALA steps, step size {Format(stepSize)}",
            "hmc" => $"{Warmup(warmup, "adapting")}{steps} HMC steps of {leapfrog} leapfrog steps, step size {Format(stepSize)}",
            "nuts" => $"{Warmup(warmup, "adapting")}{steps} NUTS transitions of at most 2^{maxDepth} leapfrog steps, step size {Format(stepSize)}",
            _ => $"{Warmup(warmup, "burn-in")}{steps} Langevin steps, step size {Format(stepSize)}, noise scale {Format(target.NoiseScale)}",
        };
        stdout.WriteLine($"wrote {n} samples ({run}) to {request.Output.FullName}");
        if (request.Checkpoint is not null && request.Sampler != "langevin" && target.NoiseScale != 1f)
            stdout.WriteLine($"note: {request.Sampler} targets exp(-E); the checkpoint's Langevin noise scale {Format(target.NoiseScale)} " +
                             $"(which targets exp(-E / {Short(target.NoiseScale * target.NoiseScale)})) is not used.");
        if (result.AcceptanceRate is not null) ReportAcceptance(result, sampler, options, steps, warmup, stepSize, stdout);
        ReportConvergence(result, plan, n, dim, steps, stdout);
        if (request.Trace is DirectoryInfo directory)
        {
            IReadOnlyList<string> files = WriteTrace(directory, result, model, device, sampler, options, request.Seed, steps);
            stdout.WriteLine($"wrote the {plan.Kept} kept states of each chain in CmdStan's CSV layout to {directory.FullName} " +
                             $"({Path.GetFileName(files[0])} .. {Path.GetFileName(files[^1])})");
        }

        List<SamplingWarning> warnings = Warnings(result, steps, nonFinite);
        if (warnings.Any(w => w.Kind is SamplingWarningKind.HighRHat or SamplingWarningKind.LowBulkEss or SamplingWarningKind.LowTailEss))
            stdout.WriteLine(RHatEssExplained);
        foreach (SamplingWarning warning in warnings.Where(w => w.Kind != SamplingWarningKind.NonFiniteChains)) // said below, with exit 3
            stderr.WriteLine($"torchebm sample: warning: {warning.Message}");

        if (nonFinite > 0)
        {
            stderr.WriteLine($"torchebm sample: {nonFinite} of {n} samples are NaN or infinite after {steps} {request.Sampler} steps of size " +
                             $"{Format(stepSize)}; the CSV is written anyway. Try a smaller --step-size.");
            return ExitCodes.Diverged;
        }
        return request.FailOnWarning && warnings.Count > 0 ? ExitCodes.Warning : ExitCodes.Ok;
    }

    /// <summary>The run's sampling warnings (the library's rules, <see cref="ChainResult.Warnings"/>) over the gathered chains, R-hat and ESS on the first <see cref="CheckedDims"/> dimensions;
    /// E-BFMI and tree depth from the per-draw statistics where a trajectory was kept.</summary>
    private static List<SamplingWarning> Warnings(GatheredChains result, int steps, int nonFinite) =>
        SamplingChecks.Warnings(new SamplingChecks.Evidence
        {
            Chains = result.Chains,
            Draws = result.Trajectory is null ? null : result.Draws(Math.Min(result.Dim, CheckedDims)),
            Transitions = steps,
            AcceptanceRate = result.AcceptanceRate,
            DivergencesPerChain = result.DivergencesPerChain,
            Energy = result.PerDrawStatistics.Energy,
            TreeDepth = result.PerDrawStatistics.TreeDepth,
            MaxTreeDepth = result.MaxTreeDepth,
            StrandedChains = result.StrandedChains,
            NonFiniteChains = nonFinite,
        });

    /// <summary>--trace: the gathered kept states as CmdStan CSV files, lp__ = -E(x) computed with the model on the device.</summary>
    private static IReadOnlyList<string> WriteTrace(DirectoryInfo directory, GatheredChains result, BaseModel model, Device device, Sampler sampler,
        SampleOptions options, long seed, int steps)
    {
        int rows = result.Kept * result.Chains;
        float[] logDensity;
        using (Tensor states = device.FromArray(result.Trajectory!, rows, result.Dim))
        using (Tensor energies = model.Forward(states))
            logDensity = Array.ConvertAll(energies.ToArray(), e => -e);
        var run = new StanCsv.Run(result.Trajectory!, result.Kept, result.Chains, result.Dim, logDensity, result.PerDrawStatistics, result.StepSizes,
            result.InverseMass, new ChainRunSettings(sampler.GetType().Name, options.WarmupSteps, steps, options.Thin, seed, result.MaxTreeDepth));
        return StanCsv.Write(directory.FullName, StanCsv.Names(null, result.Dim), run);
    }

    private static string Warmup(int warmup, string what) => warmup > 0 ? $"{warmup} warm-up ({what}) + " : "";

    private static Target FromCheckpoint(FileInfo checkpoint, Request request, bool writes)
    {
        if (Directory.Exists(checkpoint.FullName)) // a train --out directory: its model file
        {
            checkpoint = new FileInfo(Path.Combine(checkpoint.FullName, "model.safetensors"));
            if (!checkpoint.Exists)
                throw new UsageException($"--checkpoint: {checkpoint.DirectoryName} is a directory without {checkpoint.Name}; give the file torchebm train wrote, {checkpoint.FullName}.");
        }
        if (!checkpoint.Exists) throw new UsageException($"--checkpoint: no file at {checkpoint.FullName}.");
        if (writes) OutputPaths.EnsureWritableFile(request.Output, "--out");
        ModelCard card = Checkpoint.ReadModelCard(checkpoint.FullName);
        SamplerSettings sampler = card.Sampler
            ?? throw new InvalidDataException($"{checkpoint.Name} has no sampler settings in its model card; torchebm train writes them.");
        if (card.OutputDim != 1)
            throw new InvalidDataException($"{checkpoint.Name} holds a network with {card.OutputDim} outputs; an energy has one.");
        return new Target(card.InputDim, sampler.StepSize, sampler.NoiseScale, sampler.Steps, device =>
        {
            Widths.CheckFits(device, card.InputDim, [.. card.HiddenDims], request.N);
            return Checkpoint.LoadModel(checkpoint.FullName, device);
        });
    }

    private static Target FromModel(string name, Request request, bool writes)
    {
        int dim = request.Dim ?? DefaultDim;
        if (name == "gaussian" && dim > MaxGaussianDim)
            throw new UsageException($"--dim {dim} is too large for --model gaussian, which keeps a dim x dim precision matrix: at most {MaxGaussianDim} " +
                                     "(--model harmonic is the same N(0, I) in any dimension).");
        if (writes) OutputPaths.EnsureWritableFile(request.Output, "--out");
        return new Target(dim, DefaultModelStepSize(request.Sampler), NoiseScale: 1f, DefaultModelSteps,
            device => CreateModel(name, device, dim));
    }

    /// <summary>The analytic model called <paramref name="name"/> with its library defaults; gaussian is N(0, I_dim).</summary>
    internal static BaseModel CreateModel(string name, Device device, int dim) => name switch
    {
        "gaussian" => new GaussianModel(device, new float[dim], Identity(dim)),
        "double-well" => new DoubleWellModel(device),
        "rosenbrock" => new RosenbrockModel(device),
        "harmonic" => new HarmonicModel(device),
        "ackley" => new AckleyModel(device),
        "rastrigin" => new RastriginModel(device),
        _ => throw new UsageException($"--model must be one of {string.Join(", ", ModelNames)}, got '{name}'."),
    };

    private static float[,] Identity(int dim)
    {
        var identity = new float[dim, dim];
        for (int i = 0; i < dim; i++) identity[i, i] = 1f;
        return identity;
    }

    /// <summary>The trajectory kept for the diagnostics: every <see cref="Thin"/>-th of the steps, <see cref="Kept"/> states (0: none, see <see cref="Skipped"/>).</summary>
    internal readonly record struct TrajectoryPlan(int Thin, int Kept, string? Skipped);

    /// <summary>
    /// Keeps a trajectory only for several chains (n &gt;= 2) and enough steps for split chains (4 kept states), thinned
    /// to at most <see cref="MaxKept"/> states per chain, <see cref="MaxTrajectoryFloats"/> floats in all and
    /// <see cref="MaxDrawsPerDimension"/> draws per dimension.
    /// </summary>
    internal static TrajectoryPlan PlanTrajectory(int n, int dim, int steps)
    {
        if (n < 2) return new(1, 0, "one chain");
        if (steps < ChainStatistics.MinDraws) return new(1, 0, $"fewer than {ChainStatistics.MinDraws} steps");
        long cap = Math.Min(Math.Min(MaxKept, steps), Math.Min(MaxTrajectoryFloats / ((long)n * dim), MaxDrawsPerDimension / n));
        int thin = cap < 1 ? 0 : (int)((steps + cap - 1) / cap);
        int kept = thin == 0 ? 0 : steps / thin;
        if (kept < ChainStatistics.MinDraws)
            return new(1, 0, $"{n} chains of dimension {dim} leave room for fewer than {ChainStatistics.MinDraws} kept states " +
                             $"(at most {MaxTrajectoryFloats} floats, {MaxDrawsPerDimension} draws per dimension)");
        return new(thin, kept, null);
    }

    private static void ReportAcceptance(GatheredChains info, Sampler sampler, SampleOptions options, int steps, int warmup, float stepSize, TextWriter stdout)
    {
        if (steps == 0) return;
        float[] adapted = info.StepSizes!;
        string step = warmup > 0
            ? $"step size {Short(adapted[0])} (adapted from {Format(stepSize)} towards acceptance {Format(sampler.TargetAcceptance(options))})"
            : $"step size {Short(adapted[0])}";
        stdout.WriteLine($"acceptance {info.MeanAcceptance!.Value.ToString("F3", CultureInfo.InvariantCulture)} (mean over chains), " +
                         $"divergences {info.Divergences}, {step}");
    }

    private static void ReportConvergence(GatheredChains chains, TrajectoryPlan plan, int n, int dim, int steps, TextWriter stdout)
    {
        if (chains.Trajectory is null)
        {
            stdout.WriteLine($"no ESS or R-hat: {plan.Skipped}.");
            return;
        }
        int shown = Math.Min(dim, ReportedDims), kept = plan.Kept;
        float[,,] draws = chains.Draws(shown);
        float[] ess = ChainStatistics.EffectiveSampleSize(draws), rHat = ChainStatistics.SplitRHat(draws);
        string every = plan.Thin == 1 ? "every step" : $"one every {plan.Thin} of {steps} steps";
        stdout.WriteLine($"ESS and split R-hat over {kept} kept states ({every}) of {n} chains" +
                         (dim > shown ? $", first {shown} of {dim} dimensions:" : ":"));
        for (int j = 0; j < shown; j++)
            stdout.WriteLine($"  x{j + 1}  ESS {ess[j].ToString("F0", CultureInfo.InvariantCulture),8}  R-hat {rHat[j].ToString("F3", CultureInfo.InvariantCulture)}");
    }

    /// <summary>A setting as given (shortest round-trip form).</summary>
    private static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A computed value, to four significant digits.</summary>
    private static string Short(float value) => value.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>How many of the rows of <paramref name="values"/> (rows of <paramref name="dim"/>) hold a NaN or infinity.</summary>
    private static int NonFiniteRows(float[] values, int dim)
    {
        int rows = 0;
        for (int r = 0; r < values.Length / dim; r++)
            for (int j = 0; j < dim; j++)
                if (!float.IsFinite(values[r * dim + j]))
                {
                    rows++;
                    break;
                }
        return rows;
    }
}
