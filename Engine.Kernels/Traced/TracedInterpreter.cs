using TorchEbm.Elementwise;
using TorchEbm.Functions;
using TorchEbm.Numerics;

namespace TorchEbm.Traced;

/// <summary>
/// Runs a traced program for one chain, or for eight at once: a forward sweep over the instructions writes every value into
/// the chain's row, then a reverse sweep over the instructions that read x adds each output's adjoint into its operands'
/// adjoints (the tape's backward steps, per row), ending with dE/dx in the adjoints of x's slots. Written once, generic over
/// the numeric type and the rows' layout: the kernel runs it over <see cref="Real"/> and <see cref="InterleavedRow"/>
/// (<see cref="TracedSource"/>), the host twin over <see cref="Real8"/> and <see cref="LaneRow"/>, eight chains per vector;
/// so every lane equals the kernel bit for bit. No allocation, float32; every chain runs the same instructions, so a GPU
/// warp does not diverge.
/// </summary>
/// <remarks>
/// Each instruction is decoded once, then runs a loop specialised for its op: arithmetic through the op's
/// <see cref="IBinaryOp"/> struct (broadcasting by strides, no division per element), element-wise functions through their
/// <see cref="IUnaryFunction"/> struct (one dispatch per instruction, <see cref="UnaryCodes.Visit"/>). Formulas live in
/// those structs only.
/// </remarks>
public static class TracedInterpreter
{
    /// <summary>The forward sweep: every value of the program from x, which the caller has put in slots 0 .. d - 1.</summary>
    /// <param name="program">The program.</param>
    /// <param name="values">The chain's values (program.Values slots).</param>
    public static void Forward<T, TMask, TCode, TRow>(in TCode program, TRow values)
        where T : struct, IReal<T, TMask> where TMask : struct where TCode : struct, ITracedCode where TRow : struct, IChainRow<T>
    {
        for (int n = 0; n < program.Length; n++) Run<T, TMask, TCode, TRow>(program, values, n);
    }

    /// <summary>
    /// The reverse sweep after <see cref="Forward{T, TMask, TCode, TRow}"/>: clears the adjoints, seeds the energy's with 1
    /// and leaves dE/dx in slots 0 .. d - 1 of <paramref name="adjoints"/>.
    /// </summary>
    /// <param name="program">The program.</param>
    /// <param name="values">The chain's values, as the forward sweep left them.</param>
    /// <param name="adjoints">The chain's adjoints (program.Values slots).</param>
    public static void Backward<T, TMask, TCode, TRow>(in TCode program, TRow values, TRow adjoints)
        where T : struct, IReal<T, TMask> where TMask : struct where TCode : struct, ITracedCode where TRow : struct, IChainRow<T>
    {
        for (int i = 0; i < program.Values; i++) adjoints[i] = T.From(0f);
        adjoints[program.Result] = T.From(1f);
        for (int n = program.Length - 1; n >= 0; n--)
            if ((program.Code(n * Instruction.Width + Instruction.Op) & Instruction.ReadsX) != 0)
                RunBack<T, TMask, TCode, TRow>(program, values, adjoints, n);
    }

    /// <summary>Element <paramref name="index"/> of the operand at <paramref name="slot"/>: the values, or the constant pool below zero.</summary>
    private static T Read<T, TMask, TCode, TRow>(in TCode program, TRow values, int slot, int index)
        where T : struct, IReal<T, TMask> where TMask : struct where TCode : struct, ITracedCode where TRow : struct, IChainRow<T> =>
        slot >= 0 ? values[slot + index] : T.From(program.Constant(-slot - 1 + index));

    /// <summary>Instruction <paramref name="n"/> forward.</summary>
    private static void Run<T, TMask, TCode, TRow>(in TCode program, TRow values, int n)
        where T : struct, IReal<T, TMask> where TMask : struct where TCode : struct, ITracedCode where TRow : struct, IChainRow<T>
    {
        var i = Decoded.Of(program, n);
        switch (i.Op)
        {
            case TracedOp.Binary:
                if (i.I0 == Arithmetic.Add) BinaryForward<T, TMask, TCode, TRow, Addition>(program, values, i);
                else if (i.I0 == Arithmetic.Subtract) BinaryForward<T, TMask, TCode, TRow, Subtraction>(program, values, i);
                else if (i.I0 == Arithmetic.Multiply) BinaryForward<T, TMask, TCode, TRow, Multiplication>(program, values, i);
                else BinaryForward<T, TMask, TCode, TRow, Division>(program, values, i);
                break;
            case TracedOp.Affine:
                T scale = T.From(i.F0), shift = T.From(i.F1);
                for (int e = 0; e < i.I0; e++) values[i.Out + e] = T.MultiplyAdd(scale, Read<T, TMask, TCode, TRow>(program, values, i.A, e), shift);
                break;
            case TracedOp.Map:
                UnaryCodes.Visit(i.I1, i.F0, new MapForward<T, TMask, TCode, TRow>(program, values, i));
                break;
            case TracedOp.SumRows:
                for (int r = 0; r < i.I0; r++)
                {
                    T sum = T.From(0f);
                    for (int c = 0; c < i.I1; c++) sum += Read<T, TMask, TCode, TRow>(program, values, i.A, r * i.I1 + c);
                    values[i.Out + r] = T.From(i.F0) * sum;
                }
                break;
            case TracedOp.Gather:
                for (int r = 0; r < i.I0; r++)
                for (int j = 0; j < i.I3; j++) values[i.Out + r * i.I3 + j] = Read<T, TMask, TCode, TRow>(program, values, i.A, r * i.I1 + i.I2 + j);
                break;
            case TracedOp.Place:
                for (int r = 0; r < i.I0; r++)
                for (int j = 0; j < i.I3; j++) values[i.Out + r * i.I1 + i.I2 + j] = Read<T, TMask, TCode, TRow>(program, values, i.A, r * i.I3 + j);
                break;
            case TracedOp.MatMul:
                for (int r = 0; r < i.I0; r++)
                for (int j = 0; j < i.I2; j++)
                {
                    T sum = T.From(0f);
                    for (int p = 0; p < i.I1; p++)
                        sum += Read<T, TMask, TCode, TRow>(program, values, i.A, r * i.I1 + p) * Read<T, TMask, TCode, TRow>(program, values, i.B, Right(i, p, j));
                    values[i.Out + r * i.I2 + j] = sum;
                }
                break;
        }
    }

