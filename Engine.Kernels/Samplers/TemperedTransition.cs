using ILGPU;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// Any transition run on the tempered density exp(-beta E) of its chain's temperature: every evaluation's gradient and
/// energy are multiplied by beta = <see cref="Ladder"/>[<see cref="Levels"/>[chain]] before the inner transition sees them,
/// so Langevin, MALA, HMC and NUTS run unchanged (their Metropolis decisions then compare tempered energies, as they must).
/// Parallel tempering runs its replicas as chains of one launch through this wrapper and changes a chain's temperature by
/// rewriting its level between launches (<see cref="TemperingKernels.Swap"/>), never by moving its rows.
/// </summary>
/// <remarks>A chain whose temperature changed must be evaluated afresh (<see cref="ChainSettings.Start"/> = 1): the inner
/// transition's kept energy and gradient were tempered with the old beta.</remarks>
/// <typeparam name="TTransition">The inner transition.</typeparam>
/// <param name="inner">The inner transition.</param>
/// <param name="ladder">The inverse temperatures beta_0 = 1 &gt; beta_1 &gt; ... (one per level).</param>
/// <param name="levels">Each chain's level (index into the ladder), one per chain of the launch.</param>
public readonly struct TemperedTransition<TTransition>(TTransition inner, ArrayView<float> ladder, ArrayView<int> levels) : ITransition
    where TTransition : struct, ITransition
{
    /// <summary>The transition run at each chain's temperature.</summary>
    public readonly TTransition Inner = inner;

    /// <summary>The inverse temperatures, one per level.</summary>
    public readonly ArrayView<float> Ladder = ladder;

    /// <summary>Each chain's level.</summary>
    public readonly ArrayView<int> Levels = levels;

    /// <inheritdoc />
    public int Evaluations => Inner.Evaluations;

    /// <inheritdoc />
    public bool EndsEarly => Inner.EndsEarly;

    /// <inheritdoc />
    public bool Continues(int evaluation, in ChainState chain) => Inner.Continues(evaluation, chain);

    /// <inheritdoc />
    public bool NeedsEnergy(int evaluation) => Inner.NeedsEnergy(evaluation);

    /// <inheritdoc />
    public bool NeedsStart => Inner.NeedsStart;

    /// <inheritdoc />
    public void Start(in ChainState chain)
    {
        Temper(chain, energy: true);
        Inner.Start(chain);
    }

    /// <inheritdoc />
    public bool Prepares(int evaluation) => Inner.Prepares(evaluation);

    /// <inheritdoc />
    public void Prepare(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng) =>
        Inner.Prepare(evaluation, chain, s, settings, rng);

    /// <inheritdoc />
    public void Complete(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng)
    {
        Temper(chain, Inner.NeedsEnergy(evaluation));
        Inner.Complete(evaluation, chain, s, settings, rng);
    }

    /// <summary>The chain's inverse temperature.</summary>
    public float Beta(int chain) => Ladder[Levels[chain]];

    /// <summary>Scales the evaluation just written (gradient row, and the energy slot when it was evaluated) by beta.</summary>
    private void Temper(in ChainState chain, bool energy)
    {
        float beta = Beta(chain.Chain);
        ArrayView<float> gradient = chain.Gradient;
        for (int i = 0; i < chain.Dim; i++) gradient[i] *= beta;
        if (energy) chain.Set(ChainState.EnergySlot, beta * chain.Energy);
    }
}
