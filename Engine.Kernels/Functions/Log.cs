using ILGPU.Algorithms;

namespace TorchEbm.Functions;

/// <summary>ln x (NaN below 0, -infinity at 0, as in PyTorch).</summary>
public readonly struct Log : IUnaryFunction
{
    /// <inheritdoc />
    public float Apply(float x) => XMath.Log(x);

    /// <inheritdoc />
    public float Derivative(float x) => 1f / x;

    /// <inheritdoc />
    public float SecondDerivative(float x) => -1f / (x * x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => 2f / (x * x * x);
}
