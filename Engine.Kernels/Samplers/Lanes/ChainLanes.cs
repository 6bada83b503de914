using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>
/// Eight chains inside a lane transition, one per 256-bit lane: the host twin of <see cref="ChainState"/>. Element i of
/// <see cref="X"/> and of every row holds coordinate i of the eight chains; a scalar slot is one vector.
/// </summary>
internal readonly ref struct ChainLanes
{
    /// <summary>Lanes per vector.</summary>
    public const int Width = 8;

    private readonly Span<Vector256<float>> _rows, _scalars, _scratch;

    /// <summary>Chains 8g .. 8g + 7 of the launch, whose state (x, then the rows, then the scalars) lies in <paramref name="state"/>;
    /// the first <paramref name="lanes"/> of them exist (the rest pad the launch's last group). The last
    /// <paramref name="scratchRows"/> rows of <paramref name="state"/> are the transition's scratch (<see cref="Scratch"/>).</summary>
    public ChainLanes(Span<Vector256<float>> state, int dim, int rows, int scratchRows, int firstChain, int lanes, ChainSettings settings,
        LaneTables tables)
    {
        Lanes = lanes;
        Dim = dim;
        X = state[..dim];
        _rows = state.Slice(dim, rows * dim);
        _scalars = state[(dim + rows * dim)..^(scratchRows * dim)];
        _scratch = state[^(scratchRows * dim)..];
        Chain = firstChain;
        ChainWords = Vector256.Create(settings.ChainWord(firstChain)) + Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
        Tables = tables;
    }

    /// <summary>The chains' positions (length d).</summary>
    public readonly Span<Vector256<float>> X;

    /// <summary>Dimension d.</summary>
    public readonly int Dim;

    /// <summary>How many lanes hold chains of the launch (lanes 0 .. Lanes - 1; the others are padding).</summary>
    public readonly int Lanes;

    /// <summary>Launch index of lane 0's chain (lane l holds chain Chain + l).</summary>
    public readonly int Chain;

    /// <summary>Philox chain word of every lane (<see cref="ChainSettings.ChainWord"/>).</summary>
    public readonly Vector256<uint> ChainWords;

    /// <summary>The transition's tables.</summary>
    public readonly LaneTables Tables;

    /// <summary>Row <paramref name="row"/> of the eight chains; row 0 is <see cref="Gradient"/>.</summary>
    public Span<Vector256<float>> Row(int row) => _rows.Slice(row * Dim, Dim);

    /// <summary>Rows <paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/> - 1, one after another.</summary>
    public Span<Vector256<float>> Rows(int first, int count) => _rows.Slice(first * Dim, count * Dim);

    /// <summary>Scratch rows <paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/> - 1, one after another.</summary>
    public Span<Vector256<float>> ScratchRows(int first, int count) => _scratch.Slice(first * Dim, count * Dim);

    /// <summary>dE/dx at <see cref="X"/> from the latest evaluation.</summary>
    public Span<Vector256<float>> Gradient => Row(0);

    /// <summary>Scratch row <paramref name="row"/> (length d) of the transition (<see cref="ILaneTransition.ScratchRows"/>): not
    /// chain state, it starts zeroed and its content lasts within one group's launch only.</summary>
    public Span<Vector256<float>> Scratch(int row) => _scratch.Slice(row * Dim, Dim);

    /// <summary>The chains' scalars in slot <paramref name="slot"/>.</summary>
    public ref Vector256<float> Scalar(int slot) => ref _scalars[slot];

    /// <summary>E(x) from the latest evaluation that asked for it.</summary>
    public Vector256<float> Energy => _scalars[ChainState.EnergySlot];

    /// <summary><see cref="AdaptiveStepSize.At"/> of every lane at launch step <paramref name="s"/>.</summary>
    public Vector256<float> StepSize(int s) => StepSize(Vector256.Create(s));

    /// <summary><see cref="AdaptiveStepSize.At"/> of lane l at its own launch step <paramref name="steps"/>[l].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Vector256<float> StepSize(Vector256<int> steps)
    {
        ReadOnlySpan<float> scales = Tables.StepScales, table = Tables.StepSizes;
        Span<float> lanes = stackalloc float[Width];
        for (int l = 0; l < Width; l++) lanes[l] = LaneTables.At(table, Math.Max(0, steps.GetElement(l)));
        Vector256<float> h = Vector256.Create<float>(lanes);
        if (scales.Length == 1) return h * Vector256.Create(scales[0]);
        for (int l = 0; l < Width; l++) lanes[l] = Chain + l < scales.Length ? scales[Chain + l] : 1f; // padding lanes: any positive step
        return h * Vector256.Create<float>(lanes);
    }

    /// <summary>
    /// Normals for coordinates j..j+3 of every lane at its step word <paramref name="steps"/>[l]: lane l of z0..z3 is
    /// <see cref="ChainState.Normals"/>' X..W for that chain (only z0, z1 are drawn when fewer than three coordinates remain).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Normals(Philox4x32 rng, Vector256<uint> steps, int j, uint call,
        out Vector256<float> z0, out Vector256<float> z1, out Vector256<float> z2, out Vector256<float> z3)
    {
        Vector256<uint> c1 = steps, c2 = Vector256.Create((uint)(j >> 2)), c3 = Vector256.Create(call);
        if (j + 2 < Dim)
        {
            Philox8.Normal4(rng, ChainWords, c1, c2, c3, out z0, out z1, out z2, out z3);
            return;
        }
        Philox8.Normal2(rng, ChainWords, c1, c2, c3, out z0, out z1);
        z2 = z3 = Vector256<float>.Zero;
    }

    /// <summary>Words X and Y of every lane's Metropolis block (<see cref="ChainState.AcceptWord"/>) at launch step s, as uniforms.</summary>
    public void AcceptUniforms(Philox4x32 rng, ChainSettings settings, int s, out Vector256<float> x, out Vector256<float> y)
    {
        Philox8.Block(rng, ChainWords, Vector256.Create(settings.StepWord(s)), Vector256.Create(ChainState.AcceptWord), Vector256.Create(settings.Call),
            out Vector256<uint> r0, out Vector256<uint> r1, out _, out _);
        x = Philox8.ToUniform(r0);
        y = Philox8.ToUniform(r1);
    }

    /// <summary>
    /// <see cref="ChainState.Decide"/> for every lane: records the acceptance probability, the acceptance and the divergence,
    /// and returns the accepted lanes as a mask. The probability is the kernel's scalar exp, so equal errors decide equally.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Vector256<float> Decide(Vector256<float> energyError, Vector256<float> uniform)
    {
        Vector256<float> divergent = ~Vector256.LessThanOrEqual(energyError, Vector256.Create(ChainState.MaxEnergyError)); // NaN too
        Span<float> probability = stackalloc float[Width];
        for (int l = 0; l < Width; l++)
            probability[l] = divergent.AsUInt32().GetElement(l) != 0 ? 0f : XMath.Min(1f, XMath.Exp(-energyError.GetElement(l)));
        Vector256<float> p = Vector256.Create<float>(probability), accept = Vector256.LessThan(uniform, p);
        _scalars[ChainState.AcceptProbabilitySlot] = p;
        _scalars[ChainState.DivergentSlot] = divergent & Vector256<float>.One;
        Count(ChainState.AcceptedSlot, accept);
        Count(ChainState.DivergencesSlot, divergent);
        return accept;
    }

    /// <summary>Adds one to the integer count in slot <paramref name="slot"/>'s bits where <paramref name="mask"/> is set
    /// (an all-ones lane is -1 as an integer).</summary>
    public void Count(int slot, Vector256<float> mask) =>
        _scalars[slot] = (_scalars[slot].AsUInt32() - mask.AsUInt32()).AsSingle();

    /// <summary><see cref="ChainState.KeepEvaluation"/> in the lanes of <paramref name="mask"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void KeepEvaluation(int gradientRow, int energySlot, Vector256<float> mask)
    {
        Span<Vector256<float>> gradient = Gradient, kept = Row(gradientRow);
        for (int i = 0; i < Dim; i++) kept[i] = Vector256.ConditionalSelect(mask, gradient[i], kept[i]);
        _scalars[energySlot] = Vector256.ConditionalSelect(mask, Energy, _scalars[energySlot]);
    }

    /// <summary>Sets <see cref="X"/> back to <paramref name="saved"/> in the lanes of <paramref name="mask"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Restore(ReadOnlySpan<Vector256<float>> saved, Vector256<float> mask)
    {
        for (int i = 0; i < Dim; i++) X[i] = Vector256.ConditionalSelect(mask, saved[i], X[i]);
    }
}
