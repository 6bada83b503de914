using ILGPU.Algorithms;

namespace TorchEbm.Functions;

/// <summary>|x|, with derivative sign(x) (0 at 0, as in PyTorch).</summary>
public readonly struct Abs : IUnaryFunction
{
    /// <inheritdoc />
    public float Apply(float x) => XMath.Abs(x);

    /// <inheritdoc />
    public float Derivative(float x) => x > 0f ? 1f : x < 0f ? -1f : 0f;

    /// <inheritdoc />
    public float SecondDerivative(float x) => 0f;

    /// <inheritdoc />
    public float ThirdDerivative(float x) => 0f;
}
