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
    /// <inheritdoc />
    public float SecondDerivative(float x)
    {
        var sigmoid = new Sigmoid();
        return 2f * sigmoid.Derivative(x) + x * sigmoid.SecondDerivative(x);
    }

    /// <inheritdoc />
    public float ThirdDerivative(float x)
    {
        var sigmoid = new Sigmoid();
        return 3f * sigmoid.SecondDerivative(x) + x * sigmoid.ThirdDerivative(x);
    }

}
