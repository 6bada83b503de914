namespace TorchEbm.Traced;

/// <summary>
/// Rewrites a traced program before it runs, where the trace makes it free: a <see cref="TracedOp.Gather"/> of one row
/// (Var.Column, Columns on a row) takes a contiguous run of its operand, so its consumers can read that run in place;
/// the instruction is dropped and its output slot aliased to the run. The reverse sweep then adds the consumers'
/// adjoints straight into the operand's (the same sums, fewer steps). Kernel and host twin run the rewritten program alike.
/// </summary>
public static class ProgramRewrite
{
    /// <summary>
    /// <paramref name="code"/> and <paramref name="numbers"/> (<see cref="Instruction"/> layout) with every one-row
    /// <see cref="TracedOp.Gather"/> aliased away; <paramref name="result"/> is remapped if it was such an output.
    /// </summary>
    /// <returns>The instructions and float attributes kept, operands remapped (the program unchanged if nothing else would be left).</returns>
    public static (int[] Code, float[] Numbers) AliasRowSlices(int[] code, float[] numbers, ref int result)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(numbers);
        var alias = new Dictionary<int, int>();
        int Slot(int slot) => alias.TryGetValue(slot, out int to) ? to : slot;
        var keptCode = new List<int>(code.Length);
        var keptNumbers = new List<float>(numbers.Length);
        for (int n = 0; n < code.Length / Instruction.Width; n++)
        {
            int at = n * Instruction.Width;
            var op = (TracedOp)(code[at + Instruction.Op] & Instruction.OpMask);
            int a = Slot(code[at + Instruction.A]);
            int b = op is TracedOp.Binary or TracedOp.MatMul ? Slot(code[at + Instruction.B]) : code[at + Instruction.B];
            if (op == TracedOp.Gather && code[at + Instruction.Attributes] == 1)
            {
                int start = code[at + Instruction.Attributes + 2];
                alias[code[at + Instruction.Out]] = a >= 0 ? a + start : a - start; // a constant's slot counts down: -s - 1 is its offset
                continue;
            }
            for (int k = 0; k < Instruction.Width; k++)
                keptCode.Add(k == Instruction.A ? a : k == Instruction.B ? b : code[at + k]);
            for (int k = 0; k < Instruction.Floats; k++) keptNumbers.Add(numbers[n * Instruction.Floats + k]);
        }
        if (keptCode.Count == 0) return (code, numbers); // nothing but slices: keep one instruction, so the program is never empty
        result = Slot(result);
        return ([.. keptCode], [.. keptNumbers]);
    }
}
