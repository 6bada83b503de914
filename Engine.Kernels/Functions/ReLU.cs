namespace TorchEbm.Functions;

/// <summary>max(x, 0); derivative 0 at x = 0, as PyTorch.</summary>
public readonly struct ReLU : IUnaryFunction
{
    /// <inheritdoc />
    public float Apply(float x) => x > 0f ? x : 0f;

    /// <inheritdoc />
    public float Derivative(float x) => x > 0f ? 1f : 0f;

    /// <inheritdoc />
    public float SecondDerivative(float x) => 0f;

    /// <inheritdoc />
    public float ThirdDerivative(float x) => 0f;
}
