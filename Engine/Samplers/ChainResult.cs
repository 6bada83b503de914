using TorchEbm.Kernels.Samplers;
using TorchEbm.Models;
using TorchEbm.Reductions;

namespace TorchEbm.Samplers;

/// <summary>What <see cref="Sampler.SampleChain"/> returns; disposing it frees every tensor it holds.</summary>
public sealed class ChainResult : IDisposable
{
    internal ChainResult(Tensor samples, Tensor? trajectory, ChainDiagnostics? diagnostics, ChainInfo? info = null)
    {
        Samples = samples;
        Trajectory = trajectory;
        Diagnostics = diagnostics;
        Info = info;
    }

    /// <summary>Final states, shape (nSamples, dim).</summary>
    public Tensor Samples { get; }

    /// <summary>Kept states, shape (nSteps / thin, nSamples, dim), or null when not requested.</summary>
    public Tensor? Trajectory { get; }

    /// <summary>Per-kept-step diagnostics, or null when not requested.</summary>
    public ChainDiagnostics? Diagnostics { get; }

    /// <summary>Acceptance rates, divergences and step sizes of a Metropolis sampler (MALA, HMC); null for unadjusted Langevin.</summary>
    public ChainInfo? Info { get; }

    /// <summary>Swap acceptance per neighbour pair, round trips and the ladder of a <see cref="ParallelTempering"/> run; null otherwise.</summary>
    public TemperingInfo? Tempering { get; init; }

    /// <summary>
    /// How many chains ended with a NaN or infinite coordinate in <see cref="Samples"/>: counted on the device when first
    /// read (one host synchronisation then; none if never read), and cached.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The samples have been disposed.</exception>
    public int NonFiniteChains => _nonFiniteChains ??= CountNonFiniteRows(Samples);

    private int? _nonFiniteChains;

    /// <summary>
    /// Signs that the draws may not represent the target, computed from what this result holds when first read (then
    /// cached; one copy of the trajectory to the host), Stan's rules plus two of this engine's:
    /// <list type="bullet">
    /// <item>with a trajectory of at least 4 kept draws (<see cref="SampleOptions.ReturnTrajectory"/>): split R-hat above
    /// 1.01, bulk or tail ESS below 100 per chain (<see cref="Diagnostics.ChainStatistics"/>), one warning per kind
    /// naming the worst parameter;</item>
    /// <item>Metropolis samplers: any divergent transition after warm-up, and chains that accepted none of their
    /// proposals (after at least one step);</item>
    /// <item>with per-draw energies (NUTS, HMC, MALA with a trajectory): E-BFMI below 0.3 in a chain; NUTS: transitions
    /// that stopped at the maximum tree depth;</item>
    /// <item>chains whose final state is not finite (<see cref="NonFiniteChains"/>).</item>
    /// </list>
    /// Without a trajectory only the others are checked, so an empty list then says less. Empty when nothing was found.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The result has been disposed.</exception>
    public IReadOnlyList<SamplingWarning> Warnings => _warnings ??= SamplingChecks.Warnings(Evidence()).AsReadOnly();

    private IReadOnlyList<SamplingWarning>? _warnings;

    /// <summary>Forgets what was computed from the samples when read (a workspace's result is reused over new states).</summary>
    internal void ForgetCachedChecks() => (_nonFiniteChains, _warnings) = (null, null);

    /// <summary>The model the chains sampled, for lp__ in <see cref="WriteStanCsv"/>; null for results not made by a sampler run.</summary>
    internal BaseModel? Model { get; init; }

    /// <summary>How the run was made (sampler, warm-up, thinning, seed, NUTS's maximum tree depth); null if unknown.</summary>
    internal ChainRunSettings? Settings { get; init; }

    /// <summary>
    /// The per-draw sampler statistics of <see cref="Info"/> on the host, (kept, nSamples) each, null where the run recorded
    /// none; read by <see cref="Warnings"/> (E-BFMI, tree depth) and <see cref="WriteStanCsv"/> (the sampler columns).
    /// </summary>
    internal DrawStatistics PerDrawStatistics() => Info is not ChainInfo info ? DrawStatistics.None
        : new(Host(info.AcceptStat), Host(info.Energy), Host(info.TreeDepth), Host(info.Leapfrogs), Host(info.Divergent));

    /// <summary>A (kept, chains) tensor on the host, or null.</summary>
    private static float[,]? Host(Tensor? t) => t?.ToArray2D();

