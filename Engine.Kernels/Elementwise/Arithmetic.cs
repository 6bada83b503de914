using System.Runtime.Intrinsics;

namespace TorchEbm.Elementwise;

/// <summary>
/// The four element-wise arithmetic ops as data (the op code the broadcast kernels and traced programs carry), each
/// formula and its partial derivatives written once here: <see cref="BroadcastKernels"/> and the traced-energy
/// interpreter (<see cref="TorchEbm.Traced.TracedInterpreter"/>) both call these; the Vector256 overloads (eight chains
/// per vector, for host twins) are the same IEEE operations lane by lane, so they agree bit for bit.
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
    public static float Apply(int op, float x, float y) => op == Add ? x + y : op == Subtract ? x - y : op == Multiply ? x * y : x / y;

    /// <summary>d(x op y)/dx (<paramref name="operand"/> 0) or d(x op y)/dy (operand 1).</summary>
    public static float Partial(int op, int operand, float x, float y)
    {
        if (op == Add) return 1f;
        if (op == Subtract) return operand == 0 ? 1f : -1f;
        if (op == Multiply) return operand == 0 ? y : x;
        return operand == 0 ? 1f / y : -x / (y * y);
    }

    /// <summary>x op y lane by lane (host code).</summary>
    public static Vector256<float> Apply(int op, Vector256<float> x, Vector256<float> y) =>
        op == Add ? x + y : op == Subtract ? x - y : op == Multiply ? x * y : x / y;

    /// <summary><see cref="Partial(int, int, float, float)"/> lane by lane (host code).</summary>
    public static Vector256<float> Partial(int op, int operand, Vector256<float> x, Vector256<float> y)
    {
        if (op == Add) return Vector256<float>.One;
        if (op == Subtract) return operand == 0 ? Vector256<float>.One : -Vector256<float>.One;
        if (op == Multiply) return operand == 0 ? y : x;
        return operand == 0 ? Vector256<float>.One / y : -x / (y * y);
    }
}
