using System.Runtime.Intrinsics;

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

    /// <summary><see cref="Apply(float)"/> lane by lane (host twins; the same IEEE operation).</summary>
    public Vector256<float> Apply(Vector256<float> x) => x * x;

    /// <summary><see cref="Derivative(float)"/> lane by lane (host twins; the same IEEE operation).</summary>
    public Vector256<float> Derivative(Vector256<float> x) => Vector256.Create(2f) * x;
}
