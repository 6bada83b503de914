using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ILGPU;
using TorchEbm.Energies;
using TorchEbm.Kernels.Random;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>
/// The CPU-native twin of <see cref="ChainKernels.Chains{TSource, TTransition}"/> for energies with a host vector form
/// (<see cref="IHostEnergy"/>): the same chain loop, eight chains per 256-bit vector, on the chains' memory in the CPU
/// accelerator, for Langevin, MALA, HMC and NUTS (diagonal or dense metrics) and the step-size search, also tempered (<see cref="LaneTempered{TLane}"/>). Resolved once per energy type (<see cref="For{TEnergy}"/>).
/// </summary>
/// <remarks>
/// Rounding: the Philox words and uniforms and the updates are the kernel's float operations in the kernel's order, lane by
/// lane, and the Metropolis probability is the kernel's scalar exp; the normals differ by float rounding (vector log,
/// sqrt, sin/cos in <see cref="Philox8.BoxMuller"/>), and so do energies whose host form uses vector transcendentals
/// (Rastrigin's sine and cosine); the other energies' host forms are the kernel's operations.
/// <para>The loop and what it calls per step (lane transitions, host energies) are jitted optimised at once
/// (<see cref="MethodImplOptions.AggressiveOptimization"/>): a launch calls them for its whole length, so tiered
/// compilation would run a short run, or a user's first ones, at tier 0.</para>
/// <para>Plain NUTS runs paced: each lane starts its next transition as soon as its own tree stops, instead of waiting for
/// the group's deepest one; the chains' draws are the same bit for bit, only the order of the work changes.</para>
/// </remarks>
internal abstract class CpuChains
{
    /// <summary>Whether this machine runs 256-bit vectors in hardware (else callers keep the ILGPU kernel).</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated;

    /// <summary>The twin for <typeparamref name="TEnergy"/>, or null when it has no host vector form.</summary>
    public static CpuChains? For<TEnergy>(TEnergy energy) where TEnergy : struct, IEnergy =>
        energy is IHostEnergy
            ? (CpuChains)Activator.CreateInstance(typeof(CpuChains<>).MakeGenericType(typeof(TEnergy)), energy)!
            : null;

    /// <summary>
    /// Runs <paramref name="transition"/> as <see cref="ChainKernels.Chains{TSource, TTransition}"/> would, with every view in
    /// CPU-accelerator memory; false (nothing done) for a transition without a host twin. A non-default
    /// <c>adaptation</c> fuses a warm-up's per-step work into the launch (<see cref="LaneAdaptation"/>).
    /// </summary>
    /// <exception cref="ArgumentException">x is not whole rows of settings.Dim, the buffers are smaller than the transition's
    /// rows and slots, or a view is not in CPU-accelerator memory.</exception>
    /// <remarks>Like the kernel it trusts the run's settings and tables (Thin &gt;= 1, non-empty schedules, a mass of length d),
    /// which <c>ChainRun</c> checks before any launch.</remarks>
    public abstract bool TryRun<TTransition>(ArrayView<float> x, ChainBuffers buffers, ArrayView<float> trajectory, ChainSettings settings,
        Philox4x32 rng, TTransition transition, LaneAdaptation adaptation = default) where TTransition : struct, ITransition;
}

/// <summary><see cref="CpuChains"/> for one energy type.</summary>
internal sealed class CpuChains<TEnergy>(TEnergy energy) : CpuChains where TEnergy : struct, IHostEnergy
{
    private const long SerialWork = 1 << 14; // chain-evaluations x d below which starting threads costs more than it saves

    /// <inheritdoc />
    /// <remarks>The tests on the transition's type are decided when the JIT specialises this method for it.</remarks>
    public override bool TryRun<TTransition>(ArrayView<float> x, ChainBuffers buffers, ArrayView<float> trajectory, ChainSettings settings,
        Philox4x32 rng, TTransition transition, LaneAdaptation adaptation = default)
    {
        // Host spans index with int: a trajectory or buffer beyond 2^31 floats keeps the kernel (64-bit offsets).
        if (trajectory.Length > int.MaxValue || buffers.Rows.Length > int.MaxValue || buffers.Scalars.Length > int.MaxValue
            || buffers.Statistics.Length > int.MaxValue
            || x.Length > int.MaxValue || adaptation.Positions.Length > int.MaxValue) return false;
        if (transition is LangevinTransition langevin) Run(x, buffers, trajectory, settings, rng, new LaneLangevin(langevin), adaptation);
        else if (transition is MalaTransition mala) Run(x, buffers, trajectory, settings, rng, new LaneMala(mala), adaptation);
        else if (transition is HmcTransition hmc) Run(x, buffers, trajectory, settings, rng, new LaneHmc(hmc), adaptation);
        else if (transition is NutsTransition nuts) Run(x, buffers, trajectory, settings, rng, new LaneNuts(nuts), adaptation);
        else if (transition is StepSizeSearch search) Run(x, buffers, trajectory, settings, rng, new LaneStepSizeSearch(search), adaptation);
        else if (transition is TemperedTransition<LangevinTransition> tl)
            Run(x, buffers, trajectory, settings, rng, new LaneTempered<LaneLangevin>(new LaneLangevin(tl.Inner), tl.Ladder, tl.Levels), adaptation);
        else if (transition is TemperedTransition<MalaTransition> tm)
            Run(x, buffers, trajectory, settings, rng, new LaneTempered<LaneMala>(new LaneMala(tm.Inner), tm.Ladder, tm.Levels), adaptation);
        else if (transition is TemperedTransition<HmcTransition> th)
            Run(x, buffers, trajectory, settings, rng, new LaneTempered<LaneHmc>(new LaneHmc(th.Inner), th.Ladder, th.Levels), adaptation);
        else if (transition is TemperedTransition<NutsTransition> tn)
            Run(x, buffers, trajectory, settings, rng, new LaneTempered<LaneNuts>(new LaneNuts(tn.Inner), tn.Ladder, tn.Levels), adaptation);
        else return false;
        return true;
    }

