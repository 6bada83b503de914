using ILGPU.Algorithms;

namespace TorchEbm.Functions;

/// <summary>x for x &gt; 0, alpha (e^x - 1) otherwise (PyTorch's default alpha 1).</summary>
public readonly struct ELU(float alpha) : IUnaryFunction
{
    /// <summary>Saturation value for large negative inputs (-alpha).</summary>
    public readonly float Alpha = alpha;

    /// <inheritdoc />
    public float Apply(float x) => x > 0f ? x : Alpha * (XMath.Exp(x) - 1f);

    /// <inheritdoc />
    public float Derivative(float x) => x > 0f ? 1f : Alpha * XMath.Exp(x);

    /// <inheritdoc />
    public float SecondDerivative(float x) => x > 0f ? 0f : Alpha * XMath.Exp(x);

    /// <inheritdoc />
    public float ThirdDerivative(float x) => x > 0f ? 0f : Alpha * XMath.Exp(x);
}
