using ILGPU;
using ILGPU.Algorithms;

namespace TorchEbm.Energies;

/// <summary>
/// E(x) = -a exp(-b sqrt(mean x^2)) - exp(mean cos(c x)) + a + e. At the origin the first term has no derivative;
/// this energy returns the subgradient 0 there (TorchEBM returns NaN).
/// </summary>
public readonly struct Ackley(float a, float b, float c) : IEnergy
{
    /// <summary>Depth of the outer funnel.</summary>
    public readonly float A = a;

    /// <summary>Width of the outer funnel.</summary>
    public readonly float B = b;

    /// <summary>Frequency of the ripples.</summary>
    public readonly float C = c;

    /// <inheritdoc />
    public float Energy(ArrayView<float> x)
    {
        int d = x.IntLength;
        float radius = RadiusAndMeanCos(x, out float meanCos);
        // (a - a exp(-b r)) + (e - exp(mean cos)): each bracket vanishes at the origin, so the sum keeps its accuracy.
        return A * (1f - XMath.Exp(-B * radius)) + (XMath.E - XMath.Exp(meanCos));
    }

    /// <summary>sqrt(mean x^2), and mean cos(c x) in <paramref name="meanCos"/>.</summary>
    private float RadiusAndMeanCos(ArrayView<float> x, out float meanCos)
    {
        int d = x.IntLength;
        float squares = 0f, cosines = 0f;
        for (int i = 0; i < d; i++)
        {
            squares += x[i] * x[i];
            cosines += XMath.Cos(C * x[i]);
        }
        meanCos = cosines / d;
        return XMath.Sqrt(squares / d);
    }

    /// <inheritdoc />
    public void AddGradient(ArrayView<float> x, ArrayView<float> gradient, float weight)
    {
        int d = x.IntLength;
        float radius = RadiusAndMeanCos(x, out float meanCos);
        // d/dx_i of a (1 - exp(-b r)) = a b exp(-b r) x_i / (d r); 0 at r = 0 (subgradient).
        float radial = radius > 0f ? A * B * XMath.Exp(-B * radius) / (d * radius) : 0f;
        float ripple = XMath.Exp(meanCos) * C / d;
        for (int i = 0; i < d; i++)
            gradient[i] += weight * (radial * x[i] + ripple * XMath.Sin(C * x[i]));
    }
}
