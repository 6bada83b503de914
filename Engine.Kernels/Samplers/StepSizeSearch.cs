using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// Stan's <c>init_stepsize</c> for every chain at once, as a transition of the chain core: each step is one trial leapfrog
/// step from the chain's position with a fresh momentum (the position is restored afterwards). The first trial sets the
/// direction (double the step while one step's acceptance exp(-dH) stays above 0.8, else halve it while it stays below);
/// the chain's step scale then moves by a factor 2 per trial until the acceptance crosses 0.8, and the chain stops there.
/// Chains that have stopped idle through the remaining trials (their evaluations leave them unchanged).
/// </summary>
/// <remarks>
/// Scales are per chain (<see cref="AdaptiveStepSize.Scales"/> of length chains), written only by their chain. The
/// position never moves, but the rows and slots it uses overlap the sampler's, so the sampler's next launch must start
/// afresh (<see cref="ChainSettings.Start"/> = 1). Momentum noise: Philox blocks (chain, step, j / 4, call).
/// </remarks>
/// <param name="stepSize">The nominal step (one-entry table) times each chain's scale, which the search moves.</param>
/// <param name="metric">The mass matrix the sampler integrates with.</param>
public readonly struct StepSizeSearch(AdaptiveStepSize stepSize, Metric metric) : ITransition
{
    /// <summary>Rows per chain: the evaluated gradient, the gradient at the position, the position, the momentum.</summary>
    public const int Rows = 4;

    /// <summary>Scalar slots per chain: the shared ones, the energy at the position, the trial's starting Hamiltonian, the state.</summary>
    public const int Scalars = ChainState.FirstTransitionSlot + 3;

    /// <summary>Trials per search: enough to move a step size by 2^±24.</summary>
    public const int Trials = 25;

    internal const int PositionGradientRow = 1, PositionRow = 2, MomentumRow = 3;
    internal const int PositionEnergySlot = ChainState.FirstTransitionSlot, StartHamiltonianSlot = ChainState.FirstTransitionSlot + 1;
    internal const int StateSlot = ChainState.FirstTransitionSlot + 2;

    // The state slot: no direction yet, growing, shrinking, stopped.
    private const float Unset = 0f, Growing = 1f, Shrinking = -1f, Stopped = 2f;

    /// <summary>log(0.8): Stan's acceptance threshold for one leapfrog step.</summary>
    private const float LogThreshold = -0.22314355f;

    /// <summary>The nominal step and the per-chain scales being searched.</summary>
    public readonly AdaptiveStepSize StepSize = stepSize;

    /// <summary>The metric of the leapfrog step.</summary>
    public readonly Metric Metric = metric;

    /// <inheritdoc />
    public int Evaluations => 1;

    /// <inheritdoc />
    public bool EndsEarly => false;

    /// <inheritdoc />
    public bool Continues(int evaluation, in ChainState chain) => true;

    /// <inheritdoc />
    public bool NeedsEnergy(int evaluation) => true;

    /// <inheritdoc />
    public bool NeedsStart => true;

    /// <inheritdoc />
    public void Start(in ChainState chain)
    {
        chain.KeepEvaluation(PositionGradientRow, PositionEnergySlot);
        chain.Set(StateSlot, Unset);
    }

    /// <inheritdoc />
    public bool Prepares(int evaluation) => true;

    /// <inheritdoc />
    /// <remarks>A running chain saves its position, draws a momentum and takes the first half kick and the drift.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Prepare(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        if (chain.Get(StateSlot) == Stopped) return;
        int d = chain.Dim;
        float eps = StepSize.At(0, chain.Chain);
        ArrayView<float> x = chain.X, p = chain.Row(MomentumRow), position = chain.Row(PositionRow), gradient = chain.Row(PositionGradientRow);
        float twiceKinetic = Metric.DrawMomentum(p, rng, settings.ChainWord(chain.Chain), settings.StepWord(s), settings.Call, d);
        chain.Set(StartHamiltonianSlot, chain.Get(PositionEnergySlot) + 0.5f * twiceKinetic);
        ChainState.Copy(x, position);
        for (int i = 0; i < d; i++) p[i] -= 0.5f * eps * gradient[i];
        Metric.Drift(x, p, eps, d);
    }

    /// <inheritdoc />
    /// <remarks>A running chain takes the last half kick, judges the step and moves its scale; every chain is back at its
    /// position afterwards.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Complete(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        float state = chain.Get(StateSlot);
        if (state == Stopped) return;
        int d = chain.Dim;
        float eps = StepSize.At(0, chain.Chain);
        ArrayView<float> p = chain.Row(MomentumRow), gradient = chain.Gradient;
        for (int i = 0; i < d; i++) p[i] -= 0.5f * eps * gradient[i];
        float deltaH = chain.Get(StartHamiltonianSlot) - (chain.Energy + 0.5f * Metric.TwiceKinetic(p, d));
        bool accepts = deltaH > LogThreshold; // false for NaN: a failed step is too large
        ChainState.Copy(chain.Row(PositionRow), chain.X);
        if (state == Unset) state = accepts ? Growing : Shrinking;
        else if (accepts != (state == Growing))
        {
            chain.Set(StateSlot, Stopped);
            return;
        }
        float scale = StepSize.Scales[chain.Chain] * (state == Growing ? 2f : 0.5f);
        float next = StepSize.At(0, chain.Chain) * (state == Growing ? 2f : 0.5f);
        bool bounded = next > 1e-10f && next < 1e7f; // Stan gives up at 0 and 1e7
        if (bounded) StepSize.Scales[chain.Chain] = scale;
        chain.Set(StateSlot, bounded ? state : Stopped);
    }
}
