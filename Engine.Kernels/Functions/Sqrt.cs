using ILGPU.Algorithms;

namespace TorchEbm.Functions;

/// <summary>sqrt x (NaN below 0, as in PyTorch; the derivative is infinite at 0).</summary>
public readonly struct Sqrt : IUnaryFunction
{
    /// <inheritdoc />
    public float Apply(float x) => XMath.Sqrt(x);

    /// <inheritdoc />
    public float Derivative(float x) => 0.5f / XMath.Sqrt(x);
}
