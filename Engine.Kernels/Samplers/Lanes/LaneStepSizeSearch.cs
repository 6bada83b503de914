using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>
/// The host vector twin of <see cref="StepSizeSearch"/> (Stan's init_stepsize, one trial leapfrog step per launch step):
/// the same rows, slots and counters, diagonal or dense metric (<see cref="LaneMetric"/>). A lane whose search has stopped
/// changes nothing, as the kernel's chain returns at once; each running lane's scale moves in the scales table.
/// </summary>
internal readonly struct LaneStepSizeSearch(StepSizeSearch search) : ILaneTransition
{
    // StepSizeSearch's rows, slots and states (its layout: the twins are tested equal bit for bit).
    private const int PositionGradientRow = StepSizeSearch.PositionGradientRow,
        PositionRow = StepSizeSearch.PositionRow, MomentumRow = StepSizeSearch.MomentumRow;
    private const int PositionEnergySlot = StepSizeSearch.PositionEnergySlot,
        StartHamiltonianSlot = StepSizeSearch.StartHamiltonianSlot;
    private const int StateSlot = StepSizeSearch.StateSlot;
    private const float Unset = 0f, Growing = 1f, Shrinking = -1f, Stopped = 2f;
    private const float LogThreshold = -0.22314355f;

    // Scratch rows: a dense metric's velocity, the freshly drawn momenta.
    private const int VelocityRow = 0, DrawnRow = 1;

    public int Rows => StepSizeSearch.Rows;

    public int Scalars => StepSizeSearch.Scalars;

    public int ScratchRows => 2;

    public int Evaluations => 1;

    public bool EndsEarly => false;

    public bool AnyContinues(int evaluation, in ChainLanes chain) => true;

    public bool NeedsEnergy(int evaluation) => true;

    public bool NeedsStart => true;

    public LaneTables Tables() => new(HostMemory.Of(search.StepSize.Table), default, HostMemory.Of(search.StepSize.Scales),
        HostMemory.Of(search.Metric.Inverse), search.Metric.Dense != 0 ? HostMemory.Of(search.Metric.Factor) : default);

    public void Start(in ChainLanes chain)
    {
        chain.KeepEvaluation(PositionGradientRow, PositionEnergySlot, Vector256<float>.AllBitsSet);
        chain.Scalar(StateSlot) = Vector256.Create(Unset);
    }

    /// <summary>The lanes whose search goes on.</summary>
    private static Vector256<float> Running(in ChainLanes chain) => ~Vector256.Equals(chain.Scalar(StateSlot), Vector256.Create(Stopped));

    /// <summary>Every running lane saves its position, draws a momentum and takes the first half kick and the drift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Prepare(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        Vector256<float> running = Running(chain);
        if (running == Vector256<float>.Zero) return;
        int d = chain.Dim;
        Vector256<float> eps = chain.StepSize(0), halfEps = Vector256.Create(0.5f) * eps;
        Span<Vector256<float>> x = chain.X, p = chain.Row(MomentumRow), position = chain.Row(PositionRow), gradient = chain.Row(PositionGradientRow);
        Span<Vector256<float>> drawn = chain.Scratch(DrawnRow);
        Vector256<float> twiceKinetic = LaneMetric.DrawMomentum(chain, drawn, chain.Scratch(VelocityRow), rng, Vector256.Create(settings.StepWord(s)), settings.Call);
        chain.Scalar(StartHamiltonianSlot) = Vector256.ConditionalSelect(running,
            chain.Scalar(PositionEnergySlot) + Vector256.Create(0.5f) * twiceKinetic, chain.Scalar(StartHamiltonianSlot));
        for (int i = 0; i < d; i++)
        {
            position[i] = Vector256.ConditionalSelect(running, x[i], position[i]);
            p[i] = Vector256.ConditionalSelect(running, drawn[i] - halfEps * gradient[i], p[i]);
        }
        LaneMetric.Drift(chain, x, p, eps, running, chain.Scratch(VelocityRow));
    }

    /// <summary>Every running lane takes the last half kick and judges the step; then lane by lane its state and scale move
    /// as the kernel's; every lane is back at its position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Complete(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        Vector256<float> running = Running(chain);
        if (running == Vector256<float>.Zero) return;
        int d = chain.Dim;
        Vector256<float> eps = chain.StepSize(0), halfEps = Vector256.Create(0.5f) * eps;
        Span<Vector256<float>> x = chain.X, p = chain.Row(MomentumRow), gradient = chain.Gradient, position = chain.Row(PositionRow);
        for (int i = 0; i < d; i++) p[i] = Vector256.ConditionalSelect(running, p[i] - halfEps * gradient[i], p[i]);
        Vector256<float> deltaH = chain.Scalar(StartHamiltonianSlot)
                                  - (chain.Energy + Vector256.Create(0.5f) * LaneMetric.TwiceKinetic(chain, p, chain.Scratch(VelocityRow)));
        Vector256<float> accepts = Vector256.GreaterThan(deltaH, Vector256.Create(LogThreshold)); // false for NaN: a failed step is too large
        for (int i = 0; i < d; i++) x[i] = Vector256.ConditionalSelect(running, position[i], x[i]);
        Vector256<float> states = chain.Scalar(StateSlot);
        Span<float> scales = HostMemory.Of(search.StepSize.Scales);
        Span<float> next = stackalloc float[ChainLanes.Width];
        for (int l = 0; l < ChainLanes.Width; l++)
        {
            float state = l < chain.Lanes ? states.GetElement(l) : Stopped; // padding lanes: nothing to search
            next[l] = state;
            if (state == Stopped) continue;
            bool accept = accepts.AsUInt32().GetElement(l) != 0;
            if (state == Unset) state = accept ? Growing : Shrinking;
            else if (accept != (state == Growing))
            {
                next[l] = Stopped;
                continue;
            }
            int c = chain.Chain + l;
            float factor = state == Growing ? 2f : 0.5f, scale = scales[c] * factor, step = eps.GetElement(l) * factor;
            bool bounded = step > 1e-10f && step < 1e7f; // Stan gives up at 0 and 1e7
            if (bounded) scales[c] = scale;
            next[l] = bounded ? state : Stopped;
        }
        chain.Scalar(StateSlot) = Vector256.Create<float>(next);
    }
}
