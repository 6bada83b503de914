using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>The host vector twin of <see cref="MalaTransition"/> (same rows, slots and counters).</summary>
internal readonly struct LaneMala(MalaTransition transition) : ILaneTransition
{
    private const int CurrentGradientRow = MalaTransition.CurrentGradientRow,
        PreviousRow = MalaTransition.PreviousRow, CurrentEnergySlot = MalaTransition.CurrentEnergySlot;

    public int Rows => MalaTransition.Rows;

    public int Scalars => MalaTransition.Scalars;

    public int Evaluations => 1;

    public int ScratchRows => 0;

    public bool EndsEarly => false;

    public bool AnyContinues(int evaluation, in ChainLanes chain) => true;

    public bool NeedsEnergy(int evaluation) => true;

    public bool NeedsStart => true;

    public LaneTables Tables() => new(HostMemory.Of(transition.StepSize.Table), default, HostMemory.Of(transition.StepSize.Scales), default);

    public void Start(in ChainLanes chain) => chain.KeepEvaluation(CurrentGradientRow, CurrentEnergySlot, Vector256<float>.AllBitsSet);

    /// <summary>Saves the positions and moves them to the proposals.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Prepare(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        int d = chain.Dim;
        Vector256<float> h = chain.StepSize(s), sigma = Vector256.Sqrt(Vector256.Create(2f) * h);
        Span<Vector256<float>> x = chain.X, previous = chain.Row(PreviousRow), gradient = chain.Row(CurrentGradientRow);
        Vector256<uint> step = Vector256.Create(settings.StepWord(s));
        for (int j = 0; j < d; j += 4)
        {
            chain.Normals(rng, step, j, settings.Call, out Vector256<float> z0, out Vector256<float> z1, out Vector256<float> z2, out Vector256<float> z3);
            Propose(x, previous, gradient, j, h, sigma * z0);
            if (j + 1 < d) Propose(x, previous, gradient, j + 1, h, sigma * z1);
            if (j + 2 < d) Propose(x, previous, gradient, j + 2, h, sigma * z2);
            if (j + 3 < d) Propose(x, previous, gradient, j + 3, h, sigma * z3);
        }
    }

    private static void Propose(Span<Vector256<float>> x, Span<Vector256<float>> previous, Span<Vector256<float>> gradient, int i,
        Vector256<float> h, Vector256<float> noise)
    {
        previous[i] = x[i];
        x[i] = x[i] - h * gradient[i] + noise;
    }

    /// <summary>Accepts (taking the proposal's energy and gradient) or restores the saved position, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Complete(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        Vector256<float> h = chain.StepSize(s);
        Span<Vector256<float>> x = chain.X, previous = chain.Row(PreviousRow), current = chain.Row(CurrentGradientRow), proposed = chain.Gradient;
        Vector256<float> forward = Vector256<float>.Zero, backward = Vector256<float>.Zero;
        for (int i = 0; i < chain.Dim; i++)
        {
            Vector256<float> f = x[i] - previous[i] + h * current[i], b = previous[i] - x[i] + h * proposed[i];
            forward += f * f;
            backward += b * b;
        }
        Vector256<float> error = chain.Energy - chain.Scalar(CurrentEnergySlot) + (backward - forward) / (Vector256.Create(4f) * h);
        chain.AcceptUniforms(rng, settings, s, out Vector256<float> uniform, out _);
        Vector256<float> accept = chain.Decide(error, uniform);
        chain.KeepEvaluation(CurrentGradientRow, CurrentEnergySlot, accept);
        chain.Restore(previous, ~accept);
    }
}
