using ILGPU.Algorithms;

namespace TorchEbm.Functions;

/// <summary>ln(1 + e^x), computed as max(x, 0) + ln(1 + e^-|x|) so large |x| neither overflows nor loses x.</summary>
public readonly struct Softplus : IUnaryFunction
{
    /// <inheritdoc />
    public float Apply(float x) => XMath.Max(x, 0f) + XMath.Log(1f + XMath.Exp(-XMath.Abs(x)));

    /// <inheritdoc />
    public float Derivative(float x) => Sigmoid.Logistic(x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => new Sigmoid().Derivative(x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => new Sigmoid().SecondDerivative(x);
}
