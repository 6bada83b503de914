namespace TorchEbm.Traced;

/// <summary>
/// One instruction of a traced program, decoded from its <see cref="Instruction"/> layout: what the interpreter reads once
/// before the instruction's loop (the host twin decodes every instruction once per run, <see cref="HostProgram"/>).
/// </summary>
public readonly struct TracedInstruction
{
    /// <summary>The op.</summary>
    public readonly TracedOp Op;

    /// <summary>Whether the result depends on x (the reverse sweep visits it).</summary>
    public readonly bool ReadsX;

    /// <summary>The output slot; operand slots a and b (below zero: the constant pool).</summary>
    public readonly int Out, A, B;

    /// <summary>The integer attributes 0 to 6 (see <see cref="TracedOp"/>).</summary>
    public readonly int I0, I1, I2, I3, I4, I5, I6;

    /// <summary>The float attributes.</summary>
    public readonly float F0, F1;

    /// <summary>Instruction <paramref name="n"/> of <paramref name="code"/> and <paramref name="numbers"/>.</summary>
    public TracedInstruction(ILGPU.ArrayView<int> code, ILGPU.ArrayView<float> numbers, int n)
    {
        int at = n * Instruction.Width, k = at + Instruction.Attributes;
        int op = code[at + Instruction.Op];
        Op = (TracedOp)(op & Instruction.OpMask);
        ReadsX = (op & Instruction.ReadsX) != 0;
        (Out, A, B) = (code[at + Instruction.Out], code[at + Instruction.A], code[at + Instruction.B]);
        (I0, I1, I2, I3, I4, I5, I6) = (code[k], code[k + 1], code[k + 2], code[k + 3], code[k + 4], code[k + 5], code[k + 6]);
        (F0, F1) = (numbers[n * Instruction.Floats], numbers[n * Instruction.Floats + 1]);
    }

    /// <summary>Instruction <paramref name="n"/> of host arrays.</summary>
    public TracedInstruction(int[] code, float[] numbers, int n)
    {
        int at = n * Instruction.Width, k = at + Instruction.Attributes;
        int op = code[at + Instruction.Op];
        Op = (TracedOp)(op & Instruction.OpMask);
        ReadsX = (op & Instruction.ReadsX) != 0;
        (Out, A, B) = (code[at + Instruction.Out], code[at + Instruction.A], code[at + Instruction.B]);
        (I0, I1, I2, I3, I4, I5, I6) = (code[k], code[k + 1], code[k + 2], code[k + 3], code[k + 4], code[k + 5], code[k + 6]);
        (F0, F1) = (numbers[n * Instruction.Floats], numbers[n * Instruction.Floats + 1]);
    }
}
