using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPU;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>
/// The host vector twin of <see cref="TemperedTransition{TTransition}"/>: the inner lane transition on exp(-beta E), each
/// evaluation's gradient and energy multiplied by the lane's beta (the kernel's float products, so the twins agree bit for bit).
/// </summary>
internal readonly struct LaneTempered<TLane>(TLane inner, ArrayView<float> ladder, ArrayView<int> levels) : ILaneTransition
    where TLane : struct, ILaneTransition
{
    public int Rows => inner.Rows;

    public int Scalars => inner.Scalars;

    public int Evaluations => inner.Evaluations;

    public int ScratchRows => inner.ScratchRows;

    public bool EndsEarly => inner.EndsEarly;

    public bool AnyContinues(int evaluation, in ChainLanes chain) => inner.AnyContinues(evaluation, chain);

    public bool NeedsEnergy(int evaluation) => inner.NeedsEnergy(evaluation);

    public bool NeedsStart => inner.NeedsStart;

    public LaneTables Tables() => inner.Tables();

    public void Start(in ChainLanes chain)
    {
        Temper(chain, energy: true);
        inner.Start(chain);
    }

    public void Prepare(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng) =>
        inner.Prepare(evaluation, chain, s, settings, rng);

    public void Complete(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        Temper(chain, inner.NeedsEnergy(evaluation));
        inner.Complete(evaluation, chain, s, settings, rng);
    }

    /// <summary>Scales the lanes' evaluation by their betas (padding lanes: 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Temper(in ChainLanes chain, bool energy)
    {
        Span<float> lanes = stackalloc float[ChainLanes.Width];
        Span<float> betas = HostMemory.Of(ladder);
        for (int l = 0; l < ChainLanes.Width; l++)
            lanes[l] = chain.Chain + l < levels.Length ? betas[levels[chain.Chain + l]] : 1f;
        Vector256<float> beta = Vector256.Create<float>(lanes);
        Span<Vector256<float>> gradient = chain.Gradient;
        for (int i = 0; i < chain.Dim; i++) gradient[i] *= beta;
        if (energy) chain.Scalar(ChainState.EnergySlot) = beta * chain.Energy;
    }
}