    private void Run<TLane>(ArrayView<float> x, ChainBuffers buffers, ArrayView<float> trajectory, ChainSettings settings, Philox4x32 rng,
        TLane lane, LaneAdaptation adaptation) where TLane : struct, ILaneTransition
    {
        int d = settings.Dim;
        if (d <= 0 || x.Length % d != 0)
            throw new ArgumentException($"x holds {x.Length} floats, not whole rows of {d}.", nameof(x));
        int chains = checked((int)(x.Length / d));
        if (buffers.Rows.Length < (long)lane.Rows * chains * d || buffers.Scalars.Length < (long)lane.Scalars * chains)
            throw new ArgumentException($"The chain buffers hold fewer than {lane.Rows} rows and {lane.Scalars} slots per chain.", nameof(buffers));
        if (chains == 0 || (settings.Steps <= 0 && (settings.Start == 0 || !lane.NeedsStart))) return; // the kernel starts even with no steps
        if (adaptation.AdaptsSteps && adaptation.Scales.Length != chains)
            throw new ArgumentException($"Fused warm-up adapts one step-size scale per chain ({chains}), not {adaptation.Scales.Length}.", nameof(adaptation));
        if (adaptation.KeepsPositions && adaptation.Positions.Length < (long)Math.Max(0, settings.Steps) * chains * d)
            throw new ArgumentException($"Fused warm-up keeps {settings.Steps} steps of {chains} x {d} positions, more than its {adaptation.Positions.Length} floats.", nameof(adaptation));
        Job<TLane>.Run(energy, lane, x, buffers, trajectory, settings, rng, chains, adaptation);
    }

    /// <summary>One launch's operands; each block runs a range of groups of eight chains. One instance per calling thread.</summary>
    private sealed class Job<TLane> : HostJob where TLane : struct, ILaneTransition
    {
        [ThreadStatic] private static Job<TLane>? t_job;

        private TEnergy _energy;
        private TLane _lane;
        private ArrayView<float> _x, _rows, _scalars, _trajectory, _statistics;
        private ChainSettings _settings;
        private LaneAdaptation _adaptation;
        private Philox4x32 _rng;
        private int _chains, _groups, _blocks;

        public static void Run(TEnergy energy, TLane lane, ArrayView<float> x, ChainBuffers buffers, ArrayView<float> trajectory,
            ChainSettings settings, Philox4x32 rng, int chains, LaneAdaptation adaptation)
        {
            Job<TLane> job = t_job ??= new Job<TLane>();
            job._adaptation = adaptation;
            job._energy = energy;
            job._lane = lane;
            (job._x, job._rows, job._scalars, job._trajectory, job._statistics) = (x, buffers.Rows, buffers.Scalars, trajectory, buffers.Statistics);
            job._settings = settings;
            job._rng = rng;
            job._chains = chains;
            job._groups = (chains + ChainLanes.Width - 1) / ChainLanes.Width;
            long work = (long)chains * Math.Max(1, settings.Steps) * lane.Evaluations * settings.Dim;
            // A few blocks per core, so a core slowed by other work does not hold up the launch.
            job._blocks = Environment.ProcessorCount == 1 || work < SerialWork ? 1 : Math.Min(job._groups, 4 * Environment.ProcessorCount);
            try
            {
                if (job._blocks == 1) job.Run(0);
                else job.RunBlocks(job._blocks);
            }
            finally
            {
                job._x = job._rows = job._scalars = job._trajectory = job._statistics = default; // keep no device memory alive: views,
                job._adaptation = default;
                job._energy = default; // the energy's (a Gaussian's mean and precision)
                job._lane = default; // and the transition's tables
            }
        }

