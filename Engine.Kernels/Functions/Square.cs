using TorchEbm.Numerics;

namespace TorchEbm.Functions;

/// <summary>x^2.</summary>
public readonly struct Square : IUnaryFunction
{
    /// <summary>f(x), written once for every numeric type.</summary>
    public T Apply<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        x * x;

    /// <summary>f'(x).</summary>
    public T Derivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.From(2f) * x;

    /// <summary>f''(x).</summary>
    public T SecondDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.From(2f);

    /// <summary>f'''(x).</summary>
    public T ThirdDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.From(0f);

    /// <inheritdoc />
    public float Apply(float x) => Apply<Real, bool>(x);

    /// <inheritdoc />
    public float Derivative(float x) => Derivative<Real, bool>(x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => SecondDerivative<Real, bool>(x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => ThirdDerivative<Real, bool>(x);
}
