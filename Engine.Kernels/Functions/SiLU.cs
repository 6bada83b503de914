using TorchEbm.Numerics;

namespace TorchEbm.Functions;

/// <summary>SiLU (Swish): x sigmoid(x).</summary>
public readonly struct SiLU : IUnaryFunction
{
    /// <summary>f(x), written once for every numeric type.</summary>
    public T Apply<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct =>
        x * Sigmoid.Logistic<T, TMask>(x);

    /// <summary>f'(x).</summary>
    public T Derivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct
    {
        T s = Sigmoid.Logistic<T, TMask>(x);
        return s * (T.From(1f) + x * (T.From(1f) - s));
    }

    /// <summary>f''(x).</summary>
    public T SecondDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct
    {
        var sigmoid = new Sigmoid();
        return T.From(2f) * sigmoid.Derivative<T, TMask>(x) + x * sigmoid.SecondDerivative<T, TMask>(x);
    }

    /// <summary>f'''(x).</summary>
    public T ThirdDerivative<T, TMask>(T x) where T : struct, IReal<T, TMask> where TMask : struct
    {
        var sigmoid = new Sigmoid();
        return T.From(3f) * sigmoid.SecondDerivative<T, TMask>(x) + x * sigmoid.ThirdDerivative<T, TMask>(x);
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
