using ILGPU;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// One sampling algorithm's step (Langevin, MALA, HMC, NUTS), separate from the energy it runs on. A step is a sequence of
/// at most <see cref="Evaluations"/> energy evaluations, each at the chain's position: <see cref="Prepare"/> moves the position,
/// the caller evaluates the gradient (and, when <see cref="NeedsEnergy"/>, the energy) there into the chain's gradient
/// row and energy slot, and <see cref="Complete"/> uses them. The fused chain kernel runs this with an
/// <see cref="IEnergySource"/>; opaque models run the same three calls as separate launches around their own
/// Forward/Gradient, so both paths execute one algorithm. A transition that <see cref="EndsEarly"/> (NUTS) lets each chain
/// stop its step when <see cref="Continues"/> says so: the fused kernel loops while the chain continues, so on a GPU
/// every chain takes its own number of evaluations.
/// </summary>
/// <remarks>
/// Implemented by small structs holding the algorithm's settings (schedule tables, step-size scales, mass). Noise of
/// chain c at global step t must come from Philox counters (c, t, k, settings.Call), so samples never depend on the
/// launch grid. A chain's rows and scalars persist across the launches of one run. A Metropolis transition leaves its
/// per-draw statistics in the slots <see cref="ChainState.AcceptProbabilitySlot"/> .. <see cref="ChainState.DivergentSlot"/>
/// when it finishes a step; the kernels copy them beside each kept state.
/// </remarks>
public interface ITransition
{
    /// <summary>Most evaluations per step (Langevin and MALA 1, HMC its leapfrog count, NUTS 2^maxTreeDepth - 1).</summary>
    int Evaluations { get; }

    /// <summary>Whether a chain may finish its step before <see cref="Evaluations"/> evaluations (then <see cref="Continues"/>
    /// decides, chain by chain); false: every step runs them all.</summary>
    bool EndsEarly { get; }

    /// <summary>
    /// Whether the chain goes on to evaluation <paramref name="evaluation"/> (at least 1) of its current step, asked after
    /// the <see cref="Complete"/> of the evaluation before; always true unless <see cref="EndsEarly"/>. A chain that stops has
    /// finished its step: its state is the step's result.
    /// </summary>
    bool Continues(int evaluation, in ChainState chain);

    /// <summary>Whether evaluation <paramref name="evaluation"/> needs the energy as well as the gradient.</summary>
    bool NeedsEnergy(int evaluation);

    /// <summary>Whether a chain needs energy and gradient at its position before its first step (then <see cref="Start"/> runs).</summary>
    bool NeedsStart { get; }

    /// <summary>Takes the energy and gradient just evaluated at the starting position into the chain's state.</summary>
    void Start(in ChainState chain);

    /// <summary>Whether <see cref="Prepare"/> does anything before evaluation <paramref name="evaluation"/> (the step-by-step
    /// path skips its launch otherwise).</summary>
    bool Prepares(int evaluation);

    /// <summary>Before evaluation <paramref name="evaluation"/> of launch step <paramref name="s"/>: moves the position.</summary>
    void Prepare(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng);

    /// <summary>After evaluation <paramref name="evaluation"/> of launch step <paramref name="s"/>: uses gradient and energy.</summary>
    void Complete(int evaluation, in ChainState chain, int s, ChainSettings settings, Philox4x32 rng);
}
