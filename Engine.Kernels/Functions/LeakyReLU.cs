namespace TorchEbm.Functions;

/// <summary>x for x &gt; 0, slope x otherwise (PyTorch's default slope 0.01).</summary>
public readonly struct LeakyReLU(float slope) : IUnaryFunction
{
    /// <summary>Slope for negative inputs.</summary>
    public readonly float Slope = slope;

    /// <inheritdoc />
    public float Apply(float x) => x > 0f ? x : Slope * x;

    /// <inheritdoc />
    public float Derivative(float x) => x > 0f ? 1f : Slope;

    /// <inheritdoc />
    public float SecondDerivative(float x) => 0f;

    /// <inheritdoc />
    public float ThirdDerivative(float x) => 0f;
}
