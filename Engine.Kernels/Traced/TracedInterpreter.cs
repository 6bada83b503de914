using System.Runtime.CompilerServices;
using TorchEbm.Elementwise;
using TorchEbm.Functions;
using TorchEbm.Numerics;
using TorchEbm.Reductions;

namespace TorchEbm.Traced;

/// <summary>
/// Runs a traced program for one chain, or for eight at once: a forward sweep over the instructions writes every value into
/// the chain's rows, then a reverse sweep over the instructions that read x adds each output's adjoint into its operands'
/// adjoints (the tape's backward steps, per row), ending with dE/dx in the adjoints of x's slots. Written once, generic over
/// the numeric type and the rows' layout: the kernel runs it over <see cref="Real"/> and <see cref="InterleavedRows"/>
/// (<see cref="TracedSource"/>), the host twin over <see cref="Real8"/> and <see cref="LaneRows"/>, eight chains per vector,
/// so every lane equals the kernel bit for bit. No allocation, float32; every chain runs the same instructions, so a GPU
/// warp does not diverge.
/// </summary>
/// <remarks>
/// Each instruction is decoded once, then runs a loop specialised for its op: arithmetic through the op's
/// <see cref="IBinaryOp"/> struct (one dispatch per instruction, <see cref="Arithmetic.Visit{TVisitor}"/>; broadcasting by
/// strides, no division per element), element-wise functions through their
/// <see cref="IUnaryFunction"/> struct (one dispatch per instruction, <see cref="UnaryCodes.Visit"/>). Formulas live in
/// those structs only; the loops copy what they read of the instruction into locals, so the host's JIT keeps them in
/// registers across the stores.
/// </remarks>
public static class TracedInterpreter
{
    /// <summary>The forward sweep: every value of the program from x, which the caller has put in slots 0 .. d - 1.</summary>
    /// <param name="program">The program.</param>
    /// <param name="rows">The chain's rows.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T, TMask, TCode, TRows>(in TCode program, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TCode : struct, ITracedCode where TRows : struct, IChainRows<T>
    {
        for (int n = 0; n < program.Length; n++) Run<T, TMask, TRows>(program[n], rows);
    }

    /// <summary>
    /// The reverse sweep after <see cref="Forward{T, TMask, TCode, TRows}"/>: clears the adjoints, seeds the energy's with 1
    /// and leaves dE/dx in the adjoints of slots 0 .. d - 1.
    /// </summary>
    /// <param name="program">The program.</param>
    /// <param name="rows">The chain's rows, with the values the forward sweep left.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T, TMask, TCode, TRows>(in TCode program, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TCode : struct, ITracedCode where TRows : struct, IChainRows<T>
    {
        for (int i = 0; i < program.Values; i++) rows.SetAdjoint(i, T.From(0f));
        rows.SetAdjoint(program.Result, T.From(1f));
        for (int n = program.Length - 1; n >= 0; n--)
        {
            TracedInstruction instruction = program[n];
            if (instruction.ReadsX) RunBack<T, TMask, TRows>(instruction, rows);
        }
    }

