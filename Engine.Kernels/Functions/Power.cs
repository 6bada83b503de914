using ILGPU.Algorithms;
using TorchEbm.Numerics;

namespace TorchEbm.Functions;

/// <summary>
/// x^p for a constant exponent p, as PyTorch's pow: a negative x gives a real result only for an integer p (NaN
/// otherwise); 0^p is 0 for p &gt; 0, 1 for p = 0 and infinity for p &lt; 0.
/// </summary>
/// <remarks>
/// Integer exponents up to <see cref="MaxMultipliedExponent"/> in magnitude are products (square and multiply; 1 / x^|p| for
/// negative p), so a power that float32 represents is exact (3^3 = 27, (-3)^4 = 81) and (-0)^-1 is -Infinity as in PyTorch.
/// Other exponents go through exp(p ln |x|) with the sign of an odd integer power (XMath.Pow goes through float64 in PTX).
/// </remarks>
public readonly struct Power(float exponent) : IUnaryFunction
{
    /// <summary>Largest |p| of an integer exponent computed by multiplication (at most 6 squarings).</summary>
    public const int MaxMultipliedExponent = 64;

    /// <summary>The exponent p.</summary>
    public readonly float Exponent = exponent;

    /// <summary>f(x), written once for every numeric type.</summary>
    public T Apply<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct => Raise<T, TMask>(x, Exponent);

    /// <summary>f'(x).</summary>
    public T Derivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        Exponent == 0f ? T.From(0f) : T.From(Exponent) * Raise<T, TMask>(x, Exponent - 1f);

    /// <summary>f''(x).</summary>
    public T SecondDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct
    {
        float factor = Exponent * (Exponent - 1f);
        return factor == 0f ? T.From(0f) : T.From(factor) * Raise<T, TMask>(x, Exponent - 2f);
    }

    /// <summary>f'''(x).</summary>
    public T ThirdDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct
    {
        float factor = Exponent * (Exponent - 1f) * (Exponent - 2f);
        return factor == 0f ? T.From(0f) : T.From(factor) * Raise<T, TMask>(x, Exponent - 3f);
    }

    /// <inheritdoc />
    public float Apply(float x) => Apply<Real, bool>(x);

    /// <inheritdoc />
    public float Derivative(float x) => Derivative<Real, bool>(x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => SecondDerivative<Real, bool>(x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => ThirdDerivative<Real, bool>(x);

    /// <summary>x^p: branches on p (the same for every lane), a select per lane on x's sign and zero.</summary>
    private static T Raise<T, TMask>(T x, float p) where T : struct, IReal<T, TMask> where TMask : struct
    {
        if (p == 0f) return T.From(1f);
        bool integer = XMath.Floor(p) == p;
        if (XMath.Abs(p) <= MaxMultipliedExponent && integer) return Multiplied<T, TMask>(x, (int)p);
        T zero = T.From(0f), magnitude = T.Abs(x);
        T result = T.Exp(T.From(p) * T.Log(magnitude));
        T negative = !integer ? T.From(float.NaN) : XMath.Floor(p * 0.5f) * 2f == p ? result : -result; // even: positive, odd: negative
        T signed = T.Select(T.GreaterThan(x, zero), result, negative);
        return T.Select(T.Equal(magnitude, zero), T.From(p > 0f ? 0f : float.PositiveInfinity), signed);
    }

    /// <summary>x^n for an integer n != 0 by squaring and multiplying: one rounding per product.</summary>
    private static T Multiplied<T, TMask>(T x, int n) where T : struct, IReal<T, TMask> where TMask : struct
    {
        int k = n < 0 ? -n : n;
        T result = T.From(1f), factor = x;
        while (true)
        {
            if ((k & 1) != 0) result *= factor;
            k >>= 1;
            if (k == 0) break;
            factor *= factor;
        }
        return n < 0 ? T.From(1f) / result : result;
    }
}
