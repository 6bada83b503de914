using ILGPU.Algorithms;

namespace TorchEbm.Functions;

/// <summary>cos x.</summary>
public readonly struct Cos : IUnaryFunction
{
    /// <inheritdoc />
    public float Apply(float x) => XMath.Cos(x);

    /// <inheritdoc />
    public float Derivative(float x) => -XMath.Sin(x);
}
