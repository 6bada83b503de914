using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>
/// The host vector twin of an <see cref="ITransition"/>: the same step on eight chains at once (<see cref="ChainLanes"/>),
/// the same float operations lane by lane and the same Philox counters, for <see cref="CpuChains"/>.
/// </summary>
internal interface ILaneTransition
{
    /// <summary>Rows per chain (<see cref="ChainBuffers.Rows"/>), as the twin kernel's buffers are laid out.</summary>
    int Rows { get; }

    /// <summary>Scalar slots per chain.</summary>
    int Scalars { get; }

    /// <summary>Rows of length d the twin needs as scratch beside the chains' state (<see cref="ChainLanes.Scratch"/>).</summary>
    int ScratchRows { get; }

    /// <inheritdoc cref="ITransition.Evaluations"/>
    int Evaluations { get; }

    /// <inheritdoc cref="ITransition.EndsEarly"/>
    bool EndsEarly { get; }

    /// <summary>
    /// Whether any lane of the group goes on to evaluation <paramref name="evaluation"/> (at least 1) of its step, asked after
    /// the <see cref="Complete"/> of the evaluation before when <see cref="EndsEarly"/>. Until none does, the group evaluates
    /// all its lanes; the transition leaves a lane that has stopped unchanged (its evaluations land in the gradient row and
    /// energy slot only, as the GPU's group kernel evaluates its finished chains where they stand).
    /// </summary>
    bool AnyContinues(int evaluation, in ChainLanes chain);

    /// <inheritdoc cref="ITransition.NeedsEnergy"/>
    bool NeedsEnergy(int evaluation);

    /// <inheritdoc cref="ITransition.NeedsStart"/>
    bool NeedsStart { get; }

    /// <summary>The transition's tables as host spans.</summary>
    LaneTables Tables();

    /// <inheritdoc cref="ITransition.Start"/>
    void Start(in ChainLanes chain);

    /// <inheritdoc cref="ITransition.Prepare"/>
    void Prepare(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng);

    /// <inheritdoc cref="ITransition.Complete"/>
    void Complete(int evaluation, in ChainLanes chain, int s, ChainSettings settings, Philox4x32 rng);
}
