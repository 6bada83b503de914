using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>The host vector twin of <see cref="HmcTransition"/> (same rows, slots and counters), diagonal or dense metric
/// (<see cref="LaneMetric"/>).</summary>
internal readonly struct LaneHmc(HmcTransition transition) : ILaneTransition
{
    private const int CurrentGradientRow = HmcTransition.CurrentGradientRow,
        StartRow = HmcTransition.StartRow, MomentumRow = HmcTransition.MomentumRow;
    private const int CurrentEnergySlot = HmcTransition.CurrentEnergySlot,
        StartHamiltonianSlot = HmcTransition.StartHamiltonianSlot;
    private const int StepSlot = HmcTransition.StepSlot;

    public int Rows => HmcTransition.Rows;

    public int Scalars => HmcTransition.Scalars;

    public int Evaluations => transition.LeapfrogSteps;

    /// <summary>A dense drift's velocity M^-1 p.</summary>
    public int ScratchRows => 1;

    public bool EndsEarly => false;

    public bool AnyContinues(int evaluation, in ChainLanes chain) => true;

    public bool NeedsEnergy(int evaluation) => evaluation == transition.LeapfrogSteps - 1;

    public bool NeedsStart => true;

    public LaneTables Tables() => new(HostMemory.Of(transition.StepSize.Table), default, HostMemory.Of(transition.StepSize.Scales),
        HostMemory.Of(transition.Metric.Inverse), transition.Metric.Dense != 0 ? HostMemory.Of(transition.Metric.Factor) : default);

    public void Start(in ChainLanes chain) => chain.KeepEvaluation(CurrentGradientRow, CurrentEnergySlot, Vector256<float>.AllBitsSet);

    /// <summary>Every lane's leapfrog step for the transition at launch step s (jittered by the block's second uniform).</summary>
    private Vector256<float> Step(in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        Vector256<float> eps = chain.StepSize(s);
        if (transition.Jitter == 0f) return eps;
        chain.AcceptUniforms(rng, settings, s, out _, out Vector256<float> u);
        Vector256<float> one = Vector256<float>.One;
        return eps * (one + Vector256.Create(transition.Jitter) * (Vector256.Create(2f) * u - one));
    }

    /// <summary>Leapfrog step 0 draws the momenta, saves the positions and Hamiltonians, half-kicks and drifts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Prepare(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        if (evaluation > 0) return;
        int d = chain.Dim;
        Vector256<float> eps = Step(chain, s, settings, rng);
        chain.Scalar(StepSlot) = eps;
        chain.Scalar(ChainState.LeapfrogsSlot) = Vector256.Create((float)transition.LeapfrogSteps);
        Span<Vector256<float>> x = chain.X, p = chain.Row(MomentumRow), start = chain.Row(StartRow), gradient = chain.Row(CurrentGradientRow);
        Vector256<float> kinetic = LaneMetric.DrawMomentum(chain, p, chain.Scratch(0), rng, Vector256.Create(settings.StepWord(s)), settings.Call);
        chain.Scalar(StartHamiltonianSlot) = chain.Scalar(CurrentEnergySlot) + Vector256.Create(0.5f) * kinetic;
        Vector256<float> halfEps = Vector256.Create(0.5f) * eps;
        for (int i = 0; i < d; i++)
        {
            start[i] = x[i];
            p[i] -= halfEps * gradient[i];
        }
        LaneMetric.Drift(chain, x, p, eps, Vector256<float>.AllBitsSet, chain.Scratch(0));
    }

    /// <summary>Kicks and drifts between leapfrog steps; after the last, half-kicks and accepts or restores, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Complete(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        int d = chain.Dim;
        Vector256<float> eps = chain.Scalar(StepSlot);
        Span<Vector256<float>> p = chain.Row(MomentumRow), gradient = chain.Gradient;
        if (evaluation < transition.LeapfrogSteps - 1)
        {
            for (int i = 0; i < d; i++) p[i] -= eps * gradient[i];
            LaneMetric.Drift(chain, chain.X, p, eps, Vector256<float>.AllBitsSet, chain.Scratch(0));
            return;
        }
        Vector256<float> halfEps = Vector256.Create(0.5f) * eps;
        for (int i = 0; i < d; i++) p[i] -= halfEps * gradient[i];
        Vector256<float> kinetic = LaneMetric.TwiceKinetic(chain, p, chain.Scratch(0));
        Vector256<float> error = chain.Energy + Vector256.Create(0.5f) * kinetic - chain.Scalar(StartHamiltonianSlot);
        chain.AcceptUniforms(rng, settings, s, out Vector256<float> uniform, out _);
        Vector256<float> accept = chain.Decide(error, uniform);
        chain.KeepEvaluation(CurrentGradientRow, CurrentEnergySlot, accept);
        chain.Restore(chain.Row(StartRow), ~accept);
    }
}
