using TorchEbm.Numerics;

namespace TorchEbm.Functions;

/// <summary>1 / (1 + e^-x).</summary>
public readonly struct Sigmoid : IUnaryFunction
{
    /// <summary>f(x), written once for every numeric type.</summary>
    public T Apply<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        Logistic<T, TMask>(x);

    /// <summary>f'(x).</summary>
    public T Derivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct
    {
        T s = Logistic<T, TMask>(x);
        return s * (T.From(1f) - s);
    }

    /// <summary>f''(x).</summary>
    public T SecondDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct
    {
        T s = Logistic<T, TMask>(x);
        return s * (T.From(1f) - s) * (T.From(1f) - T.From(2f) * s);
    }

    /// <summary>f'''(x).</summary>
    public T ThirdDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct
    {
        T s = Logistic<T, TMask>(x);
        return s * (T.From(1f) - s) * (T.From(1f) - T.From(6f) * s + T.From(6f) * s * s);
    }

    /// <inheritdoc />
    public float Apply(float x) => Apply<Real, bool>(x);

    /// <inheritdoc />
    public float Derivative(float x) => Derivative<Real, bool>(x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => SecondDerivative<Real, bool>(x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => ThirdDerivative<Real, bool>(x);

    /// <summary>
    /// The logistic function without overflow for large |x|: with e = e^-|x|, 1 / (1 + e) for x &gt;= 0 and e / (1 + e)
    /// below (one exponential; the same floats as 1 / (1 + e^-x) and e^x / (1 + e^x) on each side).
    /// </summary>
    internal static T Logistic<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct
    {
        T e = T.Exp(-T.Abs(x));
        return T.Select(T.GreaterOrEqual(x, T.From(0f)), T.From(1f), e) / (T.From(1f) + e);
    }
}
