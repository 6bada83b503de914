using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TorchEbm.Numerics;

/// <summary>
/// Eight float32 lanes (a Vector256, one chain per lane) as an <see cref="IReal{T, TMask}"/>: what host twins instantiate
/// the engine's generic formulas with. Arithmetic and comparisons are vector operations (the same IEEE operation per lane);
/// every transcendental, <see cref="Abs"/> and <see cref="Max"/> go lane by lane through <see cref="Real"/>'s, so each lane
/// equals the kernel's float bit for bit. A mask is a Vector256 of all-ones or all-zeros lanes.
/// </summary>
/// <param name="value">The eight lanes.</param>
public readonly struct Real8(Vector256<float> value) : IReal<Real8, Vector256<float>>
{
    /// <summary>The eight lanes.</summary>
    public readonly Vector256<float> Value = value;

    /// <summary>Wraps eight lanes.</summary>
    public static implicit operator Real8(Vector256<float> value) => new(value);

    /// <summary>Unwraps the eight lanes.</summary>
    public static implicit operator Vector256<float>(Real8 value) => value.Value;

    /// <inheritdoc />
    public static Real8 From(float value) => new(Vector256.Create(value));

    /// <inheritdoc />
    public static Real8 operator +(Real8 a, Real8 b) => new(a.Value + b.Value);

    /// <inheritdoc />
    public static Real8 operator -(Real8 a, Real8 b) => new(a.Value - b.Value);

    /// <inheritdoc />
    public static Real8 operator *(Real8 a, Real8 b) => new(a.Value * b.Value);

    /// <inheritdoc />
    public static Real8 operator /(Real8 a, Real8 b) => new(a.Value / b.Value);

    /// <inheritdoc />
    public static Real8 operator -(Real8 a) => new(-a.Value);

    /// <inheritdoc />
    public static Real8 MultiplyAdd(Real8 a, Real8 b, Real8 c) => new(a.Value * b.Value + c.Value);

    /// <inheritdoc />
    public static Real8 Exp(Real8 x) => Lanewise<ExpOf>(x);

    /// <inheritdoc />
    public static Real8 Log(Real8 x) => Lanewise<LogOf>(x);

    /// <inheritdoc />
    public static Real8 Sqrt(Real8 x) => Lanewise<SqrtOf>(x);

    /// <inheritdoc />
    public static Real8 Sin(Real8 x) => Lanewise<SinOf>(x);

    /// <inheritdoc />
    public static Real8 Cos(Real8 x) => Lanewise<CosOf>(x);

    /// <inheritdoc />
    public static Real8 Tanh(Real8 x) => Lanewise<TanhOf>(x);

    /// <inheritdoc />
    public static Real8 Abs(Real8 x) => Lanewise<AbsOf>(x);

    /// <inheritdoc />
    public static Real8 Max(Real8 a, Real8 b)
    {
        Span<float> lanes = stackalloc float[Vector256<float>.Count];
        for (int l = 0; l < lanes.Length; l++) lanes[l] = Real.Max(a.Value.GetElement(l), b.Value.GetElement(l));
        return new(Vector256.Create<float>(lanes));
    }

    /// <inheritdoc />
    public static Vector256<float> GreaterThan(Real8 a, Real8 b) => Vector256.GreaterThan(a.Value, b.Value);

    /// <inheritdoc />
    public static Vector256<float> GreaterOrEqual(Real8 a, Real8 b) => Vector256.GreaterThanOrEqual(a.Value, b.Value);

    /// <inheritdoc />
    public static Vector256<float> LessThan(Real8 a, Real8 b) => Vector256.LessThan(a.Value, b.Value);

    /// <inheritdoc />
    public static Vector256<float> Equal(Real8 a, Real8 b) => Vector256.Equals(a.Value, b.Value);

    /// <inheritdoc />
    public static Real8 Select(Vector256<float> mask, Real8 ifTrue, Real8 ifFalse) => new(Vector256.ConditionalSelect(mask, ifTrue.Value, ifFalse.Value));

    /// <summary>Lane <paramref name="lane"/> as a float.</summary>
    public float this[int lane] => Value.GetElement(lane);

    /// <summary>f applied to each lane through <see cref="Real"/>'s function (the kernel's float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Real8 Lanewise<TF>(Real8 x) where TF : struct, IScalar
    {
        Vector256<float> v = x.Value;
        return new(Vector256.Create(
            TF.Of(v.GetElement(0)), TF.Of(v.GetElement(1)), TF.Of(v.GetElement(2)), TF.Of(v.GetElement(3)),
            TF.Of(v.GetElement(4)), TF.Of(v.GetElement(5)), TF.Of(v.GetElement(6)), TF.Of(v.GetElement(7))));
    }

    /// <summary>A scalar function of <see cref="Real"/>, applied lane by lane.</summary>
    private interface IScalar
    {
        static abstract float Of(float x);
    }

    private struct ExpOf : IScalar { public static float Of(float x) => Real.Exp(x); }
    private struct LogOf : IScalar { public static float Of(float x) => Real.Log(x); }
    private struct SqrtOf : IScalar { public static float Of(float x) => Real.Sqrt(x); }
    private struct SinOf : IScalar { public static float Of(float x) => Real.Sin(x); }
    private struct CosOf : IScalar { public static float Of(float x) => Real.Cos(x); }
    private struct TanhOf : IScalar { public static float Of(float x) => Real.Tanh(x); }
    private struct AbsOf : IScalar { public static float Of(float x) => Real.Abs(x); }
}
