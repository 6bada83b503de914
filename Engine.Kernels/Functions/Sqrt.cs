using ILGPU.Algorithms;

namespace TorchEbm.Functions;

/// <summary>sqrt x (NaN below 0, as in PyTorch; the derivative is infinite at 0).</summary>
public readonly struct Sqrt : IUnaryFunction
{
    /// <inheritdoc />
    public float Apply(float x) => XMath.Sqrt(x);

    /// <inheritdoc />
    public float Derivative(float x) => 0.5f / XMath.Sqrt(x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => -0.25f / (x * XMath.Sqrt(x));

    /// <inheritdoc />
    public float ThirdDerivative(float x) => 0.375f / (x * x * XMath.Sqrt(x));
}
