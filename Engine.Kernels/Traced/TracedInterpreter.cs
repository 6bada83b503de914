using ILGPU;
using TorchEbm.Elementwise;

namespace TorchEbm.Traced;

/// <summary>
/// Runs a <see cref="TracedProgram"/> for one chain: a forward sweep over the instructions writes every value into the
/// chain's scratch row, then a reverse sweep over the instructions that read x adds each output's adjoint into its operands'
/// adjoints (the tape's backward steps, per row), ending with dE/dx in the adjoints of x's slots. Kernel code (float32,
/// no allocation); every chain runs the same instructions, so a GPU warp does not diverge.
/// </summary>
public static class TracedInterpreter
{
    /// <summary>E(x) of one chain: copies x into its values and runs the forward sweep.</summary>
    /// <param name="program">The program.</param>
    /// <param name="values">The chain's values (program.Values floats).</param>
    /// <param name="x">The chain's state (d floats).</param>
    public static float Energy(in TracedProgram program, ArrayView<float> values, ArrayView<float> x)
    {
        for (int i = 0; i < x.IntLength; i++) values[i] = x[i];
        for (int n = 0; n < program.Length; n++) Forward(program, values, n);
        return values[program.Result];
    }

    /// <summary>E(x) of one chain, with dE/dx written into <paramref name="gradient"/> (d floats).</summary>
    /// <param name="program">The program.</param>
    /// <param name="values">The chain's values (program.Values floats).</param>
    /// <param name="adjoints">The chain's adjoints (program.Values floats).</param>
    /// <param name="x">The chain's state (d floats).</param>
    /// <param name="gradient">Overwritten with dE/dx.</param>
    public static float EnergyAndGradient(in TracedProgram program, ArrayView<float> values, ArrayView<float> adjoints,
        ArrayView<float> x, ArrayView<float> gradient)
    {
        float energy = Energy(program, values, x);
        for (int i = 0; i < program.Values; i++) adjoints[i] = 0f;
        adjoints[program.Result] = 1f;
        for (int n = program.Length - 1; n >= 0; n--)
            if ((program.Code[n * Instruction.Width + Instruction.Op] & Instruction.ReadsX) != 0) Backward(program, values, adjoints, n);
        for (int i = 0; i < gradient.IntLength; i++) gradient[i] = adjoints[i];
        return energy;
    }

    /// <summary>Value <paramref name="index"/> of the operand at <paramref name="slot"/> (values, or the constant pool below zero).</summary>
    private static float Read(in TracedProgram program, ArrayView<float> values, int slot, int index) =>
        slot >= 0 ? values[slot + index] : program.Constants[-slot - 1 + index];

    /// <summary>Integer attribute k of instruction n.</summary>
    private static int Attribute(in TracedProgram program, int n, int k) => program.Code[n * Instruction.Width + Instruction.Attributes + k];

    private static void Forward(in TracedProgram program, ArrayView<float> values, int n)
    {
        int at = n * Instruction.Width;
        int op = program.Code[at + Instruction.Op] & Instruction.OpMask;
        int output = program.Code[at + Instruction.Out], a = program.Code[at + Instruction.A], b = program.Code[at + Instruction.B];
        float f0 = program.Numbers[n * Instruction.Floats], f1 = program.Numbers[n * Instruction.Floats + 1];
        int i0 = Attribute(program, n, 0), i1 = Attribute(program, n, 1), i2 = Attribute(program, n, 2), i3 = Attribute(program, n, 3);
        if (op == (int)TracedOp.Binary)
        {
            var shape = Shape(program, n);
            for (int i = 0; i < shape.Rows * shape.Cols; i++)
            {
                int r = i / shape.Cols, c = i - r * shape.Cols;
                values[output + i] = Arithmetic.Apply(i0, Read(program, values, a, shape.A(r, c)), Read(program, values, b, shape.B(r, c)));
            }
        }
        else if (op == (int)TracedOp.Affine)
        {
            for (int i = 0; i < i0; i++) values[output + i] = f0 * Read(program, values, a, i) + f1;
        }
        else if (op == (int)TracedOp.Map)
        {
            for (int i = 0; i < i0; i++) values[output + i] = UnaryCodes.Apply(i1, f0, Read(program, values, a, i));
        }
        else if (op == (int)TracedOp.SumRows)
        {
            for (int r = 0; r < i0; r++)
            {
                float sum = 0f;
                for (int c = 0; c < i1; c++) sum += Read(program, values, a, r * i1 + c);
                values[output + r] = f0 * sum;
            }
        }
        else if (op == (int)TracedOp.Gather)
        {
            for (int r = 0; r < i0; r++)
            for (int j = 0; j < i3; j++) values[output + r * i3 + j] = Read(program, values, a, r * i1 + i2 + j);
        }
        else if (op == (int)TracedOp.Place)
        {
            for (int r = 0; r < i0; r++)
            for (int j = 0; j < i3; j++) values[output + r * i1 + i2 + j] = Read(program, values, a, r * i3 + j);
        }
        else if (op == (int)TracedOp.MatMul)
        {
            for (int i = 0; i < i0; i++)
            for (int j = 0; j < i2; j++)
            {
                float sum = 0f;
                for (int p = 0; p < i1; p++) sum += Read(program, values, a, i * i1 + p) * Read(program, values, b, Right(i1, i2, i3, p, j));
                values[output + i * i2 + j] = sum;
            }
        }
    }

