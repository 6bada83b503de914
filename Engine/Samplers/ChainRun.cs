using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using TorchEbm.Elementwise;
using TorchEbm.Fill;
using TorchEbm.Kernels.Random;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Kernels.Samplers.Lanes;
using TorchEbm.Models;
using TorchEbm.Schedulers;

namespace TorchEbm.Samplers;

/// <summary>
/// One call's chains and the one loop every sampler runs: a sampler asks it for the device tables its transition
/// reads (schedules, step-size scales, mass), checked before anything is launched, then <see cref="Execute"/> runs the
/// transition: warm-up with adaptation, then the returned steps, each fused in one launch when the model has an
/// energy source, else step by step around the model's own Forward and Gradient. Disposing frees the run's working
/// memory; the result's tensors belong to the <see cref="ChainResult"/> (a run in a <see cref="ChainWorkspace"/>: its
/// samples, the states, are the workspace's).
/// </summary>
internal sealed partial class ChainRun : IDisposable
{
    /// <summary>Most entries a schedule table may have (256 MB of floats): a schedule that keeps changing longer than this is refused.</summary>
    private const int MaxTableLength = 1 << 26;

    private readonly List<Tensor> _owned = [];
    private Sampler _sampler = null!;
    private ChainRequest _request = null!;
    private int _dim, _chains;
    private SampleOptions _options = null!;
    private ChainWorkspace? _workspace;
    private ChainRequest Request => _request;
    private Device Device => _sampler.Device;
    private BaseModel Model => _sampler.Model;
    private EnergySource? Source => _sampler.Source;

    private Tensor? _scales, _inverseMass, _factor;
    private ArrayView<float> _table;
    private Metric? _metric;
    private float _lastStepSize;
    private int[] _stranded = [];
    private Tensor? _none; // a one-element tensor: no trajectory, no per-draw statistics
    private Chains? _lastChains; // the chains of a run in a workspace, reused by the next run over the same memory

    private ChainRun() { }

    /// <summary>
    /// The run of <paramref name="request"/> by <paramref name="sampler"/>: a new one, or, for a request with a workspace,
    /// the workspace's run object started afresh (a steady run in a workspace allocates none of its own objects).
    /// </summary>
    public static ChainRun Start(Sampler sampler, ChainRequest request)
    {
        ChainWorkspace? workspace = request.Workspace?.Begin(request.Chains, request.Dim);
        ChainRun run = workspace is null ? new ChainRun() : workspace.Run ??= new ChainRun();
        run._sampler = sampler;
        run._request = request;
        (run._dim, run._chains, run._options, run._workspace) = (request.Dim, request.Chains, request.Options, workspace);
        (run._scales, run._inverseMass, run._factor, run._table, run._metric, run._none) = (null, null, null, default, null, null);
        run._lastStepSize = 1f;
        run._stranded = [];
        return run;
    }

    /// <summary>
    /// The device table of <paramref name="schedule"/> for this run's steps: one value per step up to the step from which
    /// it stays constant (kernels hold the last entry), so a constant schedule is one entry however long the run.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not finite, not positive (<paramref name="positive"/>) or
    /// negative, or the schedule never settles within <see cref="MaxTableLength"/> steps.</exception>
    public ArrayView<float> Table(Scheduler schedule, string name, bool positive) => TableValues(schedule, name, positive).Table.View;

    /// <summary>A Metropolis sampler's step size: its schedule's table and the scales warm-up adapts (one, or one per chain).</summary>
    public AdaptiveStepSize StepSize(Scheduler schedule, string name)
    {
        (Tensor table, float[] values) = TableValues(schedule, name, positive: true);
        _table = table.View;
        _lastStepSize = values[Math.Min(Math.Max(_request.Steps - 1, 0), values.Length - 1)];
        bool perChain = _options.WarmupSteps > 0 && _options.StepSizeAdaptation == StepSizeAdaptation.PerChain;
        if (perChain) CheckFits(rows: 1, scalars: 1); // before allocating a step size per chain (Execute checks the transition's own sizes)
        _scales = Working([perChain ? _chains : 1]);
        Device.Fill(_scales.View, 1f);
        return new AdaptiveStepSize(table.View, _scales.View);
    }

    /// <summary>
    /// A Hamiltonian sampler's mass matrix on the device (its inverse: the diagonal); warm-up may adapt it, and searches
    /// the step size for it (Stan's init_stepsize) at the start and after each mass update.
    /// </summary>
    public Metric Metric(MassMatrix mass)
    {
        if (mass.IsDense)
        {
            (float[,] inverse, float[,] factor) = mass.InverseDense(_dim);
            _inverseMass = Owned(Device.FromArray(inverse));
            _factor = Owned(Device.FromArray(factor));
            _metric = new Metric(_inverseMass.View, _factor.View, dense: 1);
            return _metric.Value;
        }
        // Copied into working memory, so a run in a workspace makes no array, tensor or copy object for it.
        Span<float> inverseDiagonal = _dim <= 1024 ? stackalloc float[_dim] : new float[_dim];
        mass.InverseDiagonal(inverseDiagonal);
        _inverseMass = Working([_dim]);
        Device.CopyFromHost(inverseDiagonal, _inverseMass.View);
        _metric = Kernels.Samplers.Metric.Diagonal(_inverseMass.View);
        return _metric.Value;
    }