    /// <summary>Instruction <paramref name="n"/> backward: its output's adjoint into its operands'.</summary>
    private static void RunBack<T, TMask, TCode, TRow>(in TCode program, TRow values, TRow adjoints, int n)
        where T : struct, IReal<T, TMask> where TMask : struct where TCode : struct, ITracedCode where TRow : struct, IChainRow<T>
    {
        var i = Decoded.Of(program, n);
        switch (i.Op)
        {
            case TracedOp.Binary:
                if (i.I0 == Arithmetic.Add) BinaryBackward<T, TMask, TCode, TRow, Addition>(program, values, adjoints, i);
                else if (i.I0 == Arithmetic.Subtract) BinaryBackward<T, TMask, TCode, TRow, Subtraction>(program, values, adjoints, i);
                else if (i.I0 == Arithmetic.Multiply) BinaryBackward<T, TMask, TCode, TRow, Multiplication>(program, values, adjoints, i);
                else BinaryBackward<T, TMask, TCode, TRow, Division>(program, values, adjoints, i);
                break;
            case TracedOp.Affine:
                if (i.A < 0) break;
                T scale = T.From(i.F0);
                for (int e = 0; e < i.I0; e++) adjoints[i.A + e] += scale * adjoints[i.Out + e];
                break;
            case TracedOp.Map:
                if (i.A >= 0) UnaryCodes.Visit(i.I1, i.F0, new MapBackward<T, TMask, TRow>(values, adjoints, i));
                break;
            case TracedOp.SumRows:
                if (i.A < 0) break;
                T factor = T.From(i.F0);
                for (int r = 0; r < i.I0; r++)
                for (int c = 0; c < i.I1; c++) adjoints[i.A + r * i.I1 + c] += factor * adjoints[i.Out + r];
                break;
            case TracedOp.Gather:
                if (i.A < 0) break;
                for (int r = 0; r < i.I0; r++)
                for (int j = 0; j < i.I3; j++) adjoints[i.A + r * i.I1 + i.I2 + j] += adjoints[i.Out + r * i.I3 + j];
                break;
            case TracedOp.Place:
                if (i.A < 0) break;
                for (int r = 0; r < i.I0; r++)
                for (int j = 0; j < i.I3; j++) adjoints[i.A + r * i.I3 + j] += adjoints[i.Out + r * i.I1 + i.I2 + j];
                break;
            case TracedOp.MatMul:
                for (int r = 0; r < i.I0; r++)
                for (int j = 0; j < i.I2; j++)
                {
                    T g = adjoints[i.Out + r * i.I2 + j];
                    for (int p = 0; p < i.I1; p++)
                    {
                        int right = Right(i, p, j);
                        if (i.A >= 0) adjoints[i.A + r * i.I1 + p] += g * Read<T, TMask, TCode, TRow>(program, values, i.B, right);
                        if (i.B >= 0) adjoints[i.B + right] += g * Read<T, TMask, TCode, TRow>(program, values, i.A, r * i.I1 + p);
                    }
                }
                break;
        }
    }

    /// <summary>out[r, c] = a[..] op b[..] with the tape's broadcasting (attributes 1 to 6: the shapes), by strides.</summary>
    private static void BinaryForward<T, TMask, TCode, TRow, TOp>(in TCode program, TRow values, in Decoded i)
        where T : struct, IReal<T, TMask> where TMask : struct where TCode : struct, ITracedCode where TRow : struct, IChainRow<T>
        where TOp : struct, IBinaryOp
    {
        var s = new Strides(i);
        for (int r = 0, e = 0; r < s.Rows; r++)
        for (int c = 0; c < s.Cols; c++, e++)
            values[i.Out + e] = TOp.Apply<T, TMask>(
                Read<T, TMask, TCode, TRow>(program, values, i.A, r * s.ARow + c * s.ACol),
                Read<T, TMask, TCode, TRow>(program, values, i.B, r * s.BRow + c * s.BCol));
    }

