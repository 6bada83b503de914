using ILGPU;
using TorchEbm.Kernels.Samplers;

namespace TorchEbm.Traced;

/// <summary>
/// A traced energy program as a chain's <see cref="IEnergySource"/>: each chain interprets the program in its own scratch
/// row (<see cref="TracedProgram.ScratchPerChain"/> floats: values, then adjoints), so a whole sampler run on a model
/// written in tape ops is one launch of the chain kernel.
/// </summary>
/// <param name="program">The program.</param>
/// <param name="scratch">chains x <see cref="TracedProgram.ScratchPerChain"/> floats.</param>
public readonly struct TracedSource(TracedProgram program, ArrayView<float> scratch) : IEnergySource
{
    /// <summary>The program.</summary>
    public readonly TracedProgram Program = program;

    /// <summary>Every chain's scratch row.</summary>
    public readonly ArrayView<float> Scratch = scratch;

    /// <inheritdoc />
    public float Energy(int chain, ArrayView<float> x) => TracedInterpreter.Energy(Program, Values(chain), x);

    /// <inheritdoc />
    public void Gradient(int chain, ArrayView<float> x, ArrayView<float> gradient) => EnergyAndGradient(chain, x, gradient);

    /// <inheritdoc />
    public float EnergyAndGradient(int chain, ArrayView<float> x, ArrayView<float> gradient) =>
        TracedInterpreter.EnergyAndGradient(Program, Values(chain), Scratch.SubView((long)chain * Program.ScratchPerChain + Program.Values, Program.Values), x, gradient);

    private ArrayView<float> Values(int chain) => Scratch.SubView((long)chain * Program.ScratchPerChain, Program.Values);
}
