using ILGPU.Algorithms;

namespace TorchEbm.Functions;

/// <summary>1 / (1 + e^-x).</summary>
public readonly struct Sigmoid : IUnaryFunction
{
    /// <inheritdoc />
    public float Apply(float x) => Logistic(x);

    /// <inheritdoc />
    public float Derivative(float x)
    {
        float s = Logistic(x);
        return s * (1f - s);
    }
    /// <inheritdoc />
    public float SecondDerivative(float x)
    {
        float s = Logistic(x);
        return s * (1f - s) * (1f - 2f * s);
    }

    /// <inheritdoc />
    public float ThirdDerivative(float x)
    {
        float s = Logistic(x);
        return s * (1f - s) * (1f - 6f * s + 6f * s * s);
    }


    /// <summary>The logistic function, without overflow for large |x|.</summary>
    internal static float Logistic(float x)
    {
        if (x >= 0f) return 1f / (1f + XMath.Exp(-x));
        float e = XMath.Exp(x);
        return e / (1f + e);
    }
}
