namespace TorchEbm.Functions;

/// <summary>x^2.</summary>
public readonly struct Square : IUnaryFunction
{
    /// <inheritdoc />
    public float Apply(float x) => x * x;

    /// <inheritdoc />
    public float Derivative(float x) => 2f * x;

    /// <inheritdoc />
    public float SecondDerivative(float x) => 2f;

    /// <inheritdoc />
    public float ThirdDerivative(float x) => 0f;
}
