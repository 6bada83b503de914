using TorchEbm.Numerics;

namespace TorchEbm.Functions;

/// <summary>sqrt x (NaN below 0, as in PyTorch; the derivative is infinite at 0).</summary>
public readonly struct Sqrt : IUnaryFunction
{
    /// <summary>f(x), written once for every numeric type.</summary>
    public T Apply<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.Sqrt(x);

    /// <summary>f'(x).</summary>
    public T Derivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.From(0.5f) / T.Sqrt(x);

    /// <summary>f''(x).</summary>
    public T SecondDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.From(-0.25f) / (x * T.Sqrt(x));

    /// <summary>f'''(x).</summary>
    public T ThirdDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.From(0.375f) / (x * x * T.Sqrt(x));

    /// <inheritdoc />
    public float Apply(float x) => Apply<Real, bool>(x);

    /// <inheritdoc />
    public float Derivative(float x) => Derivative<Real, bool>(x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => SecondDerivative<Real, bool>(x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => ThirdDerivative<Real, bool>(x);
}
