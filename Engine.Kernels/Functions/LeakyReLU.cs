using TorchEbm.Numerics;

namespace TorchEbm.Functions;

/// <summary>x for x &gt; 0, slope x otherwise (PyTorch's default slope 0.01).</summary>
public readonly struct LeakyReLU(float slope) : IUnaryFunction
{
    /// <summary>Slope for negative inputs.</summary>
    public readonly float Slope = slope;

    /// <summary>f(x), written once for every numeric type.</summary>
    public T Apply<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.Select(T.GreaterThan(x, T.From(0f)), x, T.From(Slope) * x);

    /// <summary>f'(x).</summary>
    public T Derivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.Select(T.GreaterThan(x, T.From(0f)), T.From(1f), T.From(Slope));

    /// <summary>f''(x).</summary>
    public T SecondDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        T.From(0f);

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