        protected override void Run(int block) =>
            RunGroups((int)((long)_groups * block / _blocks), (int)((long)_groups * (block + 1) / _blocks));

        private void RunGroups(int firstGroup, int endGroup)
        {
            int d = _settings.Dim, rows = _lane.Rows, slots = _lane.Scalars, size = (1 + rows + _lane.ScratchRows) * d + slots;
            Vector256<float>[] rented = ArrayPool<Vector256<float>>.Shared.Rent(size); // reused launch after launch, trimmed under memory pressure
            try { RunGroups(firstGroup, endGroup, rented.AsSpan(0, size)); }
            finally { ArrayPool<Vector256<float>>.Shared.Return(rented); }
        }

        // Jitted optimised at once: a serial launch calls it once, too few calls for tiering to reach its optimised code.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void RunGroups(int firstGroup, int endGroup, Span<Vector256<float>> state)
        {
            int d = _settings.Dim, rows = _lane.Rows, slots = _lane.Scalars;
            LaneTables tables = _lane.Tables();
            Span<float> xs = HostMemory.Of(_x), rowData = HostMemory.Of(_rows), scalarData = HostMemory.Of(_scalars), kept = HostMemory.Of(_trajectory),
                statistics = HostMemory.Of(_statistics);
            for (int g = firstGroup; g < endGroup; g++)
            {
                int first = g * ChainLanes.Width, lanes = Math.Min(ChainLanes.Width, _chains - first);
                Load(state, xs, rowData, scalarData, first, lanes, rows, slots);
                state[((1 + rows) * d + slots)..].Clear(); // the transition's scratch starts zeroed for every group
                var chain = new ChainLanes(state, d, rows, _lane.ScratchRows, first, lanes, _settings, tables);
                if (_settings.Start != 0 && _lane.NeedsStart)
                {
                    Evaluate(chain, energy: true);
                    _lane.Start(chain);
                }
                if (typeof(TLane) == typeof(LaneNuts)) RunPaced(Unsafe.As<TLane, LaneNuts>(ref _lane), chain, kept, statistics, first, lanes);
                else
                    for (int s = 0; s < _settings.Steps; s++)
                    {
                        // A transition that ends early masks its finished lanes itself; the group moves on once none goes on.
                        for (int k = 0; k < _lane.Evaluations && (k == 0 || !_lane.EndsEarly || _lane.AnyContinues(k, chain)); k++)
                        {
                            _lane.Prepare(k, chain, s, _settings, _rng);
                            Evaluate(chain, _lane.NeedsEnergy(k));
                            _lane.Complete(k, chain, s, _settings, _rng);
                        }
                        for (int l = 0; l < lanes; l++)
                        {
                            Keep(chain, kept, statistics, first, l, _settings.FirstStep + s);
                            Adapt(chain, first, l, s);
                        }
                    }
                Store(state, xs, rowData, scalarData, first, lanes, rows, slots);
            }
        }