    /// <summary>The adjoints of a broadcast op's operands: each output's adjoint times the op's partial, added where the operand was read.</summary>
    private static void BinaryBackward<T, TMask, TCode, TRow, TOp>(in TCode program, TRow values, TRow adjoints, in Decoded i)
        where T : struct, IReal<T, TMask> where TMask : struct where TCode : struct, ITracedCode where TRow : struct, IChainRow<T>
        where TOp : struct, IBinaryOp
    {
        var s = new Strides(i);
        for (int r = 0, e = 0; r < s.Rows; r++)
        for (int c = 0; c < s.Cols; c++, e++)
        {
            int ia = r * s.ARow + c * s.ACol, ib = r * s.BRow + c * s.BCol;
            T g = adjoints[i.Out + e], x = Read<T, TMask, TCode, TRow>(program, values, i.A, ia), y = Read<T, TMask, TCode, TRow>(program, values, i.B, ib);
            if (i.A >= 0) adjoints[i.A + ia] += g * TOp.PartialX<T, TMask>(x, y);
            if (i.B >= 0) adjoints[i.B + ib] += g * TOp.PartialY<T, TMask>(x, y);
        }
    }

    /// <summary>Index of b[p, j] in a product with inner size k (attribute 1) and n columns (attribute 2); b stored (k, n), or (n, k) when attribute 3 says transposed.</summary>
    private static int Right(in Decoded i, int p, int j) => i.I3 != 0 ? j * i.I1 + p : p * i.I2 + j;

    /// <summary>out[e] = f(a[e]) for the function the visit names.</summary>
    private struct MapForward<T, TMask, TCode, TRow>(in TCode program, TRow values, in Decoded i) : IUnaryVisitor
        where T : struct, IReal<T, TMask> where TMask : struct where TCode : struct, ITracedCode where TRow : struct, IChainRow<T>
    {
        private TCode _program = program;
        private TRow _values = values;
        private readonly int _out = i.Out, _a = i.A, _length = i.I0;

        public void Visit<TFunction>(TFunction function) where TFunction : struct, IUnaryFunction
        {
            for (int e = 0; e < _length; e++)
                _values[_out + e] = function.Apply<T, TMask>(Read<T, TMask, TCode, TRow>(_program, _values, _a, e));
        }
    }

    /// <summary>adjoint(a[e]) += adjoint(out[e]) f'(a[e]) for the function the visit names (a is in the values).</summary>
    private struct MapBackward<T, TMask, TRow>(TRow values, TRow adjoints, in Decoded i) : IUnaryVisitor
        where T : struct, IReal<T, TMask> where TMask : struct where TRow : struct, IChainRow<T>
    {
        private TRow _values = values, _adjoints = adjoints;
        private readonly int _out = i.Out, _a = i.A, _length = i.I0;

        public void Visit<TFunction>(TFunction function) where TFunction : struct, IUnaryFunction
        {
            for (int e = 0; e < _length; e++)
                _adjoints[_a + e] += _adjoints[_out + e] * function.Derivative<T, TMask>(_values[_a + e]);
        }
    }

    /// <summary>One instruction's fields, read once (<see cref="Instruction"/> layout).</summary>
    private readonly struct Decoded(TracedOp op, int output, int a, int b, int i0, int i1, int i2, int i3, int i4, int i5, int i6, float f0, float f1)
    {
        public readonly TracedOp Op = op;
        public readonly int Out = output, A = a, B = b, I0 = i0, I1 = i1, I2 = i2, I3 = i3, I4 = i4, I5 = i5, I6 = i6;
        public readonly float F0 = f0, F1 = f1;

        public static Decoded Of<TCode>(in TCode program, int n) where TCode : struct, ITracedCode
        {
            int at = n * Instruction.Width, k = at + Instruction.Attributes;
            return new Decoded((TracedOp)(program.Code(at + Instruction.Op) & Instruction.OpMask),
                program.Code(at + Instruction.Out), program.Code(at + Instruction.A), program.Code(at + Instruction.B),
                program.Code(k), program.Code(k + 1), program.Code(k + 2), program.Code(k + 3), program.Code(k + 4), program.Code(k + 5), program.Code(k + 6),
                program.Number(n * Instruction.Floats), program.Number(n * Instruction.Floats + 1));
        }
    }

    /// <summary>
    /// A <see cref="TracedOp.Binary"/> instruction's output shape (attributes 1, 2) and how far each operand's index moves per
    /// output row and column: 0 along a dimension it is repeated over (size 1), as <see cref="Broadcast"/> indexes.
    /// </summary>
    private readonly struct Strides(in Decoded i)
    {
        public readonly int Rows = i.I1, Cols = i.I2;
        public readonly int ARow = i.I3 == 1 ? 0 : i.I4, ACol = i.I4 == 1 ? 0 : 1;
        public readonly int BRow = i.I5 == 1 ? 0 : i.I6, BCol = i.I6 == 1 ? 0 : 1;
    }
}
