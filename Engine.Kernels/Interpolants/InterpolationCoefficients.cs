namespace TorchEbm.Kernels.Interpolants;

/// <summary>
/// An interpolant's coefficients at one time t: x_t = <see cref="Alpha"/> x1 + <see cref="Sigma"/> x0 and its velocity
/// u_t = <see cref="AlphaDerivative"/> x1 + <see cref="SigmaDerivative"/> x0 (x0 the noise, x1 the data).
/// </summary>
/// <param name="alpha">alpha(t), the data's coefficient.</param>
/// <param name="alphaDerivative">d alpha / dt.</param>
/// <param name="sigma">sigma(t), the noise's coefficient.</param>
/// <param name="sigmaDerivative">d sigma / dt.</param>
public readonly struct InterpolationCoefficients(float alpha, float alphaDerivative, float sigma, float sigmaDerivative)
{
    /// <summary>alpha(t).</summary>
    public readonly float Alpha = alpha;

    /// <summary>d alpha / dt.</summary>
    public readonly float AlphaDerivative = alphaDerivative;

    /// <summary>sigma(t).</summary>
    public readonly float Sigma = sigma;

    /// <summary>d sigma / dt.</summary>
    public readonly float SigmaDerivative = sigmaDerivative;
}
