namespace TorchEbm.Numerics;

/// <summary>
/// A float32 number the engine's formulas are written over once: <see cref="Real"/> (one float, for kernels) or
/// <see cref="Real8"/> (eight floats in a Vector256, eight chains of a host twin). A formula written against this interface
/// gives, lane by lane, the same bits in both: plain arithmetic is the same IEEE operation, and every transcendental goes
/// through the one scalar function the kernel calls (ILGPU's XMath).
/// </summary>
/// <remarks>
/// Only static members, resolved at compile time, so ILGPU compiles a formula over <see cref="Real"/> to straight-line
/// PTX (no calls, no local memory). Branches on a value become <see cref="Select"/> over a mask: both sides are computed
/// and one is kept per lane, so keep the sides cheap or share their work. Kernels take <see cref="Real"/> only; a kernel
/// registered with the KernelRegistry never has the numeric type as a type parameter.
/// </remarks>
/// <typeparam name="T">The number type itself.</typeparam>
/// <typeparam name="TMask">The result of a comparison: a bool per lane.</typeparam>
public interface IReal<T, TMask> : IArithmetic<T> where T : struct, IReal<T, TMask> where TMask : struct
{
    /// <summary>a * b + c as the kernels write it: a product rounded, then a sum rounded (not a fused multiply-add).</summary>
    static abstract T MultiplyAdd(T a, T b, T c);

    /// <summary>e^x (XMath.Exp).</summary>
    static abstract T Exp(T x);

    /// <summary>ln x (XMath.Log).</summary>
    static abstract T Log(T x);

    /// <summary>sqrt x (XMath.Sqrt).</summary>
    static abstract T Sqrt(T x);

    /// <summary>sin x (XMath.Sin).</summary>
    static abstract T Sin(T x);

    /// <summary>cos x (XMath.Cos).</summary>
    static abstract T Cos(T x);

    /// <summary>tanh x (XMath.Tanh).</summary>
    static abstract T Tanh(T x);

    /// <summary>|x| (XMath.Abs).</summary>
    static abstract T Abs(T x);

    /// <summary>max(a, b) (XMath.Max, with its NaN behaviour).</summary>
    static abstract T Max(T a, T b);

    /// <summary>a &gt; b, false where either is NaN.</summary>
    static abstract TMask GreaterThan(T a, T b);

    /// <summary>a &gt;= b, false where either is NaN.</summary>
    static abstract TMask GreaterOrEqual(T a, T b);

    /// <summary>a &lt; b, false where either is NaN.</summary>
    static abstract TMask LessThan(T a, T b);

    /// <summary>a == b, false where either is NaN.</summary>
    static abstract TMask Equal(T a, T b);

    /// <summary>Per lane: <paramref name="ifTrue"/> where <paramref name="mask"/> holds, else <paramref name="ifFalse"/>.</summary>
    static abstract T Select(TMask mask, T ifTrue, T ifFalse);
}
