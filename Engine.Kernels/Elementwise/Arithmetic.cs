using System.Runtime.CompilerServices;
using TorchEbm.Numerics;

namespace TorchEbm.Elementwise;

/// <summary>
/// The four element-wise arithmetic ops as data: the op codes tapes and traced programs carry, each mapped to its
/// <see cref="IBinaryOp"/> struct (<see cref="Addition"/>, <see cref="Subtraction"/>, <see cref="Multiplication"/>,
/// <see cref="Division"/>), where the formula and its partial derivatives are written once; <see cref="Visit{TVisitor}"/>
/// holds the map from code to struct.
/// </summary>
public static class Arithmetic
{
    /// <summary>Op code of a + b.</summary>
    public const int Add = 0;

    /// <summary>Op code of a - b.</summary>
    public const int Subtract = 1;

    /// <summary>Op code of a * b.</summary>
    public const int Multiply = 2;

    /// <summary>Op code of a / b (IEEE division: x / 0 is infinite).</summary>
    public const int Divide = 3;

    /// <summary>
    /// Calls <paramref name="visitor"/> with the <see cref="IBinaryOp"/> struct of <paramref name="op"/>: the one map from
    /// an op code to its formula (kernels, host twins and the traced interpreter all dispatch through it), once per
    /// loop, so the visitor's loop over elements is specialised to the op.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Visit<TVisitor>(int op, ref TVisitor visitor) where TVisitor : struct, IBinaryVisitor, allows ref struct
    {
        switch (op)
        {
            case Add: visitor.Visit<Addition>(); break;
            case Subtract: visitor.Visit<Subtraction>(); break;
            case Multiply: visitor.Visit<Multiplication>(); break;
            default: visitor.Visit<Division>(); break;
        }
    }

    /// <summary>x op y.</summary>
    public static T Apply<T>(int op, T x, T y) where T : struct, IArithmetic<T>
    {
        var apply = new Applied<T>(x, y, -1);
        Visit(op, ref apply);
        return apply.Result;
    }

    /// <summary>d(x op y)/dx (<paramref name="operand"/> 0) or d(x op y)/dy (operand 1).</summary>
    public static T Partial<T>(int op, int operand, T x, T y) where T : struct, IArithmetic<T>
    {
        var partial = new Applied<T>(x, y, operand);
        Visit(op, ref partial);
        return partial.Result;
    }

    /// <summary>x op y in float32 (<see cref="Apply{T}"/> over <see cref="Real"/>).</summary>
    public static float Apply(int op, float x, float y) => Apply<Real>(op, x, y);

    /// <summary>d(x op y)/dx or d(x op y)/dy in float32.</summary>
    public static float Partial(int op, int operand, float x, float y) => Partial<Real>(op, operand, x, y);

    /// <summary>x op y (operand -1), or its partial in x (0) or y (1), left in <see cref="Result"/>.</summary>
    private struct Applied<T>(T x, T y, int operand) : IBinaryVisitor where T : struct, IArithmetic<T>
    {
        public T Result;

        public void Visit<TOp>() where TOp : struct, IBinaryOp =>
            Result = operand < 0 ? TOp.Apply<T>(x, y)
                : operand == 0 ? TOp.PartialX<T>(x, y) : TOp.PartialY<T>(x, y);
    }
}
