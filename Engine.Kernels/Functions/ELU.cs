using TorchEbm.Numerics;

namespace TorchEbm.Functions;

/// <summary>x for x &gt; 0, alpha (e^x - 1) otherwise (PyTorch's default alpha 1).</summary>
public readonly struct ELU(float alpha) : IUnaryFunction
{
    /// <summary>Saturation value for large negative inputs (-alpha).</summary>
    public readonly float Alpha = alpha;

    /// <summary>f(x), written once for every numeric type.</summary>
    public T Apply<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.Select(T.GreaterThan(x, T.From(0f)), x, T.From(Alpha) * (T.Exp(x) - T.From(1f)));

    /// <summary>f'(x).</summary>
    public T Derivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.Select(T.GreaterThan(x, T.From(0f)), T.From(1f), T.From(Alpha) * T.Exp(x));

    /// <summary>f''(x).</summary>
    public T SecondDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.Select(T.GreaterThan(x, T.From(0f)), T.From(0f), T.From(Alpha) * T.Exp(x));

    /// <summary>f'''(x).</summary>
    public T ThirdDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.Select(T.GreaterThan(x, T.From(0f)), T.From(0f), T.From(Alpha) * T.Exp(x));

    /// <inheritdoc />
    public float Apply(float x) => Apply<Real, bool>(x);

    /// <inheritdoc />
    public float Derivative(float x) => Derivative<Real, bool>(x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => SecondDerivative<Real, bool>(x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => ThirdDerivative<Real, bool>(x);
}
