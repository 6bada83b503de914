using ILGPU.Algorithms;

namespace TorchEbm.Functions;

/// <summary>e^x.</summary>
public readonly struct Exp : IUnaryFunction
{
    /// <inheritdoc />
    public float Apply(float x) => XMath.Exp(x);

    /// <inheritdoc />
    public float Derivative(float x) => XMath.Exp(x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => XMath.Exp(x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => XMath.Exp(x);
}
