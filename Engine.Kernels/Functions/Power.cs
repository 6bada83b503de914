using ILGPU.Algorithms;

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

    /// <inheritdoc />
    public float Apply(float x) => Raise(x, Exponent);

    /// <inheritdoc />
    public float Derivative(float x) => Exponent == 0f ? 0f : Exponent * Raise(x, Exponent - 1f);

    /// <inheritdoc />
    public float SecondDerivative(float x)
    {
        float factor = Exponent * (Exponent - 1f);
        return factor == 0f ? 0f : factor * Raise(x, Exponent - 2f);
    }

    /// <inheritdoc />
    public float ThirdDerivative(float x)
    {
        float factor = Exponent * (Exponent - 1f) * (Exponent - 2f);
        return factor == 0f ? 0f : factor * Raise(x, Exponent - 3f);
    }

    private static float Raise(float x, float p)
    {
        if (p == 0f) return 1f;
        if (XMath.Abs(p) <= MaxMultipliedExponent && XMath.Floor(p) == p) return Multiplied(x, (int)p);
        float magnitude = XMath.Abs(x);
        if (magnitude == 0f) return p > 0f ? 0f : float.PositiveInfinity;
        float result = XMath.Exp(p * XMath.Log(magnitude));
        if (x > 0f) return result;
        if (XMath.Floor(p) != p) return float.NaN;
        return XMath.Floor(p * 0.5f) * 2f == p ? result : -result; // even: positive, odd: negative
    }

    /// <summary>x^n for an integer n != 0 by squaring and multiplying: one rounding per product.</summary>
    private static float Multiplied(float x, int n)
    {
        int k = n < 0 ? -n : n;
        float result = 1f, factor = x;
        while (true)
        {
            if ((k & 1) != 0) result *= factor;
            k >>= 1;
            if (k == 0) break;
            factor *= factor;
        }
        return n < 0 ? 1f / result : result;
    }
}
