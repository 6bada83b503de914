using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// One chain inside a transition: its position row <see cref="X"/> (where every evaluation happens), the gradient and
/// energy of the latest evaluation, its other rows and scalars, and its acceptance statistics.
/// </summary>
public readonly struct ChainState
{
    /// <summary>Scalar slot receiving each evaluation's energy.</summary>
    public const int EnergySlot = 0;

    /// <summary>Scalar slot: acceptance probability of the latest Metropolis decision (read by step-size adaptation), the
    /// first per-draw statistic (Stan's accept_stat__; NUTS: the mean over its new leaves).</summary>
    public const int AcceptProbabilitySlot = 1;

    /// <summary>Scalar slot, per-draw statistic: Stan's energy__, the Hamiltonian at the transition's start (MALA: E(x) of the draw).</summary>
    public const int DrawEnergySlot = 2;

    /// <summary>Scalar slot, per-draw statistic: the transition's tree depth (NUTS; 0 for the others).</summary>
    public const int TreeDepthSlot = 3;

    /// <summary>Scalar slot, per-draw statistic: the transition's leapfrog steps (HMC, NUTS; 0 for the others).</summary>
    public const int LeapfrogsSlot = 4;

    /// <summary>Scalar slot, per-draw statistic: 1 when the latest transition diverged, else 0.</summary>
    public const int DivergentSlot = 5;

    /// <summary>The per-draw statistics, slots <see cref="AcceptProbabilitySlot"/> .. <see cref="DivergentSlot"/> in this
    /// order, which kernels write beside each kept state when asked (<see cref="ChainBuffers.Statistics"/>).</summary>
    public const int DrawStatistics = 5;

    /// <summary>Scalar slot: proposals accepted since the statistics were last cleared (an integer count stored in the
    /// float's bits, exact beyond 2^24; zero bits are zero).</summary>
    public const int AcceptedSlot = 6;

    /// <summary>Scalar slot: divergent transitions since the statistics were last cleared (an integer count in the float's
    /// bits), right after <see cref="AcceptedSlot"/>.</summary>
    public const int DivergencesSlot = 7;

    /// <summary>First scalar slot a transition may use for its own state.</summary>
    public const int FirstTransitionSlot = 8;

    /// <summary>A transition whose energy error exceeds this (or is NaN) is divergent: rejected and counted.</summary>
    public const float MaxEnergyError = 1000f;

    private readonly ChainBuffers _buffers;

    /// <summary>Chain <paramref name="chain"/> of <paramref name="chains"/> with positions x (chains, dim).</summary>
    public ChainState(ArrayView<float> x, ChainBuffers buffers, int chain, int chains, int dim)
    {
        X = x.SubView((long)chain * dim, dim);
        _buffers = buffers;
        Chain = chain;
        Chains = chains;
        Dim = dim;
    }

    /// <summary>The chain's position (length d), advanced in place.</summary>
    public readonly ArrayView<float> X;

    /// <summary>The chain's index in the launch (its rows and scalars); its Philox word is <see cref="ChainSettings.ChainWord"/>.</summary>
    public readonly int Chain;

    /// <summary>Number of chains in the run.</summary>
    public readonly int Chains;

    /// <summary>Dimension d.</summary>
    public readonly int Dim;

    /// <summary>The chain's row <paramref name="row"/> (length d); row 0 is <see cref="Gradient"/>.</summary>
    public ArrayView<float> Row(int row) => _buffers.Rows.SubView(((long)row * Chains + Chain) * Dim, Dim);

    /// <summary>dE/dx at <see cref="X"/> from the latest evaluation.</summary>
    public ArrayView<float> Gradient => Row(0);

    /// <summary>E(x) at <see cref="X"/> from the latest evaluation that asked for the energy.</summary>
    public float Energy => Get(EnergySlot);

    /// <summary>The chain's scalar in slot <paramref name="slot"/>.</summary>
    public float Get(int slot) => _buffers.Scalars[(long)slot * Chains + Chain];

    /// <summary>Sets the chain's scalar in slot <paramref name="slot"/>.</summary>
    public void Set(int slot, float value) => _buffers.Scalars[(long)slot * Chains + Chain] = value;

    /// <summary>
    /// The Metropolis decision for a proposal with energy error <paramref name="energyError"/> (minus the log acceptance
    /// ratio): accepted when <paramref name="uniform"/> &lt; exp(-error). An error above <see cref="MaxEnergyError"/> or NaN
    /// is a divergence, always rejected. Records the acceptance probability, the acceptance and the divergence.
    /// </summary>
    public bool Decide(float energyError, float uniform)
    {
        bool divergent = !(energyError <= MaxEnergyError); // true for NaN too
        float probability = divergent ? 0f : XMath.Min(1f, XMath.Exp(-energyError));
        bool accept = uniform < probability;
        Set(AcceptProbabilitySlot, probability);
        Set(DivergentSlot, divergent ? 1f : 0f);
        if (accept) Count(AcceptedSlot);
        if (divergent) Count(DivergencesSlot);
        return accept;
    }

    /// <summary>Philox block word of the uniform behind each Metropolis decision (normal blocks use words below d / 4).</summary>
    public const uint AcceptWord = uint.MaxValue;

    /// <summary>The uniform in (0, 1) for this chain's Metropolis decision at launch step <paramref name="s"/>.</summary>
    public float AcceptUniform(Philox4x32 rng, ChainSettings settings, int s) =>
        rng.Uniform4(settings.ChainWord(Chain), settings.StepWord(s), AcceptWord, settings.Call).X;

    /// <summary>
    /// Normals for coordinates j..j+3 of the chain with Philox chain word <paramref name="chain"/> at step word
    /// <paramref name="step"/>: block (chain, step, j / 4, call); only the first two are drawn when fewer than three
    /// coordinates remain.
    /// </summary>
    public static Float4 Normals(Philox4x32 rng, uint chain, uint step, int j, int d, uint call) =>
        j + 2 < d
            ? rng.Normal4(chain, step, (uint)(j >> 2), call)
            : rng.Normal2(chain, step, (uint)(j >> 2), call); // same X, Y; skips the unused pair

    /// <summary>
    /// Makes the latest evaluation the chain's current state for a Metropolis transition: its gradient into row
    /// <paramref name="gradientRow"/>, its energy into slot <paramref name="energySlot"/> (at the start, and on accept).
    /// </summary>
    public void KeepEvaluation(int gradientRow, int energySlot)
    {
        Copy(Gradient, Row(gradientRow));
        Set(energySlot, Energy);
    }

    /// <summary>Adds one to the integer count kept in the bits of slot <paramref name="slot"/>.</summary>
    public void Count(int slot) => Set(slot, Interop.IntAsFloat(Interop.FloatAsInt(Get(slot)) + 1u));

    /// <summary>Copies row <paramref name="from"/> into <paramref name="to"/> (both length d).</summary>
    public static void Copy(ArrayView<float> from, ArrayView<float> to)
    {
        for (int i = 0; i < to.IntLength; i++) to[i] = from[i];
    }
}
