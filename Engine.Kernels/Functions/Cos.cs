using ILGPU.Algorithms;

namespace TorchEbm.Functions;

/// <summary>cos x.</summary>
public readonly struct Cos : IUnaryFunction
{
    /// <inheritdoc />
    public float Apply(float x) => XMath.Cos(x);

    /// <inheritdoc />
    public float Derivative(float x) => -XMath.Sin(x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => -XMath.Cos(x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => XMath.Sin(x);
}
