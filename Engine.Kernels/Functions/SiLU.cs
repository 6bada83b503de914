namespace TorchEbm.Functions;

/// <summary>SiLU (Swish): x sigmoid(x).</summary>
public readonly struct SiLU : IUnaryFunction
{
    /// <inheritdoc />
    public float Apply(float x) => x * Sigmoid.Logistic(x);

    /// <inheritdoc />
    public float Derivative(float x)
    {
        float s = Sigmoid.Logistic(x);
        return s * (1f + x * (1f - s));
    }
}
