using TorchEbm.Numerics;

namespace TorchEbm.Functions;

/// <summary>ln(1 + e^x), computed as max(x, 0) + ln(1 + e^-|x|) so large |x| neither overflows nor loses x.</summary>
public readonly struct Softplus : IUnaryFunction
{
    /// <summary>f(x), written once for every numeric type.</summary>
    public T Apply<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.Max(x, T.From(0f)) + T.Log(T.From(1f) + T.Exp(-T.Abs(x)));

    /// <summary>f'(x).</summary>
    public T Derivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        Sigmoid.Logistic<T, TMask>(x);

    /// <summary>f''(x).</summary>
    public T SecondDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        new Sigmoid().Derivative<T, TMask>(x);

    /// <summary>f'''(x).</summary>
    public T ThirdDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        new Sigmoid().SecondDerivative<T, TMask>(x);

    /// <inheritdoc />
    public float Apply(float x) => Apply<Real, bool>(x);

    /// <inheritdoc />
    public float Derivative(float x) => Derivative<Real, bool>(x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => SecondDerivative<Real, bool>(x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => ThirdDerivative<Real, bool>(x);
}