        /// <summary>
        /// NUTS's steps for one group, each lane at its own pace: a lane whose tree stops keeps its draw, adapts, and starts
        /// its next transition at the next evaluation while the others still grow theirs, until every lane has taken the
        /// launch's steps. Lanes in step would wait each transition for the group's deepest tree (measured on eight schools'
        /// warm-up: 40-55% of the lanes' evaluations did work). Each lane's arithmetic and Philox counters are those of its
        /// chain's transitions in order (<see cref="LaneClock"/>), so only the schedule changes, not one bit of a chain.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void RunPaced(in LaneNuts nuts, in ChainLanes chain, Span<float> kept, Span<float> statistics, int first, int lanes)
        {
            if (_settings.Steps <= 0) return;
            Span<int> steps = stackalloc int[ChainLanes.Width]; // all lanes start step 0 at evaluation 0
            steps.Clear();
            Vector256<int> evaluations = Vector256<int>.Zero, running = Vector256<int>.AllBitsSet, last = Vector256.Create(nuts.Evaluations - 1);
            while (running != Vector256<int>.Zero)
            {
                var clock = new LaneClock(evaluations, Vector256.Create<int>(steps));
                nuts.Prepare(clock, chain, _settings, _rng);
                Evaluate(chain, energy: true);
                nuts.Complete(clock, chain, _settings, _rng);
                Vector256<int> ended = LaneNuts.Ended(chain).AsInt32() & running;
                // A transition ends by its last evaluation: going on past it would be a broken transition, not a slow one.
                if ((Vector256.Equals(evaluations, last) & running & ~ended) != Vector256<int>.Zero)
                    throw new InvalidOperationException($"A NUTS lane did not end its transition in {nuts.Evaluations} evaluations.");
                evaluations -= running; // all ones: + 1
                for (uint bits = ended.ExtractMostSignificantBits(); bits != 0; bits &= bits - 1)
                {
                    int l = BitOperations.TrailingZeroCount(bits);
                    bool next = false;
                    if (l < lanes) // padding lanes end at once, keep nothing and stop
                    {
                        Keep(chain, kept, statistics, first, l, _settings.FirstStep + steps[l]);
                        Adapt(chain, first, l, steps[l]);
                        next = ++steps[l] < _settings.Steps;
                    }
                    evaluations = evaluations.WithElement(l, next ? 0 : -1);
                    if (!next) running = running.WithElement(l, 0);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Evaluate(in ChainLanes chain, bool energy)
        {
            Vector256<float> value = _energy.EnergyAndGradient(chain.X, chain.Gradient, energy);
            if (energy) chain.Scalar(ChainState.EnergySlot) = value;
        }

        /// <summary>The fused warm-up's work after lane <paramref name="l"/>'s launch step s (<see cref="LaneAdaptation"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Adapt(in ChainLanes chain, int first, int l, int s)
        {
            if (_adaptation.AdaptsSteps)
                AdaptationKernels.UpdateScale(first + l, chain.Scalar(ChainState.AcceptProbabilitySlot).GetElement(l), _adaptation.Scales, _adaptation.State,
                    _adaptation.Target);
            if (!_adaptation.KeepsPositions) return;
            int d = _settings.Dim, offset = ((s * _chains) + first + l) * d;
            Span<float> positions = HostMemory.Of(_adaptation.Positions), flat = MemoryMarshal.Cast<Vector256<float>, float>(chain.X);
            for (int i = 0; i < d; i++) positions[offset + i] = flat[i * ChainLanes.Width + l];
        }

        /// <summary>Chains first .. first + lanes - 1 into the group's vectors (x, rows, slots); padding lanes get zeros.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Load(Span<Vector256<float>> state, Span<float> xs, Span<float> rowData, Span<float> scalarData, int first, int lanes,
            int rows, int slots)
        {
            int d = _settings.Dim;
            if (lanes < ChainLanes.Width) state.Clear();
            Span<float> flat = MemoryMarshal.Cast<Vector256<float>, float>(state);
            for (int l = 0; l < lanes; l++)
            {
                int c = first + l;
                for (int i = 0; i < d; i++) flat[i * ChainLanes.Width + l] = xs[c * d + i];
                for (int r = 0; r < rows; r++)
                for (int i = 0; i < d; i++)
                    flat[((1 + r) * d + i) * ChainLanes.Width + l] = rowData[(int)(((long)r * _chains + c) * d + i)];
                for (int slot = 0; slot < slots; slot++) flat[((1 + rows) * d + slot) * ChainLanes.Width + l] = scalarData[slot * _chains + c];
            }
        }

        /// <summary>The group's vectors back into the chains' memory (real lanes only).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Store(Span<Vector256<float>> state, Span<float> xs, Span<float> rowData, Span<float> scalarData, int first, int lanes,
            int rows, int slots)
        {
            int d = _settings.Dim;
            Span<float> flat = MemoryMarshal.Cast<Vector256<float>, float>(state);
            for (int l = 0; l < lanes; l++)
            {
                int c = first + l;
                for (int i = 0; i < d; i++) xs[c * d + i] = flat[i * ChainLanes.Width + l];
                for (int r = 0; r < rows; r++)
                for (int i = 0; i < d; i++)
                    rowData[(int)(((long)r * _chains + c) * d + i)] = flat[((1 + r) * d + i) * ChainLanes.Width + l];
                for (int slot = 0; slot < slots; slot++) scalarData[slot * _chains + c] = flat[((1 + rows) * d + slot) * ChainLanes.Width + l];
            }
        }

        /// <summary>Lane <paramref name="l"/>'s position after global step t into the trajectory, where
        /// <see cref="ChainKernels.KeptOffset"/> puts it, and its per-draw statistics where <see cref="ChainKernels.StatisticsOffset"/> does.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Keep(in ChainLanes chain, Span<float> kept, Span<float> statistics, int first, int l, int t)
        {
            if ((t + 1) % _settings.Thin != 0) return;
            Span<float> flat = MemoryMarshal.Cast<Vector256<float>, float>(chain.X);
            long offset = ChainKernels.KeptOffset(_trajectory, _settings, _chains, first + l, t);
            if (offset >= 0)
                for (int i = 0; i < _settings.Dim; i++) kept[(int)(offset + i)] = flat[i * ChainLanes.Width + l];
            offset = ChainKernels.StatisticsOffset(_statistics, _settings, _chains, first + l, t, out long block);
            if (offset < 0) return;
            for (int k = 0; k < ChainState.DrawStatistics; k++)
                statistics[(int)(offset + k * block)] = chain.Scalar(ChainState.AcceptProbabilitySlot + k).GetElement(l);
        }
    }
}
