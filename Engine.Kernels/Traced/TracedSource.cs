using System.Runtime.CompilerServices;
using ILGPU;
using TorchEbm.Kernels.Samplers;
using TorchEbm.Numerics;

namespace TorchEbm.Traced;

/// <summary>
/// A traced energy program as a chain's <see cref="IEnergySource"/>: each chain interprets the program
/// (<see cref="TracedInterpreter"/> over <see cref="Real"/>) in its own rows of the scratch, so a whole sampler run on a model
/// written in tape ops is one launch of the chain kernel. The rows are interleaved across chains
/// (<see cref="InterleavedRows"/>: slot s of chain c at s x chains + c, the adjoints after the values), so a warp's loads
/// and stores of one slot are coalesced.
/// </summary>
/// <param name="program">The program.</param>
/// <param name="scratch">chains x <see cref="TracedProgram.ScratchPerChain"/> floats.</param>
public readonly struct TracedSource(TracedProgram program, ArrayView<float> scratch) : IEnergySource
{
    /// <summary>The program.</summary>
    public readonly TracedProgram Program = program;

    /// <summary>Every chain's rows.</summary>
    public readonly ArrayView<float> Scratch = scratch;

    /// <summary>The number of chains the scratch holds rows for.</summary>
    public int Chains => Scratch.IntLength / Program.ScratchPerChain;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float Energy(int chain, ArrayView<float> x)
    {
        InterleavedRows rows = Rows(chain);
        for (int i = 0; i < x.IntLength; i++) rows.SetValue(i, x[i]);
        TracedInterpreter.Forward<Real, bool, TracedProgram, InterleavedRows>(Program, rows);
        return rows.Value(Program.Result);
    }

    /// <inheritdoc />
    public void Gradient(int chain, ArrayView<float> x, ArrayView<float> gradient) => EnergyAndGradient(chain, x, gradient);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float EnergyAndGradient(int chain, ArrayView<float> x, ArrayView<float> gradient)
    {
        float energy = Energy(chain, x);
        InterleavedRows rows = Rows(chain);
        TracedInterpreter.Backward<Real, bool, TracedProgram, InterleavedRows>(Program, rows);
        for (int i = 0; i < gradient.IntLength; i++) gradient[i] = rows.Adjoint(i);
        return energy;
    }

    /// <summary>Chain <paramref name="chain"/>'s rows.</summary>
    private InterleavedRows Rows(int chain) => new(Scratch, Program.Constants, Chains, chain, Program.Values);
}
