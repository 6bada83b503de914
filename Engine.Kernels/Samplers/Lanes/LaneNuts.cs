using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>
/// The host vector twin of <see cref="NutsTransition"/> with a diagonal or dense metric (<see cref="LaneMetric"/>): the same
/// rows, slots, Philox counters and float operations, eight chains building their trees at once, one leaf per evaluation.
/// Each lane has its own clock (<see cref="LaneClock"/>: its evaluation within its transition and its launch step), so a
/// lane whose tree has stopped can start its next transition at the next evaluation while the others still grow theirs
/// (<see cref="CpuChains"/>' paced loop); a lane whose tree has stopped and that does not start again changes nothing
/// (every write is a select on the lanes concerned).
/// </summary>
/// <remarks>
/// <para>A lane's leaf index within its doubling and the doubling itself follow from its own evaluation k, and so do its
/// checkpoint slots (popcount, trailing ones): lanes at different evaluations read and write different checkpoint rows,
/// which <see cref="Pick"/> and <see cref="Put"/> do slot by slot (lanes in step share one, and read it in place).
/// Directions, divergences, U-turns and the multinomial choices differ from lane to lane as in the kernel.</para>
/// <para>The weights' exp and log are the kernel's scalar <see cref="XMath"/> functions, lane by lane (a handful per leaf),
/// so equal energies choose equally; everything of length d is vector code.</para>
/// </remarks>
internal readonly struct LaneNuts(NutsTransition transition) : ILaneTransition
{
    // NutsTransition's rows and slots, taken from it (one layout; the twins are tested equal bit for bit).
    private const int SampleGradientRow = NutsTransition.SampleGradientRow,
        SampleRow = NutsTransition.SampleRow, MomentumRow = NutsTransition.MomentumRow,
        BackwardEndRow = NutsTransition.BackwardEndRow, ForwardEndRow = NutsTransition.ForwardEndRow;
    private const int ProposalRow = NutsTransition.ProposalRow,
        ProposalGradientRow = NutsTransition.ProposalGradientRow, TrajectoryRhoRow = NutsTransition.TrajectoryRhoRow,
        SubtreeRhoRow = NutsTransition.SubtreeRhoRow, FirstCheckpointRow = NutsTransition.FirstCheckpointRow;

    private const int SampleEnergySlot = NutsTransition.SampleEnergySlot,
        StepSlot = NutsTransition.StepSlot, DirectionSlot = NutsTransition.DirectionSlot;
    private const int TrajectoryWeightSlot = NutsTransition.TrajectoryWeightSlot,
        SubtreeWeightSlot = NutsTransition.SubtreeWeightSlot, ProposalEnergySlot = NutsTransition.ProposalEnergySlot;
    private const int LeafSlot = NutsTransition.LeafSlot,
        MetropolisSumSlot = NutsTransition.MetropolisSumSlot, DoneSlot = NutsTransition.DoneSlot;
    private const int MovedSlot = NutsTransition.MovedSlot;
    private const int StartHamiltonianSlot = NutsTransition.StartHamiltonianSlot, DepthSlot = NutsTransition.DepthSlot;

    public int Rows => NutsTransition.RowsFor(transition.MaxTreeDepth);

    public int Scalars => NutsTransition.Scalars;

    /// <summary>
    /// Velocities M^-1 p, each computed once per momentum: of the current momentum, of a drift's, of the trajectory's two
    /// ends and of every checkpointed momentum (the U-turn checks read them; the kernel recomputes them, which with a dense
    /// metric costs O(d^2) each). Bit for bit the kernel's, being the same function of the same momentum.
    /// </summary>
    public int ScratchRows => PickedRow + PickedRows;

    // Scratch rows: the velocity of the current momentum, scratch for a drift, of the trajectory's ends; the drawn momenta
    // waiting for their transitions (Begin: momentum, velocity, twice the kinetic energy and the step + 1 they are for, in
    // element 0); the velocities of the checkpoints; the checkpoint rows a U-turn check picks lane by lane (Pick).
    private const int VelocityRow = 0, DriftRow = 1, BackwardVelocityRow = 2, ForwardVelocityRow = 3;
    private const int DrawnMomentumRow = 4, DrawnVelocityRow = 5, DrawnKineticRow = 6, DrawnTagRow = 7, BeginVelocityRow = 8, PickedRows = 5;

    private int EndVelocityRow => BeginVelocityRow + transition.MaxTreeDepth;

    private int PickedRow => EndVelocityRow + transition.MaxTreeDepth - 1;

    public int Evaluations => transition.Evaluations;

    public bool EndsEarly => true;

    /// <summary>Whether some lane's tree is still growing.</summary>
    public bool AnyContinues(int evaluation, in ChainLanes chain) => Vector256.EqualsAny(chain.Scalar(DoneSlot), Vector256<float>.Zero);

    public bool NeedsEnergy(int evaluation) => true;

    public bool NeedsStart => true;

    /// <summary>The lanes whose transition has ended (the tree has stopped, or the lane pads the launch).</summary>
    public static Vector256<float> Ended(in ChainLanes chain) => ~Going(chain);

    public LaneTables Tables() => new(HostMemory.Of(transition.StepSize.Table), default, HostMemory.Of(transition.StepSize.Scales),
        HostMemory.Of(transition.Metric.Inverse), transition.Metric.Dense != 0 ? HostMemory.Of(transition.Metric.Factor) : default);

    public void Start(in ChainLanes chain) => chain.KeepEvaluation(SampleGradientRow, SampleEnergySlot, Vector256<float>.AllBitsSet);

    /// <summary>
    /// The doubling each lane's evaluation k belongs to (trees of 1, 2, 4, ... leaves: depth floor(log2(k + 1))) and its leaf
    /// within it (k + 1 - 2^depth); -1 and -1 for a lane before its first. Vector code: floor(log2(k + 1)) is the exponent
    /// of k + 1 as a float (exact below 2^24 evaluations).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TreeOf(Vector256<int> evaluations, out Vector256<int> depths, out Vector256<int> leaves)
    {
        Vector256<int> count = evaluations + Vector256<int>.One, none = Vector256.LessThan(evaluations, Vector256<int>.Zero);
        Vector256<int> exponent = Vector256.ShiftRightLogical(Vector256.ConvertToSingle(count).AsInt32(), 23);
        Vector256<int> size = Vector256.ConvertToInt32(Vector256.ShiftLeft(exponent, 23).AsSingle()); // 2^depth: the exponent alone
        depths = (exponent - Vector256.Create(127)) | none;
        leaves = (count - size) | none;
    }

    /// <summary>The popcount of every lane's value (0 for a negative one): the checkpoint slot of a leaf (AVX2 has no vector
    /// popcount: the bit-parallel sum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> PopCounts(Vector256<int> values)
    {
        Vector256<uint> x = values.AsUInt32();
        x -= Vector256.ShiftRightLogical(x, 1) & Vector256.Create(0x55555555u);
        x = (x & Vector256.Create(0x33333333u)) + (Vector256.ShiftRightLogical(x, 2) & Vector256.Create(0x33333333u));
        x = (x + Vector256.ShiftRightLogical(x, 4)) & Vector256.Create(0x0F0F0F0Fu);
        Vector256<int> counts = Vector256.ShiftRightLogical(x * Vector256.Create(0x01010101u), 24).AsInt32();
        return counts & ~Vector256.LessThan(values, Vector256<int>.Zero);
    }

    /// <summary>The trailing ones of every lane's leaf (0 for a negative one): the subtrees of 2, 4, ... leaves it completes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> TrailingOnes(Vector256<int> leaves) =>
        (PopCounts(leaves ^ (leaves + Vector256<int>.One)) - Vector256<int>.One) & ~Vector256.LessThan(leaves, Vector256<int>.Zero);

    private Span<Vector256<float>> BeginMomenta(in ChainLanes chain) => chain.Rows(FirstCheckpointRow, transition.MaxTreeDepth);

    private Span<Vector256<float>> BeginRhos(in ChainLanes chain) => chain.Rows(FirstCheckpointRow + transition.MaxTreeDepth, transition.MaxTreeDepth);

    private Span<Vector256<float>> EndMomenta(in ChainLanes chain) => chain.Rows(FirstCheckpointRow + 2 * transition.MaxTreeDepth, transition.MaxTreeDepth - 1);

    private Span<Vector256<float>> BeginVelocities(in ChainLanes chain) => chain.ScratchRows(BeginVelocityRow, transition.MaxTreeDepth);

    private Span<Vector256<float>> EndVelocities(in ChainLanes chain) => chain.ScratchRows(EndVelocityRow, transition.MaxTreeDepth - 1);

    private static Span<Vector256<float>> Slot(Span<Vector256<float>> rows, int d, int slot) => rows.Slice(slot * d, d);

    /// <summary>
    /// Row <paramref name="slots"/>[l] of <paramref name="rows"/> (consecutive rows of length d) in every lane l of
    /// <paramref name="mask"/>, as one row: that row itself when those lanes share a slot, else assembled slot by slot into
    /// <paramref name="into"/> (the other lanes then hold anything).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ReadOnlySpan<Vector256<float>> Pick(Span<Vector256<float>> rows, int d, Vector256<int> slots, Vector256<float> mask,
        Span<Vector256<float>> into)
    {
        uint left = mask.ExtractMostSignificantBits();
        if (left == 0) return rows[..d];
        int first = slots.GetElement(BitOperations.TrailingZeroCount(left));
        if ((left & ~Vector256.Equals(slots, Vector256.Create(first)).ExtractMostSignificantBits()) == 0) return Slot(rows, d, first);
        while (left != 0)
        {
            int slot = slots.GetElement(BitOperations.TrailingZeroCount(left));
            Vector256<float> lanes = mask & Vector256.Equals(slots, Vector256.Create(slot)).AsSingle();
            Copy(Slot(rows, d, slot), into, lanes);
            left &= ~lanes.ExtractMostSignificantBits();
        }
        return into;
    }

    /// <summary>Row <paramref name="from"/> into row <paramref name="slots"/>[l] of <paramref name="rows"/> in every lane l of <paramref name="mask"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Put(ReadOnlySpan<Vector256<float>> from, Span<Vector256<float>> rows, Vector256<int> slots, Vector256<float> mask)
    {
        int d = from.Length;
        uint left = mask.ExtractMostSignificantBits();
        while (left != 0)
        {
            int slot = slots.GetElement(BitOperations.TrailingZeroCount(left));
            Vector256<float> lanes = mask & Vector256.Equals(slots, Vector256.Create(slot)).AsSingle();
            Copy(from, Slot(rows, d, slot), lanes);
            left &= ~lanes.ExtractMostSignificantBits();
        }
    }

    /// <summary>The lanes whose tree still grows.</summary>
    private static Vector256<float> Going(in ChainLanes chain) => Vector256.Equals(chain.Scalar(DoneSlot), Vector256<float>.Zero);

    private static void Set(ref Vector256<float> slot, Vector256<float> mask, Vector256<float> value) =>
        slot = Vector256.ConditionalSelect(mask, value, slot);

    /// <summary>Row <paramref name="to"/> = <paramref name="from"/> in the lanes of <paramref name="mask"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Copy(ReadOnlySpan<Vector256<float>> from, Span<Vector256<float>> to, Vector256<float> mask)
    {
        for (int i = 0; i < to.Length; i++) to[i] = Vector256.ConditionalSelect(mask, from[i], to[i]);
    }

    /// <summary>Words X, Y, Z of every lane's leaf-k block (chain, step, AcceptWord - 1 - k, call) as uniforms, at the lane's own k and step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LeafUniforms(in ChainLanes chain, ChainSettings settings, in LaneClock clock, Philox4x32 rng,
        out Vector256<float> x, out Vector256<float> y, out Vector256<float> z)
    {
        Philox8.Block(rng, chain.ChainWords, clock.StepWords(settings), Vector256.Create(ChainState.AcceptWord - 1u) - clock.Evaluations.AsUInt32(),
            Vector256.Create(settings.Call), out Vector256<uint> r0, out Vector256<uint> r1, out Vector256<uint> r2, out _);
        x = Philox8.ToUniform(r0);
        y = Philox8.ToUniform(r1);
        z = Philox8.ToUniform(r2);
    }

    /// <inheritdoc />
    /// <remarks>Every lane at evaluation <paramref name="evaluation"/> of step <paramref name="s"/> (<see cref="LaneClock.InStep"/>).</remarks>
    public void Prepare(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng) =>
        Prepare(LaneClock.InStep(evaluation, s), chain, settings, rng);

    /// <inheritdoc />
    public void Complete(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng) =>
        Complete(LaneClock.InStep(evaluation, s), chain, settings, rng);

    /// <summary>A lane at evaluation 0 starts its transition; a doubling's first leaf draws each going lane's direction and
    /// restarts its integrator from that end of its trajectory; then a half kick and a drift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Prepare(in LaneClock clock, in ChainLanes chain, ChainSettings settings, Philox4x32 rng)
    {
        Vector256<float> begins = Vector256.Equals(clock.Evaluations, Vector256<int>.Zero).AsSingle();
        if (begins != Vector256<float>.Zero) Begin(chain, clock, begins, settings, rng);
        int d = chain.Dim;
        Vector256<float> going = Going(chain);
        TreeOf(clock.Evaluations, out _, out Vector256<int> leaves);
        Vector256<float> firstLeaf = going & Vector256.Equals(leaves, Vector256<int>.Zero).AsSingle(), kicked = going & ~firstLeaf;
        Span<Vector256<float>> x = chain.X, p = chain.Row(MomentumRow);
        Vector256<float> forward = Vector256<float>.Zero;
        if (firstLeaf != Vector256<float>.Zero)
        {
            LeafUniforms(chain, settings, clock, rng, out _, out Vector256<float> u, out _);
            forward = Vector256.GreaterThan(u, Vector256.Create(0.5f));
            Vector256<float> direction = Vector256.ConditionalSelect(forward, Vector256<float>.One, Vector256.Create(-1f));
            Set(ref chain.Scalar(DirectionSlot), firstLeaf, direction);
            Set(ref chain.Scalar(SubtreeWeightSlot), firstLeaf, Vector256.Create(float.NegativeInfinity));
        }
        Vector256<float> halfH = Vector256.Create(0.5f) * (chain.Scalar(DirectionSlot) * chain.Scalar(StepSlot));
        if (firstLeaf != Vector256<float>.Zero)
        {
            Span<Vector256<float>> xForward = chain.Row(ForwardEndRow), pForward = chain.Row(ForwardEndRow + 1), gForward = chain.Row(ForwardEndRow + 2);
            Span<Vector256<float>> xBackward = chain.Row(BackwardEndRow), pBackward = chain.Row(BackwardEndRow + 1), gBackward = chain.Row(BackwardEndRow + 2);
            Span<Vector256<float>> rho = chain.Row(SubtreeRhoRow);
            for (int i = 0; i < d; i++) // from the trajectory's end in the lane's direction, kicked with that end's gradient
            {
                Vector256<float> pi = Vector256.ConditionalSelect(forward, pForward[i], pBackward[i])
                                      - halfH * Vector256.ConditionalSelect(forward, gForward[i], gBackward[i]);
                p[i] = Vector256.ConditionalSelect(firstLeaf, pi, p[i]);
                x[i] = Vector256.ConditionalSelect(firstLeaf, Vector256.ConditionalSelect(forward, xForward[i], xBackward[i]), x[i]);
                rho[i] = Vector256.ConditionalSelect(firstLeaf, Vector256<float>.Zero, rho[i]);
            }
        }
        if (kicked != Vector256<float>.Zero)
        {
            Span<Vector256<float>> gradient = chain.Gradient;
            for (int i = 0; i < d; i++) p[i] = Vector256.ConditionalSelect(kicked, p[i] - halfH * gradient[i], p[i]);
        }
        LaneMetric.Drift(chain, x, p, chain.Scalar(DirectionSlot) * chain.Scalar(StepSlot), going, chain.Scratch(DriftRow));
    }

    /// <summary>The lanes of <paramref name="begins"/>: draws the momentum, records H0 and makes the chain's state the whole
    /// trajectory. Padding lanes (beyond the launch's chains) are done at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Begin(in ChainLanes chain, in LaneClock clock, Vector256<float> begins, ChainSettings settings, Philox4x32 rng)
    {
        int d = chain.Dim;
        Set(ref chain.Scalar(StepSlot), begins, chain.StepSize(clock.Steps));
        Span<Vector256<float>> x = chain.X, p = chain.Row(MomentumRow), rho = chain.Row(TrajectoryRhoRow), gradient = chain.Row(SampleGradientRow);
        Span<Vector256<float>> sample = chain.Row(SampleRow);
        // A momentum depends on (chain, step) alone, so one vector draw serves every lane: those that begin now at their
        // step, the others at their next one, kept until they begin (paced lanes begin one or two at a time; drawing eight
        // lanes' normals for each would cost most of an evaluation).
        Span<Vector256<float>> drawn = chain.Scratch(DrawnMomentumRow), drawnVelocity = chain.Scratch(DrawnVelocityRow);
        ref Vector256<float> drawnKinetic = ref chain.Scratch(DrawnKineticRow)[0], drawnTag = ref chain.Scratch(DrawnTagRow)[0];
        Vector256<int> tags = clock.Steps + Vector256<int>.One; // scratch starts zeroed: no lane's draw is there
        if ((begins & ~Vector256.Equals(drawnTag.AsInt32(), tags).AsSingle()) != Vector256<float>.Zero)
        {
            Vector256<int> steps = clock.Steps + (~begins.AsInt32() & Vector256<int>.One);
            drawnKinetic = LaneMetric.DrawMomentum(chain, drawn, chain.Scratch(VelocityRow), rng, new LaneClock(clock.Evaluations, steps).StepWords(settings),
                settings.Call);
            LaneMetric.Velocity(chain, drawn, drawnVelocity);
            drawnTag = (steps + Vector256<int>.One).AsSingle();
        }
        Copy(drawn, p, begins);
        Span<Vector256<float>> velocity = chain.Scratch(VelocityRow), vB = chain.Scratch(BackwardVelocityRow), vF = chain.Scratch(ForwardVelocityRow);
        Copy(drawnVelocity, velocity, begins); // the other lanes recompute theirs before they read it
        Set(ref chain.Scalar(StartHamiltonianSlot), begins, chain.Scalar(SampleEnergySlot) + Vector256.Create(0.5f) * drawnKinetic);
        Span<Vector256<float>> xB = chain.Row(BackwardEndRow), pB = chain.Row(BackwardEndRow + 1), gB = chain.Row(BackwardEndRow + 2);
        Span<Vector256<float>> xF = chain.Row(ForwardEndRow), pF = chain.Row(ForwardEndRow + 1), gF = chain.Row(ForwardEndRow + 2);
        for (int i = 0; i < d; i++)
        {
            Vector256<float> xi = Vector256.ConditionalSelect(begins, x[i], sample[i]);
            xB[i] = Vector256.ConditionalSelect(begins, xi, xB[i]);
            xF[i] = Vector256.ConditionalSelect(begins, xi, xF[i]);
            sample[i] = xi;
            Vector256<float> pi = p[i];
            pB[i] = Vector256.ConditionalSelect(begins, pi, pB[i]);
            pF[i] = Vector256.ConditionalSelect(begins, pi, pF[i]);
            rho[i] = Vector256.ConditionalSelect(begins, pi, rho[i]);
            gB[i] = Vector256.ConditionalSelect(begins, gradient[i], gB[i]);
            gF[i] = Vector256.ConditionalSelect(begins, gradient[i], gF[i]);
            vB[i] = Vector256.ConditionalSelect(begins, velocity[i], vB[i]);
            vF[i] = Vector256.ConditionalSelect(begins, velocity[i], vF[i]);
        }
        Vector256<float> zero = Vector256<float>.Zero;
        Set(ref chain.Scalar(TrajectoryWeightSlot), begins, zero); // the starting point's weight exp(H0 - H0)
        Set(ref chain.Scalar(MetropolisSumSlot), begins, zero);
        Set(ref chain.Scalar(LeafSlot), begins, zero);
        Set(ref chain.Scalar(DepthSlot), begins, zero);
        Set(ref chain.Scalar(ChainState.LeapfrogsSlot), begins, zero);
        Set(ref chain.Scalar(ChainState.DivergentSlot), begins, zero);
        Set(ref chain.Scalar(MovedSlot), begins, zero);
        Vector256<float> padding = Vector256.GreaterThanOrEqual(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(chain.Lanes)).AsSingle();
        Set(ref chain.Scalar(DoneSlot), begins, padding & Vector256<float>.One);
    }

    /// <summary>
    /// Every going lane: completes its leaf's leapfrog step, then divergence; the leaf's weight and the progressive sampling
    /// within the subtree; the checkpoints and the U-turn checks of every subtree the leaf completes; and, when it completes
    /// the doubling, the biased sampling and the checks across the whole trajectory. A lane whose tree stops finishes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Complete(in LaneClock clock, in ChainLanes chain, ChainSettings settings, Philox4x32 rng)
    {
        int d = chain.Dim;
        TreeOf(clock.Evaluations, out Vector256<int> depths, out Vector256<int> leaves);
        Vector256<float> going = Going(chain);
        Vector256<float> direction = chain.Scalar(DirectionSlot), h = direction * chain.Scalar(StepSlot), halfH = Vector256.Create(0.5f) * h;
        Span<Vector256<float>> x = chain.X, p = chain.Row(MomentumRow), gradient = chain.Gradient;
        for (int i = 0; i < d; i++) p[i] = Vector256.ConditionalSelect(going, p[i] - halfH * gradient[i], p[i]);
        Span<Vector256<float>> velocity = chain.Scratch(VelocityRow);
        Vector256<float> kinetic = LaneMetric.TwiceKinetic(chain, p, velocity); // leaves M^-1 p for the U-turn checks and checkpoints
        Set(ref chain.Scalar(ChainState.LeapfrogsSlot), going, Vector256.ConvertToSingle(clock.Evaluations + Vector256<int>.One));
        Vector256<float> h0 = chain.Scalar(StartHamiltonianSlot), error = chain.Energy + Vector256.Create(0.5f) * kinetic - h0;
        Vector256<float> divergent = going & ~(Vector256.LessThanOrEqual(error, Vector256.Create(ChainState.MaxEnergyError))
                                               & Vector256.LessThan(Vector256.Abs(h0), Vector256.Create(float.PositiveInfinity))); // NaN too
        if (divergent != Vector256<float>.Zero)
        {
            Set(ref chain.Scalar(ChainState.DivergentSlot), divergent, Vector256<float>.One);
            Finish(chain, divergent);
            going &= ~divergent;
        }
        if (going == Vector256<float>.Zero) return;

        // The leaf's weight, the progressive sampling within the subtree: the kernel's scalar exp and log, lane by lane.
        LeafUniforms(chain, settings, clock, rng, out Vector256<float> ux, out _, out Vector256<float> uz);
        Vector256<float> metropolis = chain.Scalar(MetropolisSumSlot), subtreeWeight = chain.Scalar(SubtreeWeightSlot), take = going;
        Span<float> metropolisLanes = Lanes(ref metropolis), subtreeLanes = Lanes(ref subtreeWeight), takeLanes = Lanes(ref take);
        for (int l = 0; l < ChainLanes.Width; l++)
        {
            if (takeLanes[l] == 0f) continue; // all zero bits: not going
            float logWeight = -error.GetElement(l);
            metropolisLanes[l] += XMath.Min(1f, XMath.Exp(logWeight));
            subtreeLanes[l] = NutsTransition.LogAddExp(subtreeLanes[l], logWeight);
            if (!(ux.GetElement(l) < XMath.Exp(logWeight - subtreeLanes[l]))) takeLanes[l] = 0f;
        }
        chain.Scalar(MetropolisSumSlot) = metropolis;
        chain.Scalar(SubtreeWeightSlot) = subtreeWeight;
        if (take != Vector256<float>.Zero)
        {
            Copy(x, chain.Row(ProposalRow), take);
            Copy(gradient, chain.Row(ProposalGradientRow), take);
            Set(ref chain.Scalar(ProposalEnergySlot), take, chain.Energy);
        }

        Span<Vector256<float>> rho = chain.Row(SubtreeRhoRow);
        Vector256<float> odd = going & ~Vector256.Equals(leaves & Vector256<int>.One, Vector256<int>.Zero).AsSingle();
        Vector256<float> even = going & ~odd;
        if (even != Vector256<float>.Zero)
        {
            Vector256<int> slots = PopCounts(leaves);
            Put(p, BeginMomenta(chain), slots, even);
            Put(velocity, BeginVelocities(chain), slots, even);
            Put(rho, BeginRhos(chain), slots, even);
        }
        for (int i = 0; i < d; i++) rho[i] = Vector256.ConditionalSelect(going, rho[i] + p[i], rho[i]);
        // Trailing ones: the subtrees of 2, 4, ... leaves each lane's leaf completes.
        Vector256<int> completed = TrailingOnes(leaves);
        for (int m = 1; ; m++)
        {
            Vector256<float> checks = going & Vector256.GreaterThanOrEqual(completed, Vector256.Create(m)).AsSingle();
            if (checks == Vector256<float>.Zero) break;
            Vector256<float> turns = checks & SubtreeTurns(chain, leaves, m, checks);
            if (turns == Vector256<float>.Zero) continue;
            Finish(chain, turns);
            going &= ~turns;
        }
        if (going == Vector256<float>.Zero) return;
        odd &= going;
        if (odd != Vector256<float>.Zero)
        {
            Vector256<int> slots = completed - Vector256<int>.One;
            Put(p, EndMomenta(chain), slots, odd);
            Put(velocity, EndVelocities(chain), slots, odd);
        }
        Vector256<float> within = going & Vector256.LessThan(completed, depths).AsSingle(); // leaf + 1 < 2^depth: the doubling goes on
        if (within != Vector256<float>.Zero)
        {
            Set(ref chain.Scalar(LeafSlot), within, Vector256.ConvertToSingle(leaves + Vector256<int>.One));
            going &= ~within;
            if (going == Vector256<float>.Zero) return;
        }

        // The doubling is complete: the biased sampling towards the new subtree, lane by lane.
        Vector256<float> trajectoryWeight = chain.Scalar(TrajectoryWeightSlot), moves = going;
        Span<float> trajectoryLanes = Lanes(ref trajectoryWeight), movesLanes = Lanes(ref moves);
        for (int l = 0; l < ChainLanes.Width; l++)
        {
            if (movesLanes[l] == 0f) continue;
            float subtree = subtreeWeight.GetElement(l), trajectory = trajectoryLanes[l];
            if (!(uz.GetElement(l) < XMath.Exp(subtree - trajectory))) movesLanes[l] = 0f;
            trajectoryLanes[l] = NutsTransition.LogAddExp(trajectory, subtree);
        }
        if (moves != Vector256<float>.Zero)
        {
            Copy(chain.Row(ProposalRow), chain.Row(SampleRow), moves);
            Copy(chain.Row(ProposalGradientRow), chain.Row(SampleGradientRow), moves);
            Set(ref chain.Scalar(SampleEnergySlot), moves, chain.Scalar(ProposalEnergySlot));
            Set(ref chain.Scalar(MovedSlot), moves, Vector256<float>.One);
        }
        chain.Scalar(TrajectoryWeightSlot) = trajectoryWeight; // changed in the going lanes only
        Vector256<float> forward = Vector256.GreaterThan(direction, Vector256<float>.Zero);
        Vector256<float> stops = going & TrajectoryTurns(chain, forward, going);
        Vector256<float> toForward = going & forward, toBackward = going & ~forward;
        Copy(x, chain.Row(ForwardEndRow), toForward);
        Copy(p, chain.Row(ForwardEndRow + 1), toForward);
        Copy(velocity, chain.Scratch(ForwardVelocityRow), toForward);
        Copy(gradient, chain.Row(ForwardEndRow + 2), toForward);
        Copy(x, chain.Row(BackwardEndRow), toBackward);
        Copy(p, chain.Row(BackwardEndRow + 1), toBackward);
        Copy(velocity, chain.Scratch(BackwardVelocityRow), toBackward);
        Copy(gradient, chain.Row(BackwardEndRow + 2), toBackward);
        Vector256<int> nextDepths = depths + Vector256<int>.One;
        Set(ref chain.Scalar(DepthSlot), going, Vector256.ConvertToSingle(nextDepths));
        Set(ref chain.Scalar(LeafSlot), going, Vector256<float>.Zero);
        stops |= going & Vector256.Equals(nextDepths, Vector256.Create(transition.MaxTreeDepth)).AsSingle();
        if (stops != Vector256<float>.Zero) Finish(chain, stops);
    }

    /// <summary>The eight floats of a local vector, to change lane by lane.</summary>
    private static Span<float> Lanes(ref Vector256<float> vector) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<Vector256<float>, float>(ref vector), ChainLanes.Width);

    /// <summary>
    /// The lanes (of <paramref name="mask"/>) whose subtree of 2^m leaves ending at their leaf <paramref name="leaves"/>[l]
    /// turns: <see cref="NutsTransition"/>'s SubtreeTurns, the same sums in the same order lane by lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Vector256<float> SubtreeTurns(in ChainLanes chain, Vector256<int> leaves, int m, Vector256<float> mask)
    {
        int d = chain.Dim;
        Vector256<int> firsts = leaves + Vector256.Create(1 - (1 << m));
        Vector256<int> firstSlots = PopCounts(firsts);
        Span<Vector256<float>> picked = chain.ScratchRows(PickedRow, PickedRows);
        Span<Vector256<float>> rho = chain.Row(SubtreeRhoRow), vLast = chain.Scratch(VelocityRow);
        ReadOnlySpan<Vector256<float>> vFirst = Pick(BeginVelocities(chain), d, firstSlots, mask, Slot(picked, d, 0));
        ReadOnlySpan<Vector256<float>> before = Pick(BeginRhos(chain), d, firstSlots, mask, Slot(picked, d, 1));
        Vector256<float> zero = Vector256<float>.Zero;
        if (m == 1) // two leaves: the boundary checks are the same check
        {
            Vector256<float> firstDot = zero, lastDot = zero;
            for (int i = 0; i < d; i++)
            {
                Vector256<float> r = rho[i] - before[i];
                firstDot += vFirst[i] * r;
                lastDot += vLast[i] * r;
            }
            return ~(Vector256.GreaterThan(firstDot, zero) & Vector256.GreaterThan(lastDot, zero));
        }
        // The second half's first leaf.
        Vector256<int> secondSlots = PopCounts(firsts + Vector256.Create(1 << (m - 1)));
        ReadOnlySpan<Vector256<float>> pSecond = Pick(BeginMomenta(chain), d, secondSlots, mask, Slot(picked, d, 2));
        ReadOnlySpan<Vector256<float>> middle = Pick(BeginRhos(chain), d, secondSlots, mask, Slot(picked, d, 3));
        ReadOnlySpan<Vector256<float>> vSecond = Pick(BeginVelocities(chain), d, secondSlots, mask, Slot(picked, d, 4));
        Span<Vector256<float>> pHalfEnd = Slot(EndMomenta(chain), d, m - 2), vHalfEnd = Slot(EndVelocities(chain), d, m - 2); // the first half's last leaf
        Vector256<float> a1 = zero, b1 = zero, a2 = zero, b2 = zero, a3 = zero, b3 = zero;
        for (int i = 0; i < d; i++)
        {
            Vector256<float> whole = rho[i] - before[i], firstHalf = middle[i] - before[i] + pSecond[i], secondHalf = rho[i] - middle[i] + pHalfEnd[i];
            a1 += vFirst[i] * whole;
            b1 += vLast[i] * whole;
            a2 += vFirst[i] * firstHalf;
            b2 += vSecond[i] * firstHalf;
            a3 += vHalfEnd[i] * secondHalf;
            b3 += vLast[i] * secondHalf;
        }
        return ~(Vector256.GreaterThan(a1, zero) & Vector256.GreaterThan(b1, zero) & Vector256.GreaterThan(a2, zero)
                 & Vector256.GreaterThan(b2, zero) & Vector256.GreaterThan(a3, zero) & Vector256.GreaterThan(b3, zero));
    }

    /// <summary>
    /// The lanes whose trajectory turns once the completed subtree joins it (on the forward side in the lanes of
    /// <paramref name="forward"/>): <see cref="NutsTransition"/>'s TrajectoryTurns lane by lane. Adds the subtree's momentum
    /// sum to the trajectory's in the lanes of <paramref name="going"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector256<float> TrajectoryTurns(in ChainLanes chain, Vector256<float> forward, Vector256<float> going)
    {
        int d = chain.Dim;
        Span<Vector256<float>> rhoTrajectory = chain.Row(TrajectoryRhoRow), rhoSubtree = chain.Row(SubtreeRhoRow);
        Span<Vector256<float>> pSubtreeFirst = chain.Row(FirstCheckpointRow), pForward = chain.Row(ForwardEndRow + 1), pBackward = chain.Row(BackwardEndRow + 1);
        Span<Vector256<float>> vLast = chain.Scratch(VelocityRow), vSubtreeFirst = chain.Scratch(BeginVelocityRow);
        Span<Vector256<float>> vForward = chain.Scratch(ForwardVelocityRow), vBackward = chain.Scratch(BackwardVelocityRow);
        Vector256<float> zero = Vector256<float>.Zero;
        Vector256<float> a1 = zero, b1 = zero, a2 = zero, b2 = zero, a3 = zero, b3 = zero;
        for (int i = 0; i < d; i++)
        {
            Vector256<float> pNear = Vector256.ConditionalSelect(forward, pForward[i], pBackward[i]);
            Vector256<float> vNear = Vector256.ConditionalSelect(forward, vForward[i], vBackward[i]);
            Vector256<float> vFar = Vector256.ConditionalSelect(forward, vBackward[i], vForward[i]);
            Vector256<float> whole = rhoTrajectory[i] + rhoSubtree[i], old = rhoTrajectory[i] + pSubtreeFirst[i], added = rhoSubtree[i] + pNear;
            a1 += vFar * whole;
            b1 += vLast[i] * whole;
            a2 += vFar * old;
            b2 += vSubtreeFirst[i] * old;
            a3 += vNear * added;
            b3 += vLast[i] * added;
            rhoTrajectory[i] = Vector256.ConditionalSelect(going, whole, rhoTrajectory[i]);
        }
        return ~(Vector256.GreaterThan(a1, zero) & Vector256.GreaterThan(b1, zero) & Vector256.GreaterThan(a2, zero)
                 & Vector256.GreaterThan(b2, zero) & Vector256.GreaterThan(a3, zero) & Vector256.GreaterThan(b3, zero));
    }

    /// <summary>Ends the transition of the lanes of <paramref name="mask"/>: the draw becomes the position, and its
    /// statistics are recorded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Finish(in ChainLanes chain, Vector256<float> mask)
    {
        Copy(chain.Row(SampleRow), chain.X, mask);
        Set(ref chain.Scalar(ChainState.AcceptProbabilitySlot), mask, chain.Scalar(MetropolisSumSlot) / chain.Scalar(ChainState.LeapfrogsSlot));
        Vector256<float> zero = Vector256<float>.Zero;
        chain.Count(ChainState.AcceptedSlot, mask & ~Vector256.Equals(chain.Scalar(MovedSlot), zero));
        chain.Count(ChainState.DivergencesSlot, mask & ~Vector256.Equals(chain.Scalar(ChainState.DivergentSlot), zero));
        Set(ref chain.Scalar(DoneSlot), mask, Vector256<float>.One);
    }
}
