using TorchEbm.Numerics;

namespace TorchEbm.Functions;

/// <summary>GELU, PyTorch's exact form x Phi(x) = x (1 + erf(x / sqrt 2)) / 2.</summary>
public readonly struct GELU : IUnaryFunction
{
    private const float InvSqrt2 = 0.70710678f;
    private const float InvSqrt2Pi = 0.39894228f;

    /// <summary>f(x), written once for every numeric type.</summary>
    public T Apply<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.From(0.5f) * x * (T.From(1f) + Erf<T, TMask>(x * T.From(InvSqrt2)));

    /// <summary>f'(x).</summary>
    public T Derivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.From(0.5f) * (T.From(1f) + Erf<T, TMask>(x * T.From(InvSqrt2))) + x * T.From(InvSqrt2Pi) * T.Exp(T.From(-0.5f) * x * x);

    /// <summary>f''(x).</summary>
    public T SecondDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.From(InvSqrt2Pi) * T.Exp(T.From(-0.5f) * x * x) * (T.From(2f) - x * x);

    /// <summary>f'''(x).</summary>
    public T ThirdDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.From(InvSqrt2Pi) * T.Exp(T.From(-0.5f) * x * x) * x * (x * x - T.From(4f));

    /// <inheritdoc />
    public float Apply(float x) => Apply<Real, bool>(x);

    /// <inheritdoc />
    public float Derivative(float x) => Derivative<Real, bool>(x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => SecondDerivative<Real, bool>(x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => ThirdDerivative<Real, bool>(x);

    /// <summary>
    /// erf in float32 (XMath has none): erfc by the Chebyshev fit of Numerical Recipes (erfcc, fractional error
    /// below 1.2e-7 everywhere), erf = 1 - erfc, odd symmetry.
    /// </summary>
    internal static T Erf<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct
    {
        T z = T.Abs(x), t = T.From(1f) / (T.From(1f) + T.From(0.5f) * z);
        T poly = T.From(-1.26551223f) + t * (T.From(1.00002368f) + t * (T.From(0.37409196f) + t * (T.From(0.09678418f) + t * (T.From(-0.18628806f)
            + t * (T.From(0.27886807f) + t * (T.From(-1.13520398f) + t * (T.From(1.48851587f) + t * (T.From(-0.82215223f) + t * T.From(0.17087277f)))))))));
        T erfc = t * T.Exp(-z * z + poly);
        return T.Select(T.GreaterOrEqual(x, T.From(0f)), T.From(1f) - erfc, erfc - T.From(1f));
    }
}
