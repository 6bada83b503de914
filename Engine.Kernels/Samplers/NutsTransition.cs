using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// One No-U-Turn transition (Hoffman and Gelman 2014) as Stan runs it today (Betancourt 2017, arXiv 1701.02434, appendix A):
/// momentum p ~ N(0, M) (the <see cref="Metric"/>: diagonal or dense), a trajectory doubled in a random direction until the generalised no-U-turn
/// criterion fails across it, across any of its binary subtrees or across the boundaries between two merged halves (Stan's
/// extra checks), a leaf diverges (H - H0 above <see cref="ChainState.MaxEnergyError"/> or not finite), or it reaches
/// 2^<see cref="MaxTreeDepth"/> - 1 leapfrog steps; the draw is sampled multinomially over the trajectory: uniformly
/// (progressively, leaf by leaf) within each new subtree, biased towards the new subtree when it joins the trajectory. An
/// invalid subtree (internal U-turn or divergence) contributes no draw.
/// </summary>
/// <remarks>
/// <para>Iterative, one leaf per evaluation, so each chain builds its own tree at its own pace (<see cref="ITransition.EndsEarly"/>).
/// The U-turn checks of a subtree read checkpoints of O(<see cref="MaxTreeDepth"/>) rows per chain (Phan, Pradhan and
/// Jankowiak 2019, NumPyro's iterative_build_tree): leaf n of the subtree being built stores, when n is even, its momentum and
/// the momentum sum before it at slot popcount(n) (the first leaves of subtrees still open), and when n is odd its momentum at
/// slot trailing_ones(n) - 1 (the last leaves of first halves still to be merged); no slot is overwritten while it is needed.</para>
/// <para>Philox words: the momentum uses blocks (chain, step, j / 4, call) as HMC; leaf k of the transition reads block
/// (chain, step, <see cref="ChainState.AcceptWord"/> - 1 - k, call): X for the progressive sampling within its subtree, Y for
/// the direction when it starts a doubling, Z for the biased sampling when it completes one.</para>
/// <para>Per-draw statistics: the mean over the tree's leaves of min(1, exp(H0 - H)) (Stan's accept_stat__, also what warm-up
/// adapts the step size on), H0, the tree depth (doublings merged), the leapfrog steps and the divergence. A transition
/// counts as accepted when its draw is not its starting point.</para>
/// <para><see cref="Prepare"/> and <see cref="Complete"/> are calls, not inlined into the chain loop: inlined, ptxas kept
/// the addresses of all the chain's rows live across the loop (255 registers for sm_90, and spills with an MLP source);
/// as calls the fused kernels use 72-78 registers and no spills (a 136-byte stack frame holds the calls' arguments).</para>
/// </remarks>
/// <param name="stepSize">The leapfrog step eps.</param>
/// <param name="metric">The mass matrix, as M^-1.</param>
/// <param name="maxTreeDepth">Most doublings per transition, 1 .. <see cref="MaxDepth"/>.</param>
public readonly struct NutsTransition(AdaptiveStepSize stepSize, Metric metric, int maxTreeDepth) : ITransition
{
    /// <summary>The deepest tree a transition may build (2^16 - 1 leapfrog steps).</summary>
    public const int MaxDepth = 16;

    // Rows: the evaluated gradient (0); the chain's current state (its draw): gradient and position; the integrator's
    // momentum; both ends of the trajectory (position, momentum, gradient each); the subtree's proposal (position,
    // gradient); the trajectory's and the subtree's momentum sums; then the checkpoints.
    internal const int SampleGradientRow = 1, SampleRow = 2, MomentumRow = 3, BackwardEndRow = 4, ForwardEndRow = 7;
    internal const int ProposalRow = 10, ProposalGradientRow = 11, TrajectoryRhoRow = 12, SubtreeRhoRow = 13, FirstCheckpointRow = 14;

    internal const int SampleEnergySlot = ChainState.FirstTransitionSlot, StepSlot = SampleEnergySlot + 1, DirectionSlot = SampleEnergySlot + 2;
    internal const int TrajectoryWeightSlot = SampleEnergySlot + 3, SubtreeWeightSlot = SampleEnergySlot + 4, ProposalEnergySlot = SampleEnergySlot + 5;
    internal const int LeafSlot = SampleEnergySlot + 6, MetropolisSumSlot = SampleEnergySlot + 7, DoneSlot = SampleEnergySlot + 8;
    internal const int MovedSlot = SampleEnergySlot + 9;

    // H0 is the draw's energy statistic, and the tree depth, leapfrog count and divergence are counted in their statistics' slots.
    internal const int StartHamiltonianSlot = ChainState.DrawEnergySlot, DepthSlot = ChainState.TreeDepthSlot;

    /// <summary>Scalar slots per chain: the shared ones and ten of the transition's.</summary>
    public const int Scalars = MovedSlot + 1;

    /// <summary>Rows per chain for trees up to <paramref name="maxTreeDepth"/> doublings: 14, then maxTreeDepth checkpoints of
    /// first leaves (momentum and the momentum sum before it) and maxTreeDepth - 1 of first halves' last leaves.</summary>
    public static int RowsFor(int maxTreeDepth) => FirstCheckpointRow + 3 * maxTreeDepth - 1;

    /// <summary>The leapfrog step size.</summary>
    public readonly AdaptiveStepSize StepSize = stepSize;

    /// <summary>The mass matrix M, as M^-1.</summary>
    public readonly Metric Metric = metric;

    /// <summary>Most doublings per transition.</summary>
    public readonly int MaxTreeDepth = maxTreeDepth;

    /// <inheritdoc />
    /// <remarks>A full tree: 2^MaxTreeDepth - 1 leaves.</remarks>
    public int Evaluations => (1 << MaxTreeDepth) - 1;

    /// <inheritdoc />
    public bool EndsEarly => true;

    /// <inheritdoc />
    public bool Continues(int evaluation, in ChainState chain) => chain.Get(DoneSlot) == 0f;

    /// <inheritdoc />
    public bool NeedsEnergy(int evaluation) => true;

    /// <inheritdoc />
    public bool Prepares(int evaluation) => true;

    /// <inheritdoc />
    public bool NeedsStart => true;

    /// <inheritdoc />
    public void Start(in ChainState chain) => chain.KeepEvaluation(SampleGradientRow, SampleEnergySlot);

    private ArrayView<float> BeginMomentum(in ChainState chain, int slot) => chain.Row(FirstCheckpointRow + slot);

    private ArrayView<float> BeginRho(in ChainState chain, int slot) => chain.Row(FirstCheckpointRow + MaxTreeDepth + slot);

    private ArrayView<float> EndMomentum(in ChainState chain, int slot) => chain.Row(FirstCheckpointRow + 2 * MaxTreeDepth + slot);

    /// <summary>First row (position; momentum and gradient follow) of the trajectory's end in <paramref name="direction"/>.</summary>
    private static int End(float direction) => direction > 0f ? ForwardEndRow : BackwardEndRow;

    /// <summary>The uniforms of leaf k (evaluation k) of the transition at launch step s.</summary>
    private static Float4 LeafUniforms(in ChainState chain, ChainSettings settings, int s, int k, Philox4x32 rng) =>
        rng.Uniform4(settings.ChainWord(chain.Chain), settings.StepWord(s), ChainState.AcceptWord - 1u - (uint)k, settings.Call);

    /// <inheritdoc />
    /// <remarks>Evaluation 0 starts the transition; the first leaf of every doubling draws its direction and restarts the
    /// integrator from that end of the trajectory; then a half kick and a drift.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Prepare(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        if (evaluation == 0) Begin(chain, s, settings, rng);
        int d = chain.Dim;
        ArrayView<float> x = chain.X, p = chain.Row(MomentumRow), gradient = chain.Gradient;
        if (chain.Get(LeafSlot) == 0f)
        {
            float direction = LeafUniforms(chain, settings, s, evaluation, rng).Y > 0.5f ? 1f : -1f;
            chain.Set(DirectionSlot, direction);
            chain.Set(SubtreeWeightSlot, float.NegativeInfinity);
            int end = End(direction);
            ChainState.Copy(chain.Row(end), x);
            ChainState.Copy(chain.Row(end + 1), p);
            gradient = chain.Row(end + 2);
            ArrayView<float> rho = chain.Row(SubtreeRhoRow);
            for (int i = 0; i < d; i++) rho[i] = 0f;
        }
        float h = chain.Get(DirectionSlot) * chain.Get(StepSlot);
        for (int i = 0; i < d; i++) p[i] -= 0.5f * h * gradient[i];
        Metric.Drift(x, p, h, d);
    }

    /// <summary>Draws the momentum, records H0 and makes the chain's state the whole trajectory (both ends, its draw).</summary>
    private void Begin(in ChainState chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        int d = chain.Dim;
        chain.Set(StepSlot, StepSize.At(s, chain.Chain));
        ArrayView<float> x = chain.X, p = chain.Row(MomentumRow), rho = chain.Row(TrajectoryRhoRow);
        float kinetic = Metric.DrawMomentum(p, rng, settings.ChainWord(chain.Chain), settings.StepWord(s), settings.Call, d);
        chain.Set(StartHamiltonianSlot, chain.Get(SampleEnergySlot) + 0.5f * kinetic);
        ArrayView<float> gradient = chain.Row(SampleGradientRow);
        for (int end = BackwardEndRow; end <= ForwardEndRow; end += ForwardEndRow - BackwardEndRow)
        {
            ChainState.Copy(x, chain.Row(end));
            ChainState.Copy(p, chain.Row(end + 1));
            ChainState.Copy(gradient, chain.Row(end + 2));
        }
        ChainState.Copy(x, chain.Row(SampleRow));
        ChainState.Copy(p, rho);
        chain.Set(TrajectoryWeightSlot, 0f); // the starting point's weight exp(H0 - H0)
        chain.Set(MetropolisSumSlot, 0f);
        chain.Set(LeafSlot, 0f);
        chain.Set(DepthSlot, 0f);
        chain.Set(ChainState.LeapfrogsSlot, 0f);
        chain.Set(ChainState.DivergentSlot, 0f);
        chain.Set(DoneSlot, 0f);
        chain.Set(MovedSlot, 0f);
    }

    /// <inheritdoc />
    /// <remarks>Completes the leaf's leapfrog step, then: divergence; its weight and the progressive sampling within the
    /// subtree; the checkpoints and the U-turn checks of every subtree it completes; and, when it completes the doubling,
    /// the biased sampling and the checks across the whole trajectory. A stopped tree ends the transition.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Complete(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        int d = chain.Dim;
        float direction = chain.Get(DirectionSlot), h = direction * chain.Get(StepSlot);
        ArrayView<float> x = chain.X, p = chain.Row(MomentumRow), gradient = chain.Gradient;
        for (int i = 0; i < d; i++) p[i] -= 0.5f * h * gradient[i];
        float kinetic = Metric.TwiceKinetic(p, d);
        chain.Set(ChainState.LeapfrogsSlot, evaluation + 1);
        float h0 = chain.Get(StartHamiltonianSlot), error = chain.Energy + 0.5f * kinetic - h0;
        if (!(error <= ChainState.MaxEnergyError) || !(XMath.Abs(h0) < float.PositiveInfinity)) // NaN too
        {
            chain.Set(ChainState.DivergentSlot, 1f);
            Finish(chain);
            return;
        }
        float logWeight = -error;
        chain.Set(MetropolisSumSlot, chain.Get(MetropolisSumSlot) + XMath.Min(1f, XMath.Exp(logWeight)));
        float subtreeWeight = LogAddExp(chain.Get(SubtreeWeightSlot), logWeight);
        chain.Set(SubtreeWeightSlot, subtreeWeight);
        Float4 u = LeafUniforms(chain, settings, s, evaluation, rng);
        if (u.X < XMath.Exp(logWeight - subtreeWeight))
        {
            ChainState.Copy(x, chain.Row(ProposalRow));
            ChainState.Copy(gradient, chain.Row(ProposalGradientRow));
            chain.Set(ProposalEnergySlot, chain.Energy);
        }

        int leaf = (int)chain.Get(LeafSlot), depth = (int)chain.Get(DepthSlot);
        ArrayView<float> rho = chain.Row(SubtreeRhoRow);
        if ((leaf & 1) == 0)
        {
            int slot = PopCount(leaf);
            ChainState.Copy(p, BeginMomentum(chain, slot));
            ChainState.Copy(rho, BeginRho(chain, slot));
        }
        for (int i = 0; i < d; i++) rho[i] += p[i];
        int completed = TrailingOnes(leaf); // the subtrees of 2, 4, ... leaves this leaf completes
        for (int m = 1; m <= completed; m++)
        {
            if (SubtreeTurns(chain, leaf, m))
            {
                Finish(chain);
                return;
            }
        }
        if ((leaf & 1) != 0) ChainState.Copy(p, EndMomentum(chain, completed - 1));
        if (leaf + 1 < 1 << depth)
        {
            chain.Set(LeafSlot, leaf + 1);
            return;
        }

        float trajectoryWeight = chain.Get(TrajectoryWeightSlot);
        if (u.Z < XMath.Exp(subtreeWeight - trajectoryWeight))
        {
            ChainState.Copy(chain.Row(ProposalRow), chain.Row(SampleRow));
            ChainState.Copy(chain.Row(ProposalGradientRow), chain.Row(SampleGradientRow));
            chain.Set(SampleEnergySlot, chain.Get(ProposalEnergySlot));
            chain.Set(MovedSlot, 1f);
        }
        chain.Set(TrajectoryWeightSlot, LogAddExp(trajectoryWeight, subtreeWeight));
        bool turns = TrajectoryTurns(chain, direction);
        int end = End(direction);
        ChainState.Copy(x, chain.Row(end));
        ChainState.Copy(p, chain.Row(end + 1));
        ChainState.Copy(gradient, chain.Row(end + 2));
        chain.Set(DepthSlot, depth + 1);
        chain.Set(LeafSlot, 0f);
        if (turns || depth + 1 == MaxTreeDepth) Finish(chain);
    }

    /// <summary>
    /// Whether the subtree of 2^m leaves ending at leaf <paramref name="leaf"/> (the current one) of the doubling turns: the
    /// criterion across it (its first and last momenta against its momentum sum) and, for m &gt; 1, across each half extended
    /// by the neighbouring leaf of the other half (Stan's checks across the boundary).
    /// </summary>
    private bool SubtreeTurns(in ChainState chain, int leaf, int m)
    {
        int d = chain.Dim, first = leaf + 1 - (1 << m), firstSlot = PopCount(first);
        ArrayView<float> p = chain.Row(MomentumRow), rho = chain.Row(SubtreeRhoRow);
        ArrayView<float> pFirst = BeginMomentum(chain, firstSlot), before = BeginRho(chain, firstSlot);
        if (m == 1) // two leaves: the boundary checks are the same check
        {
            float firstDot = 0f, lastDot = 0f;
            for (int i = 0; i < d; i++)
            {
                float r = rho[i] - before[i];
                firstDot += Metric.Velocity(pFirst, i, d) * r;
                lastDot += Metric.Velocity(p, i, d) * r;
            }
            return !(firstDot > 0f && lastDot > 0f);
        }
        int secondSlot = PopCount(first + (1 << (m - 1))); // the second half's first leaf
        ArrayView<float> pSecond = BeginMomentum(chain, secondSlot), middle = BeginRho(chain, secondSlot);
        ArrayView<float> pHalfEnd = EndMomentum(chain, m - 2); // the first half's last leaf
        float a1 = 0f, b1 = 0f, a2 = 0f, b2 = 0f, a3 = 0f, b3 = 0f;
        for (int i = 0; i < d; i++)
        {
            float vFirst = Metric.Velocity(pFirst, i, d), vLast = Metric.Velocity(p, i, d);
            float whole = rho[i] - before[i], firstHalf = middle[i] - before[i] + pSecond[i], secondHalf = rho[i] - middle[i] + pHalfEnd[i];
            a1 += vFirst * whole;
            b1 += vLast * whole;
            a2 += vFirst * firstHalf;
            b2 += Metric.Velocity(pSecond, i, d) * firstHalf;
            a3 += Metric.Velocity(pHalfEnd, i, d) * secondHalf;
            b3 += vLast * secondHalf;
        }
        return !(a1 > 0f && b1 > 0f && a2 > 0f && b2 > 0f && a3 > 0f && b3 > 0f);
    }

    /// <summary>
    /// Whether the trajectory turns once the completed subtree joins it on the <paramref name="direction"/> side: the criterion
    /// across the whole, across the old trajectory extended by the subtree's first leaf and across the subtree extended by the
    /// old trajectory's end next to it. Adds the subtree's momentum sum to the trajectory's.
    /// </summary>
    private bool TrajectoryTurns(in ChainState chain, float direction)
    {
        int d = chain.Dim;
        ArrayView<float> p = chain.Row(MomentumRow), rhoTrajectory = chain.Row(TrajectoryRhoRow), rhoSubtree = chain.Row(SubtreeRhoRow);
        ArrayView<float> pSubtreeFirst = BeginMomentum(chain, 0), pNear = chain.Row(End(direction) + 1), pFar = chain.Row(End(-direction) + 1);
        float a1 = 0f, b1 = 0f, a2 = 0f, b2 = 0f, a3 = 0f, b3 = 0f;
        for (int i = 0; i < d; i++)
        {
            float vFar = Metric.Velocity(pFar, i, d), vLast = Metric.Velocity(p, i, d), vNear = Metric.Velocity(pNear, i, d);
            float whole = rhoTrajectory[i] + rhoSubtree[i], old = rhoTrajectory[i] + pSubtreeFirst[i], added = rhoSubtree[i] + pNear[i];
            a1 += vFar * whole;
            b1 += vLast * whole;
            a2 += vFar * old;
            b2 += Metric.Velocity(pSubtreeFirst, i, d) * old;
            a3 += vNear * added;
            b3 += vLast * added;
            rhoTrajectory[i] = whole;
        }
        return !(a1 > 0f && b1 > 0f && a2 > 0f && b2 > 0f && a3 > 0f && b3 > 0f);
    }

    /// <summary>Ends the transition: the draw becomes the chain's position, and its statistics are recorded.</summary>
    private static void Finish(in ChainState chain)
    {
        ChainState.Copy(chain.Row(SampleRow), chain.X);
        chain.Set(ChainState.AcceptProbabilitySlot, chain.Get(MetropolisSumSlot) / chain.Get(ChainState.LeapfrogsSlot));
        if (chain.Get(MovedSlot) != 0f) chain.Count(ChainState.AcceptedSlot);
        if (chain.Get(ChainState.DivergentSlot) != 0f) chain.Count(ChainState.DivergencesSlot);
        chain.Set(DoneSlot, 1f);
    }

    /// <summary>log(exp(a) + exp(b)), -inf when both are (also the host twin's, <see cref="Lanes.LaneNuts"/>).</summary>
    internal static float LogAddExp(float a, float b)
    {
        float max = XMath.Max(a, b);
        return max == float.NegativeInfinity ? max : max + XMath.Log(1f + XMath.Exp(-XMath.Abs(a - b)));
    }

    private static int PopCount(int v)
    {
        int count = 0;
        for (; v != 0; v &= v - 1) count++;
        return count;
    }

    private static int TrailingOnes(int v)
    {
        int count = 0;
        for (; (v & 1) != 0; v >>= 1) count++;
        return count;
    }
}
