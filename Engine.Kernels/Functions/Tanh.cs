using ILGPU.Algorithms;

namespace TorchEbm.Functions;

/// <summary>tanh x.</summary>
public readonly struct Tanh : IUnaryFunction
{
    /// <inheritdoc />
    public float Apply(float x) => XMath.Tanh(x);

    /// <inheritdoc />
    public float Derivative(float x)
    {
        float t = XMath.Tanh(x);
        return 1f - t * t;
    }
    /// <inheritdoc />
    public float SecondDerivative(float x)
    {
        float t = XMath.Tanh(x);
        return -2f * t * (1f - t * t);
    }

    /// <inheritdoc />
    public float ThirdDerivative(float x)
    {
        float t = XMath.Tanh(x);
        return (1f - t * t) * (6f * t * t - 2f);
    }

}
