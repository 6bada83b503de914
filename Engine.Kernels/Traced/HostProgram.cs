namespace TorchEbm.Traced;

/// <summary>A traced program in host arrays, as the host twin reads it (<see cref="ITracedCode"/>).</summary>
/// <param name="code">The instructions.</param>
/// <param name="numbers">Their float attributes.</param>
/// <param name="constants">The constant pool, filled.</param>
/// <param name="values">Floats of values per chain.</param>
/// <param name="result">The slot of the energy.</param>
public readonly struct HostProgram(int[] code, float[] numbers, float[] constants, int values, int result) : ITracedCode
{
    private readonly int[] _code = code;
    private readonly float[] _numbers = numbers, _constants = constants;

    /// <inheritdoc />
    public int Length => _code.Length / Instruction.Width;

    /// <inheritdoc />
    public int Values { get; } = values;

    /// <inheritdoc />
    public int Result { get; } = result;

    /// <inheritdoc />
    public int Code(int index) => _code[index];

    /// <inheritdoc />
    public float Number(int index) => _numbers[index];

    /// <inheritdoc />
    public float Constant(int index) => _constants[index];
}
