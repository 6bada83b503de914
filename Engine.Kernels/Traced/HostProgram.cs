namespace TorchEbm.Traced;

/// <summary>A traced program decoded once into host memory, as the host twin reads it (<see cref="ITracedCode"/>).</summary>
public readonly struct HostProgram : ITracedCode
{
    private readonly TracedInstruction[] _instructions;

    /// <summary>Decodes <paramref name="code"/> and <paramref name="numbers"/>.</summary>
    /// <param name="code">The instructions.</param>
    /// <param name="numbers">Their float attributes.</param>
    /// <param name="values">Floats of values per chain.</param>
    /// <param name="result">The slot of the energy.</param>
    public HostProgram(int[] code, float[] numbers, int values, int result)
    {
        _instructions = new TracedInstruction[code.Length / Instruction.Width];
        for (int n = 0; n < _instructions.Length; n++) _instructions[n] = new TracedInstruction(code, numbers, n);
        Values = values;
        Result = result;
    }

    /// <inheritdoc />
    public int Length => _instructions.Length;

    /// <inheritdoc />
    public int Values { get; }

    /// <inheritdoc />
    public int Result { get; }

    /// <inheritdoc />
    public TracedInstruction this[int n] => _instructions[n];
}
