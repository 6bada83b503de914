using TorchEbm.Numerics;

namespace TorchEbm.Functions;

/// <summary>tanh x.</summary>
public readonly struct Tanh : IUnaryFunction
{
    /// <summary>f(x), written once for every numeric type.</summary>
    public T Apply<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.Tanh(x);

    /// <summary>f'(x).</summary>
    public T Derivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct
    {
        T t = T.Tanh(x);
        return T.From(1f) - t * t;
    }

    /// <summary>f''(x).</summary>
    public T SecondDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct
    {
        T t = T.Tanh(x);
        return T.From(-2f) * t * (T.From(1f) - t * t);
    }

    /// <summary>f'''(x).</summary>
    public T ThirdDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct
    {
        T t = T.Tanh(x);
        return (T.From(1f) - t * t) * (T.From(6f) * t * t - T.From(2f));
    }

    /// <inheritdoc />
    public float Apply(float x) => Apply<Real, bool>(x);

    /// <inheritdoc />
    public float Derivative(float x) => Derivative<Real, bool>(x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => SecondDerivative<Real, bool>(x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => ThirdDerivative<Real, bool>(x);
}
