using TorchEbm.Numerics;

namespace TorchEbm.Elementwise;

/// <summary>
/// The four element-wise arithmetic ops as data: the op codes tapes and traced programs carry, each mapped to its
/// <see cref="IBinaryOp"/> struct (<see cref="Addition"/>, <see cref="Subtraction"/>, <see cref="Multiplication"/>,
/// <see cref="Division"/>), where the formula and its partial derivatives are written once. <see cref="BroadcastKernels"/>
/// call these; the traced interpreter dispatches on the code once per instruction and runs the struct's loop.
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

    /// <summary>x op y.</summary>
    public static T Apply<T, TMask>(int op, T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => op switch
    {
        Add => Addition.Apply<T, TMask>(x, y),
        Subtract => Subtraction.Apply<T, TMask>(x, y),
        Multiply => Multiplication.Apply<T, TMask>(x, y),
        _ => Division.Apply<T, TMask>(x, y),
    };

    /// <summary>d(x op y)/dx (<paramref name="operand"/> 0) or d(x op y)/dy (operand 1).</summary>
    public static T Partial<T, TMask>(int op, int operand, T x, T y) where T : struct, IReal<T, TMask> where TMask : struct => op switch
    {
        Add => operand == 0 ? Addition.PartialX<T, TMask>(x, y) : Addition.PartialY<T, TMask>(x, y),
        Subtract => operand == 0 ? Subtraction.PartialX<T, TMask>(x, y) : Subtraction.PartialY<T, TMask>(x, y),
        Multiply => operand == 0 ? Multiplication.PartialX<T, TMask>(x, y) : Multiplication.PartialY<T, TMask>(x, y),
        _ => operand == 0 ? Division.PartialX<T, TMask>(x, y) : Division.PartialY<T, TMask>(x, y),
    };

    /// <summary>x op y in float32 (<see cref="Apply{T, TMask}"/> over <see cref="Real"/>).</summary>
    public static float Apply(int op, float x, float y) => Apply<Real, bool>(op, x, y);

    /// <summary>d(x op y)/dx or d(x op y)/dy in float32.</summary>
    public static float Partial(int op, int operand, float x, float y) => Partial<Real, bool>(op, operand, x, y);
}