    /// <summary>
    /// Runs <paramref name="transition"/>: the options' warm-up steps (adapting what this run adapts), then the request's
    /// steps with its trajectory, diagnostics and, for Metropolis samplers, acceptance information.
    /// </summary>
    /// <param name="transition">The algorithm's step.</param>
    /// <param name="rows">Rows per chain the transition uses.</param>
    /// <param name="scalars">Scalar slots per chain the transition uses.</param>
    /// <param name="statistics">Which per-draw statistics the transition records beyond the ones every Metropolis sampler has
    /// (acceptance statistic, energy, divergence); they are kept with a trajectory.</param>
    public ChainResult Execute<TTransition>(TTransition transition, int rows, int scalars, DrawStatisticKinds statistics = DrawStatisticKinds.Common)
        where TTransition : struct, ITransition
    {
        if (_request.Tempering is TemperingPlan plan) return ExecuteTempered(transition, rows, scalars, plan);
        if (_metric is not null && _options.WarmupSteps > 0)
        {
            rows = Math.Max(rows, StepSizeSearch.Rows); // the step-size search runs in the same buffers
            scalars = Math.Max(scalars, StepSizeSearch.Scalars);
        }
        CheckFits(rows, scalars);
        (long seed, uint call) = _sampler.NextStream(_options);
        var rng = Philox4x32.FromSeed(seed);
        int kept = _options.ReturnTrajectory || _options.ReturnDiagnostics ? _request.Steps / _options.Thin : 0;
        Tensor? x = null, trajectory = null, draws = null;
        ChainDiagnostics? diagnostics = null;
        try
        {
            x = States();
            trajectory = kept > 0 ? Device.Allocate([kept, _chains, _dim]) : Working([1]); // [1]: none
            bool keepsDraws = _options.ReturnTrajectory && _scales is not null; // Metropolis samplers' per-draw statistics
            draws = keepsDraws ? Owned(Device.Allocate([ChainState.DrawStatistics * kept * _chains])) : Working([1]);
            if (_options.InitialSamples is null)
                Device.Launch(LangevinKernels.Initialize, _chains, x.View, _dim, rng, call, _options.FirstChain);
            EnergySource? source = Source is EnergySource s && s.Fits(_chains, _dim) ? s : null;
            Tensor? sourceScratch = SourceScratch(source, x);
            Tensor chainScalars = Working([Math.Max(1, scalars) * _chains]);
            chainScalars.View.MemSetToZero(); // as Device.Zeros
            Tensor chainRows = Working([Math.Max(1, rows) * _chains * _dim]), any = Working([1]);
            Chains chains = _lastChains is { } last && last.IsOver(source, sourceScratch, Model, x, chainRows, chainScalars, any, rng) ? last
                : new Chains(source, sourceScratch, Model, x, chainRows, chainScalars, any, rng);
            if (_workspace is not null) _lastChains = chains;

            Warmup(chains, transition, call);
            if (_request.Steps > 0)
                chains.Advance(transition, new ChainSettings(_dim, _request.Steps, _request.FirstStep, _options.Thin, call,
                    Start: _options.WarmupSteps == 0 ? 1 : 0, FirstChain: _options.FirstChain), trajectory, draws);

            diagnostics = _options.ReturnDiagnostics ? Diagnostics(trajectory, kept, _chains) : null;
            // A run in a workspace returns its samples only (Sampler.Advance): no acceptance or step-size report is read.
            ChainInfo? info = _scales is null || _workspace is not null ? null : Info(chains.Scalars, keepsDraws ? draws : null, kept, statistics);
            if (!_options.ReturnTrajectory)
            {
                if (kept > 0) trajectory.Dispose();
                trajectory = null;
            }
            if (_workspace is not null && trajectory is null && diagnostics is null && info is null) return _workspace.Result(x, Model);
            return new ChainResult(x, trajectory, diagnostics, info)
            {
                Model = Model,
                Settings = _workspace is not null ? null // samples only: nothing reads how they were made
                    : new ChainRunSettings(_sampler.GetType().Name, _options.WarmupSteps, _request.Steps, _options.Thin, seed,
                        (_sampler as NoUTurnSampler)?.MaxTreeDepth),
            };
        }
        catch
        {
            if (_workspace is null) x?.Dispose(); // a workspace's states are its own
            if (kept > 0) trajectory?.Dispose();
            diagnostics?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Refuses, before anything is allocated, a run whose working memory (the transition's rows and scalars per chain, a
    /// per-chain step size) would not fit the kernels' 32-bit indices.
    /// </summary>
    private void CheckFits(int rows, int scalars)
    {
        long floats = Math.Max((long)Math.Max(1, rows) * _chains * _dim, (long)Math.Max(1, scalars) * _chains);
        if (_options.WarmupSteps > 0 && _options.StepSizeAdaptation == StepSizeAdaptation.PerChain)
            floats = Math.Max(floats, (long)AdaptationKernels.StateSize * _chains);
        if (floats > int.MaxValue)
            throw new ArgumentOutOfRangeException("nSamples", _chains,
                $"{_sampler.GetType().Name} keeps {Math.Max(1, rows)} rows of dim {_dim} and {Math.Max(1, scalars)} scalars per chain: " +
                $"{_chains} chains need {floats} floats in one buffer, more than {int.MaxValue}. Run fewer chains per call.");
    }

    /// <summary>
    /// The chains' memory for one run and the fused-or-step-by-step choice: with an energy source that fuses chains every
    /// launch runs fused; otherwise step by step around the source's evaluations (a host-side network on the CPU) or, without
    /// a source, the model's own.
    /// </summary>
    private sealed class Chains(EnergySource? source, Tensor? sourceScratch, BaseModel model, Tensor x, Tensor rows, Tensor scalars,
        Tensor any, Philox4x32 rng)
    {
        public Tensor X => x;

        /// <summary>Whether these chains run over exactly this memory with this source, model and key (a run in a workspace
        /// then reuses them).</summary>
        public bool IsOver(EnergySource? withSource, Tensor? withScratch, BaseModel withModel, Tensor withX, Tensor withRows,
            Tensor withScalars, Tensor withAny, Philox4x32 withRng) =>
            ReferenceEquals(source, withSource) && ReferenceEquals(sourceScratch, withScratch) && ReferenceEquals(model, withModel)
            && ReferenceEquals(x, withX) && ReferenceEquals(rows, withRows) && ReferenceEquals(scalars, withScalars)
            && ReferenceEquals(any, withAny) && rng.Key0 == withRng.Key0 && rng.Key1 == withRng.Key1;

        public Tensor Scalars => scalars;

        /// <summary>settings.Steps warm-up steps of every chain as one launch of the CPU lane twins with the per-step
        /// <paramref name="adaptation"/> fused in; false, with nothing done, where the chains do not run as host lanes.</summary>
        public bool TryFusedWarmup<TTransition>(TTransition transition, ChainSettings settings, Tensor none, LaneAdaptation adaptation)
            where TTransition : struct, ITransition =>
            source is { FusesChains: true }
            && source.TryHostWarmup(x, sourceScratch, new ChainBuffers(rows.View, scalars.View, none.View), none, settings, rng, transition, adaptation);

        /// <summary>settings.Steps steps of every chain, keeping states in <paramref name="trajectory"/> and their per-draw
        /// statistics in <paramref name="draws"/> (one-element tensors keep none).</summary>
        public void Advance<TTransition>(TTransition transition, ChainSettings settings, Tensor trajectory, Tensor draws)
            where TTransition : struct, ITransition
        {
            var buffers = new ChainBuffers(rows.View, scalars.View, draws.View);
            if (source is { FusesChains: true }) source.Chains(x, sourceScratch, buffers, trajectory, settings, rng, transition);
            else StepByStep(transition, settings, trajectory, buffers);
        }

        /// <summary>
        /// The transition's launches around the model's own energies and gradients. No host synchronisation, except for a
        /// transition that ends early (NUTS): after evaluations 1, 3, 7, ... (each tree doubling) one read of whether any chain
        /// goes on, so a step whose trees all stopped early does not launch the rest of its 2^depth evaluations (and no step
        /// launches more than twice the evaluations its deepest tree took).
        /// </summary>
        private void StepByStep<TTransition>(TTransition transition, ChainSettings settings, Tensor trajectory, ChainBuffers buffers)
            where TTransition : struct, ITransition
        {
            Device device = x.Device;
            if (settings.Start != 0 && transition.NeedsStart)
            {
                Evaluate(energy: true);
                Start(transition, settings, buffers);
            }
            for (int s = 0; s < settings.Steps; s++)
            for (int k = 0; k < transition.Evaluations; k++)
            {
                if (transition.Prepares(k)) Prepare(transition, settings, buffers, s, k);
                Evaluate(transition.NeedsEnergy(k));
                Complete(transition, settings, trajectory, buffers, s, k);
                if (transition.EndsEarly && ((k + 2) & (k + 1)) == 0 && k + 1 < transition.Evaluations && !AnyContinues(transition, buffers, settings, k + 1))
                    break;
            }
        }

        /// <summary>Whether the step-by-step kernels' per-chain bodies run in host loops (see <see cref="ChainRun.HostLoops"/>).</summary>
        private bool HostLoops => ChainRun.HostLoops(x.Device, source);

        /// <summary><see cref="ChainKernels.Start{TTransition}"/>, in a host loop where <see cref="HostLoops"/>.</summary>
        private void Start<TTransition>(TTransition transition, ChainSettings settings, ChainBuffers buffers) where TTransition : struct, ITransition
        {
            Device device = x.Device;
            int chains = x.Dim(0);
            if (!HostLoops)
            {
                device.Launch(ChainKernels.Start, chains, x.View, buffers, settings.Dim, transition);
                return;
            }
            device.Synchronize();
            ArrayView<float> states = x.View;
            for (int c = 0; c < chains; c++) ChainKernels.StartChain(c, chains, states, buffers, settings.Dim, transition);
        }

        /// <summary><see cref="ChainKernels.Prepare{TTransition}"/> of evaluation k of step s, in a host loop where <see cref="HostLoops"/>.</summary>
        private void Prepare<TTransition>(TTransition transition, ChainSettings settings, ChainBuffers buffers, int s, int k)
            where TTransition : struct, ITransition
        {
            Device device = x.Device;
            int chains = x.Dim(0);
            if (!HostLoops)
            {
                device.Launch(ChainKernels.Prepare, chains, x.View, buffers, settings, rng, transition, s, k);
                return;
            }
            device.Synchronize();
            ArrayView<float> states = x.View;
            for (int c = 0; c < chains; c++) ChainKernels.PrepareChain(c, chains, states, buffers, settings, rng, transition, s, k);
        }

        /// <summary><see cref="ChainKernels.Complete{TTransition}"/> of evaluation k of step s, in a host loop where <see cref="HostLoops"/>.</summary>
        private void Complete<TTransition>(TTransition transition, ChainSettings settings, Tensor trajectory, ChainBuffers buffers, int s, int k)
            where TTransition : struct, ITransition
        {
            Device device = x.Device;
            int chains = x.Dim(0);
            if (!HostLoops)
            {
                device.Launch(ChainKernels.Complete, chains, x.View, buffers, trajectory.View, settings, rng, transition, s, k);
                return;
            }
            device.Synchronize();
            ArrayView<float> states = x.View, kept = trajectory.View;
            for (int c = 0; c < chains; c++) ChainKernels.CompleteChain(c, chains, states, buffers, kept, settings, rng, transition, s, k);
        }

        /// <summary>Whether any chain goes on to evaluation k (one host synchronisation).</summary>
        private bool AnyContinues<TTransition>(TTransition transition, ChainBuffers buffers, ChainSettings settings, int k)
            where TTransition : struct, ITransition
        {
            Device device = x.Device;
            device.Launch(FillKernels.Constant, 1, any.View, 0f);
            device.Launch(ChainKernels.AnyContinues, x.Dim(0), x.View, buffers, settings.Dim, transition, k, any.View);
            return any.ToArray()[0] != 0f;
        }

        /// <summary>The model's gradient (and energy) at the chains' positions into row 0 (and slot 0), as the fused kernel writes them.</summary>
        private void Evaluate(bool energy)
        {
            if (source is not null)
            {
                source.Evaluate(x, sourceScratch, rows.View.SubView(0, x.Length), energy ? scalars.View.SubView(0, x.Dim(0)) : default);
                return;
            }
            using (Tensor gradient = model.CheckedGradient(x)) gradient.View.CopyTo(rows.View.SubView(0, gradient.Length));
            if (!energy) return;
            using Tensor energies = model.CheckedForward(x);
            energies.View.CopyTo(scalars.View.SubView(0, energies.Length));
        }
    }

    /// <summary>
    /// The options' warm-up, laid out as Stan's windowed adaptation: single-step launches on a separate noise stream, each
    /// followed (for Metropolis samplers) by a dual-averaging update of the step-size scales and, in the slow windows of
    /// Hamiltonian samplers, by accumulating the positions' moments for the mass matrix. Hamiltonian samplers search each
    /// chain's step size (Stan's init_stepsize) at the start and after every mass update, and restart dual averaging from
    /// there. Many chains allow one thing a single chain cannot: at the end of the initial fast window and of every slow
    /// window but the last, a chain whose energy is far above the ensemble's (<see cref="StrandedChains"/>) restarts from
    /// the position (and step size) of a chain in the ensemble's lower half, so no chain is left behind in a minor mode
    /// or far in the tails; the sampling phase stays exact. Chains still stranded when warm-up ends are recorded for the
    /// result's warnings. Everything stays on the device except the energies read at those few window ends.
    /// </summary>
    private void Warmup<TTransition>(Chains chains, TTransition transition, uint call) where TTransition : struct, ITransition
    {
        int warmup = _options.WarmupSteps;
        if (warmup == 0) return;
        Tensor none = _none = Owned(Device.Allocate([1]));
        Tensor? state = null, moments = null;
        uint warmupCall = ChainSettings.WarmupCall(call);
        bool fresh = true; // the next launch evaluates every chain afresh
        int searches = 0;
        void SearchStepSize()
        {
            if (_metric is not Metric metric || _scales is null) return;
            SearchStepSizes(chains, metric, warmupCall, searches++);
            fresh = true;
        }
        if (_scales is not null)
        {
            state = Owned(Device.Allocate([_scales.Length * AdaptationKernels.StateSize]));
            SearchStepSize();
            Device.Launch(AdaptationKernels.RestartStepSize, _scales.Length, _scales.View, state.View);
        }
        List<(int Start, int End)> windows = _inverseMass is not null && _options.AdaptMass ? MassWindows(warmup) : [];
        bool dense = _factor is not null;
        if (windows.Count > 0) moments = Owned(Device.Zeros(dense ? _dim + _dim * _dim : 2 * _dim));
        // Restarts at the end of the initial fast window and of each slow window but the last, which leaves them time to mix.
        var restarts = new HashSet<int>(windows.Take(windows.Count - 1).Select(window => window.End));
        if (windows.Count > 0) restarts.Add(windows[0].Start);
        else if (warmup >= 20) restarts.Add(warmup / 2);
        float target = _sampler.TargetAcceptance(_options);
        long seen = 0;
        // Steps after which the loop acts on the host (restarts, window ends) or whose windows differ: a fused block ends there.
        int[] boundaries = [.. restarts, .. windows.SelectMany(window => new[] { window.Start, window.End }), warmup];
        // Fused only with one scale per chain (each chain's own update) and a constant step size: a launch's step s reads row s of
        // a schedule, so one-step launches read its first row at every warm-up step.
        bool fuses = Device.Kind == DeviceKind.Cpu && state is not null && _scales!.Length == _chains && _table.Length == 1;
        Tensor? positions = null;
        int positionSteps = (int)Math.Clamp(FusedPositionFloats / ((long)_chains * _dim), 1, int.MaxValue); // steps of positions a block keeps
        for (int w = 0; w < warmup; w++)
        {
            bool inWindow = moments is not null && windows.Exists(window => w >= window.Start && w < window.End);
            int block = fuses ? boundaries.Where(b => b > w).Min() - w : 1;
            if (inWindow) block = Math.Min(block, positionSteps);
            var settings = new ChainSettings(_dim, block, w, 1, warmupCall, Start: fresh ? 1 : 0, FirstChain: _options.FirstChain);
            if (block > 1 && inWindow) positions ??= Owned(Device.Allocate([checked(positionSteps * _chains * _dim)]));
            // Only a fusing run (state and per-chain scales) has blocks of more than one step.
            if (block > 1 && chains.TryFusedWarmup(transition, settings, none,
                    new LaneAdaptation(_scales!.View, state!.View, target, inWindow ? positions!.View : default)))
            {
                for (int t = 0; t < block && inWindow; t++, seen += _chains)
                    Accumulate(positions!.View.SubView((long)t * _chains * _dim, (long)_chains * _dim), moments!, dense, (int)Math.Min(seen, int.MaxValue));
                w += block - 1; // the host's work after the block's last step follows, as after a single step
            }
            else
            {
                if (block > 1) fuses = false; // the chains do not run as host lanes here: step by step from now on
                chains.Advance(transition, settings with { Steps = 1 }, none, none);
                if (state is not null || inWindow) Adapt(chains, state, inWindow ? moments : null, dense, (int)Math.Min(seen, int.MaxValue), target);
                if (inWindow) seen += _chains;
            }
            fresh = false;
            if (state is not null && _options.RestartStrandedChains && restarts.Contains(w + 1) && RestartStrandedChains(chains, state, w)) fresh = true;
            if (!inWindow || !windows.Exists(window => w == window.End - 1)) continue;
            if (dense) Device.Launch(AdaptationKernels.SetDenseMetric, 1, moments!.View, _inverseMass!.View, _factor!.View, (int)Math.Min(seen, int.MaxValue));
            else Device.Launch(AdaptationKernels.SetInverseMass, _dim, moments!.View, _inverseMass!.View, (int)Math.Min(seen, int.MaxValue));
            seen = 0;
            if (state is null) continue;
            SearchStepSize();
            Device.Launch(AdaptationKernels.RestartStepSize, _scales!.Length, _scales.View, state.View);
        }
        if (_scales is null) return; // Langevin keeps no statistics
        _stranded = StrandedChains(Energies(chains.X), _dim);
        if (state is not null) Device.Launch(AdaptationKernels.FinishStepSize, _scales.Length, _scales.View, state.View);
        Device.Launch(FillKernels.Constant, 2L * _chains,
            chains.Scalars.View.SubView((long)ChainState.AcceptedSlot * _chains, 2L * _chains), 0f);
    }

    /// <summary>Most floats of positions a fused warm-up block keeps for the mass window's moments (16 MiB): a block of a
    /// mass window has at most this many floats / (chains x d) steps.</summary>
    private const long FusedPositionFloats = 1 << 22;

    /// <summary>
    /// One warm-up step's adaptation: the dual-averaging update of the step-size scales (<paramref name="state"/> given) and
    /// the positions added to the mass window's <paramref name="moments"/> (given in a window), <paramref name="seen"/> before.
    /// Where the chains run as host code (a CPU device whose source runs its host twins) the kernels' own per-item bodies run
    /// in a host loop on the same memory: the same floats, without the two or three launches per step that an ILGPU CPU
    /// launch costs (60-400 us each, measured under load: a third of eight schools' warm-up).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Adapt(Chains chains, Tensor? state, Tensor? moments, bool dense, int seen, float target)
    {
        ArrayView<float> x = chains.X.View, scalars = chains.Scalars.View;
        if (Device.Kind == DeviceKind.Cpu && Source is { HostSimd: true })
        {
            Device.Synchronize();
            if (state is not null)
                for (int u = 0; u < _scales!.Length; u++) AdaptationKernels.AdaptScale(u, scalars, _scales.View, state.View, _chains, target);
            if (moments is not null) Accumulate(x, moments, dense, seen);
            return;
        }
        if (state is not null) Device.Launch(AdaptationKernels.AdaptStepSize, _scales!.Length, scalars, _scales.View, state.View, _chains, target);
        if (moments is null) return;
        if (dense)
        {
            Device.Launch(AdaptationKernels.AccumulateCovariance, (long)_dim * _dim, x, moments.View, _dim, seen);
            Device.Launch(AdaptationKernels.AccumulateMeans, _dim, x, moments.View, _dim, seen);
        }
        else Device.Launch(AdaptationKernels.AccumulateMoments, _dim, x, moments.View, _dim, seen);
    }

    /// <summary>Adds one step's positions x (chains x d, in host-readable CPU-accelerator memory) to the mass window's moments,
    /// <paramref name="seen"/> positions before: the moment kernels' own per-item bodies, in a host loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Accumulate(ArrayView<float> x, Tensor moments, bool dense, int seen)
    {
        if (dense)
        {
            int chains = (int)(x.Length / _dim);
            Span<float> means = _dim <= 256 ? stackalloc float[_dim] : new float[_dim]; // each computed once (the kernel's items compute their own)
            for (int i = 0; i < _dim; i++) means[i] = AdaptationKernels.ChainMean(x, i, _dim, chains);
            for (int item = 0; item < _dim * _dim; item++)
                AdaptationKernels.AccumulateCovarianceItem(item, x, moments.View, _dim, seen, means[item / _dim], means[item % _dim]);
            for (int i = 0; i < _dim; i++) AdaptationKernels.AccumulateMean(i, x, moments.View, _dim, seen);
        }
        else
            for (int j = 0; j < _dim; j++) AdaptationKernels.AccumulateMoment(j, x, moments.View, _dim, seen);
    }

    /// <summary>First Philox step word of the step-size searches (above every warm-up step's word).</summary>
    private const int SearchFirstStep = SampleOptions.MaxWarmupSteps;

    /// <summary>
    /// Stan's init_stepsize for every chain in one run of <see cref="StepSizeSearch"/>: the searched per-chain scales
    /// become the chains' scales (per-chain adaptation) or their geometric mean (one shared step size).
    /// </summary>
    private void SearchStepSizes(Chains chains, Metric metric, uint warmupCall, int index)
    {
        Tensor perChain = _scales!.Length == _chains ? _scales : Owned(Device.Allocate([_chains]));
        if (perChain != _scales) Device.Launch(AdaptationKernels.SpreadScales, _chains, _scales.View, perChain.View);
        var search = new StepSizeSearch(new AdaptiveStepSize(_table.SubView(0, 1), perChain.View), metric);
        chains.Advance(search, new ChainSettings(_dim, StepSizeSearch.Trials, SearchFirstStep + index * StepSizeSearch.Trials, 1, warmupCall,
            Start: 1, FirstChain: _options.FirstChain), _none!, _none!);
        if (perChain != _scales) Device.Launch(AdaptationKernels.GatherScales, 1, perChain.View, _scales.View);
    }

    /// <summary>The model's energies at the chains' positions, on the host (NaN where not finite).</summary>
    private float[] Energies(Tensor x)
    {
        using Tensor energies = Model.CheckedForward(x);
        return energies.ToArray();
    }

    /// <summary>
    /// Moves every stranded chain (<see cref="StrandedChains"/>) to the position, step-size scale and dual-averaging state
    /// of a chain whose energy is at or below the ensemble's median (picked by a fixed rule from the chain and the step).
    /// Returns whether any chain moved.
    /// </summary>
    private bool RestartStrandedChains(Chains chains, Tensor state, int step)
    {
        float[] energies = Energies(chains.X);
        int[] stranded = StrandedChains(energies, _dim);
        if (stranded.Length == 0) return false;
        float median = Median(energies.Where(float.IsFinite));
        int[] low = Enumerable.Range(0, _chains).Where(c => energies[c] <= median).ToArray();
        int[] donors = Enumerable.Repeat(-1, _chains).ToArray();
        foreach (int c in stranded) donors[c] = low[(int)(((uint)c * 2654435761u + (uint)step * 40503u) % (uint)low.Length)];
        using MemoryBuffer1D<int, Stride1D.Dense> donorTable = Device.Accelerator.Allocate1D(donors);
        Device.Launch(AdaptationKernels.RestartChains, _chains, chains.X.View, donorTable.View.AsContiguous(), _scales!.View, state!.View, _dim);
        return true;
    }

    /// <summary>
    /// The chains whose energy is far above the ensemble's, or not finite: E_c > median + max(10 s, 10 + 5 sqrt(d / 2)),
    /// with s = 1.4826 MAD the robust spread of the chains' energies (sqrt(d / 2) is the spread of E over a d-dimensional
    /// Gaussian's typical set, so a chain in the typical set lands there with a probability below 1e-6). Fewer than four
    /// chains with a finite energy tell nothing: none then.
    /// </summary>
    internal static int[] StrandedChains(float[] energies, int dim)
    {
        float[] finite = energies.Where(float.IsFinite).ToArray();
        if (finite.Length < 4) return [];
        float median = Median(finite);
        float spread = 1.4826f * Median(finite.Select(e => Math.Abs(e - median)));
        float tolerance = Math.Max(10f * spread, 10f + 5f * MathF.Sqrt(dim / 2f));
        return Enumerable.Range(0, energies.Length).Where(c => !(energies[c] <= median + tolerance)).ToArray();
    }

    private static float Median(IEnumerable<float> values)
    {
        float[] sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5f * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /// <summary>
    /// The slow windows for mass adaptation within <paramref name="warmup"/> steps, laid out as Stan's: an initial fast
    /// window of 75 steps for the step size alone, then slow windows of 25, 50, 100, ... steps, the last stretched to the
    /// terminal fast window; when 75 + 25 + 50 do not fit, 15% initial, 10% terminal and one window between; none below 20
    /// steps. The terminal window is a quarter of the warm-up (Stan: 50 steps): dual averaging restarted after the last
    /// mass update ended 50 steps at acceptance 0.78-0.83 for a 0.65 target (HMC on the double well, shared and
    /// per-chain step sizes). 1000 steps give (75, 100), (100, 150), (150, 250), (250, 750).
    /// </summary>
    internal static List<(int Start, int End)> MassWindows(int warmup)
    {
        var windows = new List<(int, int)>();
        if (warmup < 20) return windows;
        int start = 75, size = 25, end = warmup - Math.Max(50, warmup / 4);
        if (start + size > end)
        {
            start = (int)(0.15 * warmup);
            end = warmup - (int)(0.1 * warmup);
            size = end - start;
        }
        while (start < end)
        {
            int stop = start + size;
            if (stop + 2 * size >= end) stop = end; // the next window would not fit: this one takes the rest
            windows.Add((start, stop));
            start = stop;
            size *= 2;
        }
        return windows;
    }

    /// <summary>Chains whose energy at the end of warm-up was still far above the ensemble's (see <see cref="StrandedChains"/>).</summary>
    internal IReadOnlyList<int> Stranded => _stranded;

    /// <summary>The run's acceptance, divergences, step sizes and mass, and the per-draw statistics (from
    /// <paramref name="draws"/>, <see cref="ChainState.DrawStatistics"/> blocks of (kept, chains)) when kept.</summary>
    private ChainInfo Info(Tensor scalars, Tensor? draws, int kept, DrawStatisticKinds statistics)
    {
        var parts = new List<Tensor>();
        try
        {
            Tensor Slot(int slot, float factor)
            {
                Tensor t = Device.Allocate([_chains]);
                parts.Add(t);
                Device.Launch(DiagnosticsKernels.ScaleCounts, _chains, scalars.View.SubView((long)slot * _chains, _chains), t.View, factor);
                return t;
            }
            Tensor acceptance = Slot(ChainState.AcceptedSlot, _request.Steps > 0 ? 1f / _request.Steps : 0f); // no step: 0 of 0 accepted
            Tensor divergences = Slot(ChainState.DivergencesSlot, 1f);
            Tensor stepSizes = Device.Allocate([_scales!.Length]);
            parts.Add(stepSizes);
            Device.Launch(ElementwiseKernels.Scale, _scales.Length, _scales.View, stepSizes.View, _lastStepSize);
            Tensor? inverseMass = _inverseMass?.Clone();
            if (inverseMass is not null) parts.Add(inverseMass);
            Tensor? Draws(int slot)
            {
                if (draws is null) return null;
                Tensor t = Device.Allocate([kept, _chains]);
                parts.Add(t);
                long block = (long)kept * _chains;
                draws.View.SubView((slot - ChainState.AcceptProbabilitySlot) * block, block).CopyTo(t.View);
                return t;
            }
            return new ChainInfo(acceptance, divergences, stepSizes, inverseMass)
            {
                StrandedChains = _stranded,
                Transitions = _request.Steps,
                AcceptStat = Draws(ChainState.AcceptProbabilitySlot),
                Energy = Draws(ChainState.DrawEnergySlot),
                TreeDepth = statistics.HasFlag(DrawStatisticKinds.TreeDepth) ? Draws(ChainState.TreeDepthSlot) : null,
                Leapfrogs = statistics.HasFlag(DrawStatisticKinds.Leapfrogs) ? Draws(ChainState.LeapfrogsSlot) : null,
                Divergent = Draws(ChainState.DivergentSlot),
            };
        }
        catch
        {
            parts.ForEach(t => t.Dispose());
            throw;
        }
    }

    /// <summary>Mean energy and per-dimension moments over the <paramref name="chains"/> chains of each kept state of
    /// <paramref name="trajectory"/> (kept, chains, d).</summary>
    private ChainDiagnostics Diagnostics(Tensor trajectory, int kept, int chains)
    {
        using Tensor rows = trajectory.Reshape(kept * chains, _dim);
        using Tensor energies = Model.CheckedForward(rows);
        Tensor? meanEnergy = null, mean = null, variance = null;
        try
        {
            meanEnergy = Device.Allocate([kept]);
            mean = Device.Allocate([kept, _dim]);
            variance = Device.Allocate([kept, _dim]);
            Device.Launch(DiagnosticsKernels.GroupMeans, kept, energies.View, meanEnergy.View, chains);
            Device.Launch(DiagnosticsKernels.ColumnMoments, (long)kept * _dim, trajectory.View, mean.View, variance.View, chains, _dim);
            return new ChainDiagnostics(meanEnergy, mean, variance);
        }
        catch
        {
            meanEnergy?.Dispose();
            mean?.Dispose();
            variance?.Dispose();
            throw;
        }
    }

    /// <summary>The device table of <paramref name="schedule"/> for this run (the workspace's, or one the run owns) and its values.</summary>
    private (Tensor Table, float[] Values) TableValues(Scheduler schedule, string name, bool positive)
    {
        int length = TableLength(schedule, _request.FirstStep, _request.Steps, name);
        float[] values = _workspace?.TableScratch(length) ?? new float[length];
        schedule.Fill(_request.FirstStep, values);
        for (int bad = 0; bad < values.Length; bad++) // a loop, not a predicate: no closure per run
            if (!float.IsFinite(values[bad]) || (positive ? values[bad] <= 0 : values[bad] < 0))
                throw new ArgumentOutOfRangeException(name, values[bad],
                    $"{name} must be {(positive ? "positive" : ">= 0")} and finite at every step, but at step {_request.FirstStep + bad} it is {values[bad]}.");
        return (_workspace?.Table(Device, values) ?? Owned(Device.FromArray(values, values.Length)), values);
    }

    /// <summary>How many values a run's kernels read: one per step until the schedule settles (a constant one is one value).</summary>
    private static int TableLength(Scheduler schedule, int firstStep, int nSteps, string name)
    {
        long length = Math.Max(1, nSteps);
        if (schedule.ConstantFrom is int settled) length = Math.Clamp((long)settled - firstStep + 1, 1, length);
        if (length > MaxTableLength)
            throw new ArgumentOutOfRangeException(name, schedule,
                $"{name} ({schedule}) keeps changing over all {nSteps} steps, which needs a table of more than {MaxTableLength} values: " +
                "run fewer steps per call (continue from InitialSamples) or use a schedule that settles.");
        return (int)length;
    }

    /// <summary>
    /// Whether kernels around a step-by-step run (a transition's start, preparation and completion, persistent CD's replay
    /// gather and scatter) run their per-chain bodies in host loops: where the source evaluates on the host (a CPU device,
    /// host twins on), on the same memory, the same floats, without a launch per step (whose ILGPU task object was most of
    /// what a training step's sampler run allocated).
    /// </summary>
    internal static bool HostLoops(Device device, EnergySource? source) => device.Kind == DeviceKind.Cpu && source is { HostSimd: true };

    /// <summary>Working memory of <paramref name="shape"/> that the run does not hand out: the caller's workspace's, kept for
    /// the next run, or a new tensor the run frees.</summary>
    private Tensor Working(ReadOnlySpan<int> shape) => _workspace?.Rent(Device, shape) ?? Owned(Device.Allocate(shape.ToArray()));

    /// <summary>
    /// The chains' states, set to the options' initial samples (uninitialised without them: the run draws them). A run in a
    /// workspace writes them into the workspace's kept tensor, which its result hands to the caller until the next run in
    /// the workspace; otherwise a new tensor.
    /// </summary>
    private Tensor States()
    {
        if (_workspace is null) return _options.InitialSamples?.Clone() ?? Device.Allocate([_chains, _dim]);
        Tensor x = _workspace.States(Device, [_chains, _dim]);
        _options.InitialSamples?.View.CopyTo(x.View);
        return x;
    }

    /// <summary>The source's chain scratch for x: the workspace's, made once per shape, or one the run frees.</summary>
    private Tensor? SourceScratch(EnergySource? source, Tensor x)
    {
        if (source is null) return null;
        if (_workspace is null) return source.ChainScratch(x) is Tensor scratch ? Owned(scratch) : null;
        if (_workspace.SourceScratch is null)
            using (DisposeScope.Suspend()) _workspace.SourceScratch = source.ChainScratch(x);
        return _workspace.SourceScratch;
    }

    private Tensor Owned(Tensor tensor)
    {
        _owned.Add(tensor);
        return tensor;
    }

    /// <summary>Frees the tensors the run owns (a run in a workspace owns none of its working memory and is kept for the next).</summary>
    public void Dispose()
    {
        foreach (Tensor t in _owned) t.Dispose();
        _owned.Clear();
    }
}
