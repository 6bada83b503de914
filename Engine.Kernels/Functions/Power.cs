using ILGPU.Algorithms;

namespace TorchEbm.Functions;

/// <summary>
/// x^p for a constant exponent p, as PyTorch's pow: a negative x gives a real result only for an integer p (NaN
/// otherwise); 0^p is 0 for p &gt; 0, 1 for p = 0 and infinity for p &lt; 0.
/// </summary>
/// <remarks>Computed as exp(p ln |x|) with the sign of an odd integer power (XMath.Pow goes through float64 in PTX).</remarks>
public readonly struct Power(float exponent) : IUnaryFunction
{
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
        if (p == 1f) return x;
        if (p == 2f) return x * x;
        float magnitude = XMath.Abs(x);
        if (magnitude == 0f) return p > 0f ? 0f : float.PositiveInfinity;
        float result = XMath.Exp(p * XMath.Log(magnitude));
        if (x > 0f) return result;
        if (XMath.Floor(p) != p) return float.NaN;
        return XMath.Floor(p * 0.5f) * 2f == p ? result : -result; // even: positive, odd: negative
    }
}
