using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>The host vector twin of <see cref="HmcTransition"/> (same rows, slots and counters).</summary>
internal readonly struct LaneHmc(HmcTransition transition) : ILaneTransition
{
    private const int CurrentGradientRow = 1, StartRow = 2, MomentumRow = 3;
    private const int CurrentEnergySlot = ChainState.FirstTransitionSlot, StartHamiltonianSlot = ChainState.DrawEnergySlot;
    private const int StepSlot = ChainState.FirstTransitionSlot + 1;

    public int Rows => HmcTransition.Rows;

    public int Scalars => HmcTransition.Scalars;

    public int Evaluations => transition.LeapfrogSteps;

    public int ScratchRows => 0;

    public bool EndsEarly => false;

    public bool AnyContinues(int evaluation, in ChainLanes chain) => true;

    public bool NeedsEnergy(int evaluation) => evaluation == transition.LeapfrogSteps - 1;

    public bool NeedsStart => true;

    public LaneTables Tables() => new(HostMemory.Of(transition.StepSize.Table), default, HostMemory.Of(transition.StepSize.Scales),
        HostMemory.Of(transition.Metric.Inverse));

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
        ReadOnlySpan<float> inverseMass = chain.Tables.InverseMass;
        uint step = settings.StepWord(s);
        Vector256<float> kinetic = Vector256<float>.Zero;
        for (int j = 0; j < d; j += 4)
        {
            chain.Normals(rng, step, j, settings.Call, out Vector256<float> z0, out Vector256<float> z1, out Vector256<float> z2, out Vector256<float> z3);
            kinetic += Draw(p, inverseMass, j, z0);
            if (j + 1 < d) kinetic += Draw(p, inverseMass, j + 1, z1);
            if (j + 2 < d) kinetic += Draw(p, inverseMass, j + 2, z2);
            if (j + 3 < d) kinetic += Draw(p, inverseMass, j + 3, z3);
        }
        chain.Scalar(StartHamiltonianSlot) = chain.Scalar(CurrentEnergySlot) + Vector256.Create(0.5f) * kinetic;
        Vector256<float> halfEps = Vector256.Create(0.5f) * eps;
        for (int i = 0; i < d; i++)
        {
            start[i] = x[i];
            p[i] -= halfEps * gradient[i];
            x[i] += eps * Vector256.Create(inverseMass[i]) * p[i];
        }
    }

    /// <summary>p_i = z sqrt(M_i); returns p_i^2 / M_i.</summary>
    private static Vector256<float> Draw(Span<Vector256<float>> p, ReadOnlySpan<float> inverseMass, int i, Vector256<float> z)
    {
        Vector256<float> inverse = Vector256.Create(inverseMass[i]);
        p[i] = z / Vector256.Create(MathF.Sqrt(inverseMass[i]));
        return p[i] * p[i] * inverse;
    }

    /// <summary>Kicks and drifts between leapfrog steps; after the last, half-kicks and accepts or restores, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Complete(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        int d = chain.Dim;
        Vector256<float> eps = chain.Scalar(StepSlot);
        Span<Vector256<float>> p = chain.Row(MomentumRow), gradient = chain.Gradient;
        ReadOnlySpan<float> inverseMass = chain.Tables.InverseMass;
        if (evaluation < transition.LeapfrogSteps - 1)
        {
            Span<Vector256<float>> x = chain.X;
            for (int i = 0; i < d; i++)
            {
                p[i] -= eps * gradient[i];
                x[i] += eps * Vector256.Create(inverseMass[i]) * p[i];
            }
            return;
        }
        Vector256<float> kinetic = Vector256<float>.Zero, halfEps = Vector256.Create(0.5f) * eps;
        for (int i = 0; i < d; i++)
        {
            p[i] -= halfEps * gradient[i];
            kinetic += p[i] * p[i] * Vector256.Create(inverseMass[i]);
        }
        Vector256<float> error = chain.Energy + Vector256.Create(0.5f) * kinetic - chain.Scalar(StartHamiltonianSlot);
        chain.AcceptUniforms(rng, settings, s, out Vector256<float> uniform, out _);
        Vector256<float> accept = chain.Decide(error, uniform);
        chain.KeepEvaluation(CurrentGradientRow, CurrentEnergySlot, accept);
        chain.Restore(chain.Row(StartRow), ~accept);
    }
}
