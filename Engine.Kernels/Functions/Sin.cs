using ILGPU.Algorithms;

namespace TorchEbm.Functions;

/// <summary>sin x.</summary>
public readonly struct Sin : IUnaryFunction
{
    /// <inheritdoc />
    public float Apply(float x) => XMath.Sin(x);

    /// <inheritdoc />
    public float Derivative(float x) => XMath.Cos(x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => -XMath.Sin(x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => -XMath.Cos(x);
}