    private static void Backward(in TracedProgram program, ArrayView<float> values, ArrayView<float> adjoints, int n)
    {
        int at = n * Instruction.Width;
        int op = program.Code[at + Instruction.Op] & Instruction.OpMask;
        int output = program.Code[at + Instruction.Out], a = program.Code[at + Instruction.A], b = program.Code[at + Instruction.B];
        float f0 = program.Numbers[n * Instruction.Floats];
        int i0 = Attribute(program, n, 0), i1 = Attribute(program, n, 1), i2 = Attribute(program, n, 2), i3 = Attribute(program, n, 3);
        if (op == (int)TracedOp.Binary)
        {
            var shape = Shape(program, n);
            for (int i = 0; i < shape.Rows * shape.Cols; i++)
            {
                int r = i / shape.Cols, c = i - r * shape.Cols, ia = shape.A(r, c), ib = shape.B(r, c);
                float g = adjoints[output + i], x = Read(program, values, a, ia), y = Read(program, values, b, ib);
                if (a >= 0) adjoints[a + ia] += g * Arithmetic.Partial(i0, 0, x, y);
                if (b >= 0) adjoints[b + ib] += g * Arithmetic.Partial(i0, 1, x, y);
            }
        }
        else if (op == (int)TracedOp.Affine)
        {
            if (a >= 0) for (int i = 0; i < i0; i++) adjoints[a + i] += f0 * adjoints[output + i];
        }
        else if (op == (int)TracedOp.Map)
        {
            if (a >= 0) for (int i = 0; i < i0; i++) adjoints[a + i] += adjoints[output + i] * UnaryCodes.Derivative(i1, f0, values[a + i]);
        }
        else if (op == (int)TracedOp.SumRows)
        {
            if (a >= 0)
                for (int r = 0; r < i0; r++)
                for (int c = 0; c < i1; c++) adjoints[a + r * i1 + c] += f0 * adjoints[output + r];
        }
        else if (op == (int)TracedOp.Gather)
        {
            if (a >= 0)
                for (int r = 0; r < i0; r++)
                for (int j = 0; j < i3; j++) adjoints[a + r * i1 + i2 + j] += adjoints[output + r * i3 + j];
        }
        else if (op == (int)TracedOp.Place)
        {
            if (a >= 0)
                for (int r = 0; r < i0; r++)
                for (int j = 0; j < i3; j++) adjoints[a + r * i3 + j] += adjoints[output + r * i1 + i2 + j];
        }
        else if (op == (int)TracedOp.MatMul)
        {
            for (int i = 0; i < i0; i++)
            for (int j = 0; j < i2; j++)
            {
                float g = adjoints[output + i * i2 + j];
                for (int p = 0; p < i1; p++)
                {
                    int right = Right(i1, i2, i3, p, j);
                    if (a >= 0) adjoints[a + i * i1 + p] += g * Read(program, values, b, right);
                    if (b >= 0) adjoints[b + right] += g * Read(program, values, a, i * i1 + p);
                }
            }
        }
    }

    /// <summary>Index of b[p, j] in a product with inner size k and n columns (b stored (k, n), or (n, k) when transposed).</summary>
    private static int Right(int k, int columns, int transposed, int p, int j) => transposed != 0 ? j * k + p : p * columns + j;

    /// <summary>The broadcast shape of a <see cref="TracedOp.Binary"/> instruction (attributes 1 to 6).</summary>
    private static Broadcast Shape(in TracedProgram program, int n) => new(
        Attribute(program, n, 1), Attribute(program, n, 2), Attribute(program, n, 3),
        Attribute(program, n, 4), Attribute(program, n, 5), Attribute(program, n, 6));
}