    /// <summary>One instruction forward.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<T, TMask, TRows>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        switch (i.Op)
        {
            case TracedOp.Binary:
                var forward = new BinaryStep<T, TMask, TRows>(i, rows, false);
                Arithmetic.Visit(i.I0, ref forward);
                break;
            case TracedOp.Affine: AffineForward<T, TMask, TRows>(i, rows); break;
            case TracedOp.Map: UnaryCodes.Visit(i.I1, i.F0, new MapForward<T, TMask, TRows>(i, rows)); break;
            case TracedOp.SumRows: SumRowsForward<T, TMask, TRows>(i, rows); break;
            case TracedOp.Gather: GatherForward<T, TMask, TRows>(i, rows); break;
            case TracedOp.Place: PlaceForward<T, TMask, TRows>(i, rows); break;
            case TracedOp.MatMul: MatMulForward<T, TMask, TRows>(i, rows); break;
            case TracedOp.LogSumExpRows: LogSumExpForward<T, TMask, TRows>(i, rows); break;
        }
    }

    /// <summary>One instruction backward: its output's adjoint into its operands' (those in the values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunBack<T, TMask, TRows>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        switch (i.Op)
        {
            case TracedOp.Binary:
                var backward = new BinaryStep<T, TMask, TRows>(i, rows, true);
                Arithmetic.Visit(i.I0, ref backward);
                break;
            case TracedOp.Affine: if (i.A >= 0) AffineBackward<T, TMask, TRows>(i, rows); break;
            case TracedOp.Map: if (i.A >= 0) UnaryCodes.Visit(i.I1, i.F0, new MapBackward<T, TMask, TRows>(i, rows)); break;
            case TracedOp.SumRows: if (i.A >= 0) SumRowsBackward<T, TMask, TRows>(i, rows); break;
            case TracedOp.Gather: if (i.A >= 0) GatherBackward<T, TMask, TRows>(i, rows); break;
            case TracedOp.Place: if (i.A >= 0) PlaceBackward<T, TMask, TRows>(i, rows); break;
            case TracedOp.MatMul: MatMulBackward<T, TMask, TRows>(i, rows); break;
            case TracedOp.LogSumExpRows: if (i.A >= 0) LogSumExpBackward<T, TMask, TRows>(i, rows); break;
        }
    }

    /// <summary>adjoint(slot) += value.</summary>
    private static void Accumulate<T, TMask, TRows>(TRows rows, int slot, T value)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T> =>
        rows.SetAdjoint(slot, rows.Adjoint(slot) + value);

    /// <summary>out[r, c] = a[..] op b[..] with the tape's broadcasting (attributes 1 to 6: the shapes), by strides.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BinaryForward<T, TMask, TRows, TOp>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T> where TOp : struct, IBinaryOp
    {
        var s = new Strides(i);
        int output = i.Out, a = rows.Operand(i.A), b = rows.Operand(i.B);
        for (int r = 0, e = 0; r < s.Rows; r++)
        for (int c = 0; c < s.Cols; c++, e++)
            rows.SetValue(output + e, TOp.Apply<T>(rows.Load(a, r * s.ARow + c * s.ACol), rows.Load(b, r * s.BRow + c * s.BCol)));
    }

    /// <summary>The adjoints of a broadcast op's operands: each output's adjoint times the op's partial, added where the operand was read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BinaryBackward<T, TMask, TRows, TOp>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T> where TOp : struct, IBinaryOp
    {
        var s = new Strides(i);
        int output = i.Out, slotA = i.A, slotB = i.B, a = rows.Operand(slotA), b = rows.Operand(slotB);
        for (int r = 0, e = 0; r < s.Rows; r++)
        for (int c = 0; c < s.Cols; c++, e++)
        {
            int ia = r * s.ARow + c * s.ACol, ib = r * s.BRow + c * s.BCol;
            T g = rows.Adjoint(output + e), x = rows.Load(a, ia), y = rows.Load(b, ib);
            if (slotA >= 0) Accumulate<T, TMask, TRows>(rows, slotA + ia, g * TOp.PartialX<T>(x, y));
            if (slotB >= 0) Accumulate<T, TMask, TRows>(rows, slotB + ib, g * TOp.PartialY<T>(x, y));
        }
    }

    /// <summary>out[e] = scale a[e] + shift (attribute 0: the length; floats: scale, shift).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AffineForward<T, TMask, TRows>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        T scale = T.From(i.F0), shift = T.From(i.F1);
        int output = i.Out, a = rows.Operand(i.A), length = i.I0;
        for (int e = 0; e < length; e++) rows.SetValue(output + e, T.MultiplyAdd(scale, rows.Load(a, e), shift));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AffineBackward<T, TMask, TRows>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        T scale = T.From(i.F0);
        int output = i.Out, a = i.A, length = i.I0;
        for (int e = 0; e < length; e++) Accumulate<T, TMask, TRows>(rows, a + e, scale * rows.Adjoint(output + e));
    }

    /// <summary>out[r] = factor * sum over c of a[r, c], <see cref="Sums.Of{T, TTerms}"/> (attributes: rows, columns; float: the factor).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumRowsForward<T, TMask, TRows>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        T factor = T.From(i.F0);
        int output = i.Out, a = rows.Operand(i.A), count = i.I0, cols = i.I1;
        for (int r = 0; r < count; r++)
            rows.SetValue(output + r, factor * Sums.Of<T, RowTerms<T, TRows>>(new RowTerms<T, TRows>(rows, a, r * cols), cols));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumRowsBackward<T, TMask, TRows>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        T factor = T.From(i.F0);
        int output = i.Out, a = i.A, count = i.I0, cols = i.I1;
        for (int r = 0; r < count; r++)
        {
            T g = factor * rows.Adjoint(output + r);
            for (int c = 0; c < cols; c++) Accumulate<T, TMask, TRows>(rows, a + r * cols + c, g);
        }
    }

    /// <summary>out[r, j] = a[r, start + j] (attributes: rows, a's columns, start, columns taken).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GatherForward<T, TMask, TRows>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        int output = i.Out, a = rows.Operand(i.A), count = i.I0, cols = i.I1, start = i.I2, taken = i.I3;
        for (int r = 0; r < count; r++)
        for (int j = 0; j < taken; j++) rows.SetValue(output + r * taken + j, rows.Load(a, r * cols + start + j));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GatherBackward<T, TMask, TRows>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        int output = i.Out, a = i.A, count = i.I0, cols = i.I1, start = i.I2, taken = i.I3;
        for (int r = 0; r < count; r++)
        for (int j = 0; j < taken; j++) Accumulate<T, TMask, TRows>(rows, a + r * cols + start + j, rows.Adjoint(output + r * taken + j));
    }

    /// <summary>out[r, offset + j] = a[r, j] (attributes: rows, out's columns, offset, a's columns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PlaceForward<T, TMask, TRows>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        int output = i.Out, a = rows.Operand(i.A), count = i.I0, cols = i.I1, offset = i.I2, width = i.I3;
        for (int r = 0; r < count; r++)
        for (int j = 0; j < width; j++) rows.SetValue(output + r * cols + offset + j, rows.Load(a, r * width + j));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PlaceBackward<T, TMask, TRows>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        int output = i.Out, a = i.A, count = i.I0, cols = i.I1, offset = i.I2, width = i.I3;
        for (int r = 0; r < count; r++)
        for (int j = 0; j < width; j++) Accumulate<T, TMask, TRows>(rows, a + r * width + j, rows.Adjoint(output + r * cols + offset + j));
    }

    /// <summary>out[r] = log sum over c of exp(a[r, c]) (attributes: rows, columns), <see cref="LogSumExps.Of{T, TMask, TTerms}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LogSumExpForward<T, TMask, TRows>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        int output = i.Out, a = rows.Operand(i.A), count = i.I0, cols = i.I1;
        for (int r = 0; r < count; r++)
            rows.SetValue(output + r, LogSumExps.Of<T, TMask, RowTerms<T, TRows>>(new RowTerms<T, TRows>(rows, a, r * cols), cols));
    }

    /// <summary>adjoint(a[r, c]) += adjoint(out[r]) softmax(a[r, c]), in column order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LogSumExpBackward<T, TMask, TRows>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        int output = i.Out, a = i.A, count = i.I0, cols = i.I1;
        for (int r = 0; r < count; r++)
        {
            T g = rows.Adjoint(output + r), lse = rows.Value(output + r);
            for (int c = 0; c < cols; c++)
            {
                int slot = a + r * cols + c;
                Accumulate<T, TMask, TRows>(rows, slot, g * LogSumExps.Softmax<T, TMask>(rows.Value(slot), lse));
            }
        }
    }

    /// <summary>
    /// The terms of one row of a resolved operand: elements first, first + 1, ... (an offset into the operand, not into the
    /// operand's resolution, since a constant's resolution need not grow with its index).
    /// </summary>
    private readonly struct RowTerms<T, TRows>(TRows rows, int operand, int first) : ITerms<T> where TRows : struct, IChainRows<T>
    {
        public T this[int k] => rows.Load(operand, first + k);
    }

    /// <summary>
    /// out[r, j] = sum over p of a[r, p] b[p, j] (attributes: m, inner size k, columns n, whether b is stored transposed (n, k)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MatMulForward<T, TMask, TRows>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        int output = i.Out, a = rows.Operand(i.A), b = rows.Operand(i.B), m = i.I0, k = i.I1, n = i.I2;
        int pStride = i.I3 != 0 ? 1 : n, jStride = i.I3 != 0 ? k : 1; // b[p, j] at p * pStride + j * jStride
        for (int r = 0; r < m; r++)
        for (int j = 0; j < n; j++)
        {
            T sum = T.From(0f);
            for (int p = 0; p < k; p++) sum += rows.Load(a, r * k + p) * rows.Load(b, p * pStride + j * jStride);
            rows.SetValue(output + r * n + j, sum);
        }
    }

    /// <remarks>With b a constant (x W: only a's adjoints), each adjoint of a is summed in a local over the columns, in the
    /// order the general loop adds them, then stored once.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MatMulBackward<T, TMask, TRows>(in TracedInstruction i, TRows rows)
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        int output = i.Out, slotA = i.A, slotB = i.B, a = rows.Operand(slotA), b = rows.Operand(slotB), m = i.I0, k = i.I1, n = i.I2;
        int pStride = i.I3 != 0 ? 1 : n, jStride = i.I3 != 0 ? k : 1;
        if (slotB < 0)
        {
            if (slotA < 0) return;
            for (int r = 0; r < m; r++)
            for (int p = 0; p < k; p++)
            {
                T sum = rows.Adjoint(slotA + r * k + p);
                for (int j = 0; j < n; j++) sum += rows.Adjoint(output + r * n + j) * rows.Load(b, p * pStride + j * jStride);
                rows.SetAdjoint(slotA + r * k + p, sum);
            }
            return;
        }
        for (int r = 0; r < m; r++)
        for (int j = 0; j < n; j++)
        {
            T g = rows.Adjoint(output + r * n + j);
            for (int p = 0; p < k; p++)
            {
                int right = p * pStride + j * jStride;
                if (slotA >= 0) Accumulate<T, TMask, TRows>(rows, slotA + r * k + p, g * rows.Load(b, right));
                if (slotB >= 0) Accumulate<T, TMask, TRows>(rows, slotB + right, g * rows.Load(a, r * k + p));
            }
        }
    }

    /// <summary>A <see cref="TracedOp.Binary"/> instruction forward or backward for the op the visit names.</summary>
    private readonly struct BinaryStep<T, TMask, TRows>(in TracedInstruction i, TRows rows, bool backward) : IBinaryVisitor
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        private readonly TracedInstruction _instruction = i;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Visit<TOp>() where TOp : struct, IBinaryOp
        {
            if (backward) BinaryBackward<T, TMask, TRows, TOp>(_instruction, rows);
            else BinaryForward<T, TMask, TRows, TOp>(_instruction, rows);
        }
    }

    /// <summary>out[e] = f(a[e]) for the function the visit names.</summary>
    private readonly struct MapForward<T, TMask, TRows>(in TracedInstruction i, TRows rows) : IUnaryVisitor
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        private readonly int _out = i.Out, _a = i.A, _length = i.I0;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Visit<TFunction>(TFunction function) where TFunction : struct, IUnaryFunction
        {
            TRows r = rows;
            int output = _out, a = r.Operand(_a), length = _length;
            for (int e = 0; e < length; e++) r.SetValue(output + e, function.Apply<T, TMask>(r.Load(a, e)));
        }
    }

    /// <summary>adjoint(a[e]) += adjoint(out[e]) f'(a[e]) for the function the visit names (a is in the values).</summary>
    private readonly struct MapBackward<T, TMask, TRows>(in TracedInstruction i, TRows rows) : IUnaryVisitor
        where T : struct, IReal<T, TMask> where TMask : struct where TRows : struct, IChainRows<T>
    {
        private readonly int _out = i.Out, _a = i.A, _length = i.I0;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Visit<TFunction>(TFunction function) where TFunction : struct, IUnaryFunction
        {
            TRows r = rows;
            int output = _out, a = _a, length = _length;
            for (int e = 0; e < length; e++)
                Accumulate<T, TMask, TRows>(r, a + e, r.Adjoint(output + e) * function.Derivative<T, TMask>(r.Value(a + e)));
        }
    }

    /// <summary>
    /// A <see cref="TracedOp.Binary"/> instruction's output shape (attributes 1, 2) and how far each operand's index moves per
    /// output row and column: 0 along a dimension it is repeated over (size 1), as <see cref="Broadcast"/> indexes (also what
    /// <see cref="TracedCompiler"/> unrolls).
    /// </summary>
    internal readonly struct Strides(in TracedInstruction i)
    {
        public readonly int Rows = i.I1, Cols = i.I2;
        public readonly int ARow = i.I3 == 1 ? 0 : i.I4, ACol = i.I4 == 1 ? 0 : 1;
        public readonly int BRow = i.I5 == 1 ? 0 : i.I6, BCol = i.I6 == 1 ? 0 : 1;
    }
}