    /// <summary>What the warning rules read, on the host.</summary>
    internal SamplingChecks.Evidence Evidence()
    {
        ObjectDisposedException.ThrowIf(Samples.IsDisposed, this);
        DrawStatistics perDraw = PerDrawStatistics();
        return new SamplingChecks.Evidence
        {
            Chains = Samples.Dim(0),
            Draws = Trajectory?.ToArray3D(),
            Transitions = Info?.Transitions ?? 0,
            AcceptanceRate = Info?.AcceptanceRate.ToArray(),
            DivergencesPerChain = Info?.DivergencesPerChain.ToArray(),
            Energy = perDraw.Energy,
            TreeDepth = perDraw.TreeDepth,
            MaxTreeDepth = Settings?.MaxTreeDepth,
            StrandedChains = Info?.StrandedChains ?? [],
            NonFiniteChains = NonFiniteChains,
        };
    }

    /// <summary>
    /// Writes the kept draws as CmdStan writes its output, one CSV file per chain (<c>chain_1.csv</c>, <c>chain_2.csv</c>,
    /// ... in <paramref name="directory"/>, created if missing; each written atomically), so that R
    /// (<c>rstan::read_stan_csv</c>, posterior, cmdstanr) and Python (ArviZ's <c>from_cmdstan</c>, CmdStanPy) read them:
    /// '#' comment lines with the run's settings, the header
    /// <c>lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,</c> then the parameters, the
    /// adaptation result (step size, diagonal of the inverse mass matrix) when a warm-up adapted them, then one row per
    /// kept draw. lp__ is -E(x), the log density up to a constant, computed with the model on the device; stepsize__ is
    /// the chain's step size (<see cref="ChainInfo.StepSizes"/>); the other sampler columns come from the per-draw
    /// statistics of <see cref="Info"/> and are <c>nan</c> where the run recorded none.
    /// </summary>
    /// <param name="directory">Directory for the files.</param>
    /// <param name="parameterNames">One CSV column name per dimension; default CmdStan's x.1, x.2, ... (read by rstan as x[1], x[2], ...).</param>
    /// <returns>The files written, chain by chain.</returns>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty, or the names are not one distinct
    /// non-empty CSV column name per dimension.</exception>
    /// <exception cref="InvalidOperationException">The result has no trajectory (set <see cref="SampleOptions.ReturnTrajectory"/>) or no model.</exception>
    /// <exception cref="ObjectDisposedException">The result or its model has been disposed.</exception>
    /// <exception cref="IOException">A file could not be written (the files already written stay whole).</exception>
    public IReadOnlyList<string> WriteStanCsv(string directory, IReadOnlyList<string>? parameterNames = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ObjectDisposedException.ThrowIf(Samples.IsDisposed, this);
        Tensor trajectory = Trajectory ?? throw new InvalidOperationException(
            "WriteStanCsv writes the kept draws: sample with SampleOptions.ReturnTrajectory = true.");
        BaseModel model = Model ?? throw new InvalidOperationException("This result has no model to compute lp__ = -E(x) with.");
        int kept = trajectory.Dim(0), chains = trajectory.Dim(1), dim = trajectory.Dim(2);
        string[] names = StanCsv.Names(parameterNames, dim);
        float[] logDensity;
        using (Tensor rows = trajectory.Reshape(kept * chains, dim))
        using (Tensor energies = model.CheckedForward(rows))
            logDensity = Array.ConvertAll(energies.ToArray(), e => -e);
        var run = new StanCsv.Run(trajectory.ToArray(), kept, chains, dim, logDensity, PerDrawStatistics(), Info?.StepSizes.ToArray(),
            Info?.InverseMass?.ToArray(), Settings ?? new ChainRunSettings("unknown", 0, kept, 1, 0));
        return StanCsv.Write(directory, names, run);
    }

    private static int CountNonFiniteRows(Tensor x)
    {
        ObjectDisposedException.ThrowIf(x.IsDisposed, x);
        using Tensor flags = x.Device.Allocate([x.Dim(0)]);
        x.Device.Launch(DiagnosticsKernels.NonFiniteRows, x.Dim(0), x.View, flags.View, x.Dim(1));
        using Tensor count = Reduce.Sum(flags);
        return (int)count.ToArray()[0];
    }

    /// <summary>Frees the trajectory, diagnostics and info and hands the samples to the caller (no copy).</summary>
    internal Tensor TakeSamples()
    {
        Trajectory?.Dispose();
        Diagnostics?.Dispose();
        Info?.Dispose();
        return Samples;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Samples.Dispose();
        Trajectory?.Dispose();
        Diagnostics?.Dispose();
        Info?.Dispose();
    }
}
