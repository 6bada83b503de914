using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPU;
using TorchEbm.Autodiff;
using TorchEbm.Elementwise;
using TorchEbm.Energies;
using TorchEbm.Functions;
using TorchEbm.Traced;

namespace TorchEbm.Models;

/// <summary>
/// The host twin of <see cref="TracedInterpreter"/>: a traced program evaluated for eight chains at once, one chain per lane
/// of a Vector256, so the CPU lane twins of the samplers (<see cref="Kernels.Samplers.Lanes.CpuChains"/>) run a traced
/// energy as they run the built-in ones. The same sweeps in the same order: arithmetic through <see cref="Arithmetic"/>'s
/// vector overloads, element-wise functions lane by lane through the kernel's own <see cref="UnaryCodes"/>, so each lane
/// equals the kernel bit for bit.
/// </summary>
/// <remarks>Kept equal to <see cref="TracedInterpreter"/> by TracedEnergyTests (a change to one is a change to both).</remarks>
/// <param name="program">The program.</param>
/// <param name="pool">The constant pool as the run's launch filled it.</param>
internal readonly struct TracedLanes(EnergyProgram program, float[] pool) : IHostEnergy
{
    [ThreadStatic] private static Vector256<float>[]? t_scratch;

    /// <summary>Not used: the lane twin evaluates eight chains through <see cref="EnergyAndGradient"/>.</summary>
    public float Energy(ArrayView<float> x) => throw new NotSupportedException("TracedLanes is host code for eight chains at once.");

    /// <summary>Not used: the lane twin evaluates eight chains through <see cref="EnergyAndGradient"/>.</summary>
    public void AddGradient(ArrayView<float> x, ArrayView<float> gradient, float weight) =>
        throw new NotSupportedException("TracedLanes is host code for eight chains at once.");

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Vector256<float> EnergyAndGradient(ReadOnlySpan<Vector256<float>> x, Span<Vector256<float>> gradient, bool energy)
    {
        int v = program.Values;
        Vector256<float>[] scratch = t_scratch is { } s && s.Length >= 2 * v ? s : t_scratch = new Vector256<float>[2 * v];
        Span<Vector256<float>> values = scratch.AsSpan(0, v), adjoints = scratch.AsSpan(v, v);
        x.CopyTo(values);
        int[] code = program.Code;
        for (int n = 0; n < program.Length; n++) Forward(code, n, values);
        adjoints.Clear();
        adjoints[program.Result] = Vector256<float>.One;
        for (int n = program.Length - 1; n >= 0; n--)
            if ((code[n * Instruction.Width + Instruction.Op] & Instruction.ReadsX) != 0) Backward(code, n, values, adjoints);
        adjoints[..gradient.Length].CopyTo(gradient);
        return values[program.Result];
    }

    private Vector256<float> Read(ReadOnlySpan<Vector256<float>> values, int slot, int index) =>
        slot >= 0 ? values[slot + index] : Vector256.Create(pool[-slot - 1 + index]);

    private static Vector256<float> Map(int function, float parameter, Vector256<float> x, bool derivative)
    {
        if (function == (int)UnaryCode.Square) return derivative ? new Square().Derivative(x) : new Square().Apply(x); // the common one, vectorised
        Span<float> lanes = stackalloc float[Vector256<float>.Count];
        for (int l = 0; l < lanes.Length; l++)
            lanes[l] = derivative ? UnaryCodes.Derivative(function, parameter, x.GetElement(l)) : UnaryCodes.Apply(function, parameter, x.GetElement(l));
        return Vector256.Create<float>(lanes);
    }

    private void Forward(int[] code, int n, Span<Vector256<float>> values)
    {
        int at = n * Instruction.Width, op = code[at + Instruction.Op] & Instruction.OpMask;
        int output = code[at + Instruction.Out], a = code[at + Instruction.A], b = code[at + Instruction.B];
        ReadOnlySpan<int> i = code.AsSpan(at + Instruction.Attributes, Instruction.Width - Instruction.Attributes);
        float f0 = program.Numbers[n * Instruction.Floats], f1 = program.Numbers[n * Instruction.Floats + 1];
        switch ((TracedOp)op)
        {
            case TracedOp.Binary:
                var shape = new Broadcast(i[1], i[2], i[3], i[4], i[5], i[6]);
                for (int e = 0; e < shape.Rows * shape.Cols; e++)
                {
                    int r = e / shape.Cols, c = e - r * shape.Cols;
                    values[output + e] = Arithmetic.Apply(i[0], Read(values, a, shape.A(r, c)), Read(values, b, shape.B(r, c)));
                }
                break;
            case TracedOp.Affine:
                for (int e = 0; e < i[0]; e++) values[output + e] = Vector256.Create(f0) * Read(values, a, e) + Vector256.Create(f1);
                break;
            case TracedOp.Map:
                for (int e = 0; e < i[0]; e++) values[output + e] = Map(i[1], f0, Read(values, a, e), derivative: false);
                break;
            case TracedOp.SumRows:
                for (int r = 0; r < i[0]; r++)
                {
                    Vector256<float> sum = Vector256<float>.Zero;
                    for (int c = 0; c < i[1]; c++) sum += Read(values, a, r * i[1] + c);
                    values[output + r] = Vector256.Create(f0) * sum;
                }
                break;
            case TracedOp.Gather:
                for (int r = 0; r < i[0]; r++)
                for (int j = 0; j < i[3]; j++) values[output + r * i[3] + j] = Read(values, a, r * i[1] + i[2] + j);
                break;
            case TracedOp.Place:
                for (int r = 0; r < i[0]; r++)
                for (int j = 0; j < i[3]; j++) values[output + r * i[1] + i[2] + j] = Read(values, a, r * i[3] + j);
                break;
            case TracedOp.MatMul:
                for (int r = 0; r < i[0]; r++)
                for (int j = 0; j < i[2]; j++)
                {
                    Vector256<float> sum = Vector256<float>.Zero;
                    for (int p = 0; p < i[1]; p++) sum += Read(values, a, r * i[1] + p) * Read(values, b, Right(i[1], i[2], i[3], p, j));
                    values[output + r * i[2] + j] = sum;
                }
                break;
        }
    }

    private void Backward(int[] code, int n, Span<Vector256<float>> values, Span<Vector256<float>> adjoints)
    {
        int at = n * Instruction.Width, op = code[at + Instruction.Op] & Instruction.OpMask;
        int output = code[at + Instruction.Out], a = code[at + Instruction.A], b = code[at + Instruction.B];
        ReadOnlySpan<int> i = code.AsSpan(at + Instruction.Attributes, Instruction.Width - Instruction.Attributes);
        float f0 = program.Numbers[n * Instruction.Floats];
        switch ((TracedOp)op)
        {
            case TracedOp.Binary:
                var shape = new Broadcast(i[1], i[2], i[3], i[4], i[5], i[6]);
                for (int e = 0; e < shape.Rows * shape.Cols; e++)
                {
                    int r = e / shape.Cols, c = e - r * shape.Cols, ia = shape.A(r, c), ib = shape.B(r, c);
                    Vector256<float> g = adjoints[output + e], x = Read(values, a, ia), y = Read(values, b, ib);
                    if (a >= 0) adjoints[a + ia] += g * Arithmetic.Partial(i[0], 0, x, y);
                    if (b >= 0) adjoints[b + ib] += g * Arithmetic.Partial(i[0], 1, x, y);
                }
                break;
            case TracedOp.Affine:
                if (a >= 0) for (int e = 0; e < i[0]; e++) adjoints[a + e] += Vector256.Create(f0) * adjoints[output + e];
                break;
            case TracedOp.Map:
                if (a >= 0) for (int e = 0; e < i[0]; e++) adjoints[a + e] += adjoints[output + e] * Map(i[1], f0, values[a + e], derivative: true);
                break;
            case TracedOp.SumRows:
                if (a >= 0)
                    for (int r = 0; r < i[0]; r++)
                    for (int c = 0; c < i[1]; c++) adjoints[a + r * i[1] + c] += Vector256.Create(f0) * adjoints[output + r];
                break;
            case TracedOp.Gather:
                if (a >= 0)
                    for (int r = 0; r < i[0]; r++)
                    for (int j = 0; j < i[3]; j++) adjoints[a + r * i[1] + i[2] + j] += adjoints[output + r * i[3] + j];
                break;
            case TracedOp.Place:
                if (a >= 0)
                    for (int r = 0; r < i[0]; r++)
                    for (int j = 0; j < i[3]; j++) adjoints[a + r * i[3] + j] += adjoints[output + r * i[1] + i[2] + j];
                break;
            case TracedOp.MatMul:
                for (int r = 0; r < i[0]; r++)
                for (int j = 0; j < i[2]; j++)
                {
                    Vector256<float> g = adjoints[output + r * i[2] + j];
                    for (int p = 0; p < i[1]; p++)
                    {
                        int right = Right(i[1], i[2], i[3], p, j);
                        if (a >= 0) adjoints[a + r * i[1] + p] += g * Read(values, b, right);
                        if (b >= 0) adjoints[b + right] += g * Read(values, a, r * i[1] + p);
                    }
                }
                break;
        }
    }

    /// <summary>As the kernel's: index of b[p, j] in a product with inner size k and n columns (b transposed: (n, k)).</summary>
    private static int Right(int k, int columns, int transposed, int p, int j) => transposed != 0 ? j * k + p : p * columns + j;
}
