using ILGPU;

namespace TorchEbm.Traced;

/// <summary>
/// A traced energy program as the device reads it: the instructions (<see cref="Instruction"/> layout), their float
/// attributes, the constant pool (a model's parameters and data, copied in before each run), and the sizes of one
/// chain's values. Slots 0 .. d - 1 of the values are the chain's x; <see cref="Result"/> is the energy's slot.
/// </summary>
/// <param name="code">The instructions, <see cref="Instruction.Width"/> ints each.</param>
/// <param name="numbers">Their float attributes, <see cref="Instruction.Floats"/> each.</param>
/// <param name="constants">The constant pool.</param>
/// <param name="values">Floats of values per chain (x, intermediates, the result); the adjoints take as many again.</param>
/// <param name="result">The slot of the energy.</param>
public readonly struct TracedProgram(ArrayView<int> code, ArrayView<float> numbers, ArrayView<float> constants, int values, int result) : ITracedCode
{
    /// <summary>The instructions.</summary>
    public readonly ArrayView<int> Code = code;

    /// <summary>The instructions' float attributes.</summary>
    public readonly ArrayView<float> Numbers = numbers;

    /// <summary>The constant pool.</summary>
    public readonly ArrayView<float> Constants = constants;

    /// <inheritdoc />
    public int Values { get; } = values;

    /// <inheritdoc />
    public int Result { get; } = result;

    /// <inheritdoc />
    public int Length => Code.IntLength / Instruction.Width;

    /// <inheritdoc />
    public TracedInstruction this[int n] => new(Code, Numbers, n);

    /// <summary>Floats of scratch per chain: its values, then their adjoints.</summary>
    public int ScratchPerChain => 2 * Values;
}
