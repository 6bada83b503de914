using ILGPU.Algorithms;

namespace TorchEbm.Functions;

/// <summary>GELU, PyTorch's exact form x Phi(x) = x (1 + erf(x / sqrt 2)) / 2.</summary>
public readonly struct GELU : IUnaryFunction
{
    private const float InvSqrt2 = 0.70710678f;
    private const float InvSqrt2Pi = 0.39894228f;

    /// <inheritdoc />
    public float Apply(float x) => 0.5f * x * (1f + Erf(x * InvSqrt2));

    /// <inheritdoc />
    public float Derivative(float x) => 0.5f * (1f + Erf(x * InvSqrt2)) + x * InvSqrt2Pi * XMath.Exp(-0.5f * x * x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => InvSqrt2Pi * XMath.Exp(-0.5f * x * x) * (2f - x * x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => InvSqrt2Pi * XMath.Exp(-0.5f * x * x) * x * (x * x - 4f);

    /// <summary>
    /// erf in float32 (XMath has none): erfc by the Chebyshev fit of Numerical Recipes (erfcc, fractional error
    /// below 1.2e-7 everywhere), erf = 1 - erfc, odd symmetry.
    /// </summary>
    internal static float Erf(float x)
    {
        float z = XMath.Abs(x), t = 1f / (1f + 0.5f * z);
        float poly = -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f + t * (-0.18628806f
            + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
        float erfc = t * XMath.Exp(-z * z + poly);
        return x >= 0f ? 1f - erfc : erfc - 1f;
    }
}
