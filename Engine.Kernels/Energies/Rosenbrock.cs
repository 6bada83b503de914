using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPU;

namespace TorchEbm.Energies;

/// <summary>
/// E(x) = sum_{i &lt; d-1} (a - x_i)^2 + b (x_{i+1} - x_i^2)^2 (d &gt;= 2). Minimum 0 at x = (a, a^2, ...) for d = 2
/// and at x = (1, ..., 1) for a = 1.
/// </summary>
public readonly struct Rosenbrock(float a, float b) : IHostEnergy
{
    /// <summary>Location parameter.</summary>
    public readonly float A = a;

    /// <summary>Valley steepness.</summary>
    public readonly float B = b;

    /// <inheritdoc />
    public float Energy(ArrayView<float> x)
    {
        float sum = 0f;
        for (int i = 0; i + 1 < x.IntLength; i++)
        {
            float u = A - x[i], v = x[i + 1] - x[i] * x[i];
            sum += u * u + B * v * v;
        }
        return sum;
    }

    /// <inheritdoc />
    public void AddGradient(ArrayView<float> x, ArrayView<float> gradient, float weight)
    {
        int d = x.IntLength;
        for (int i = 0; i < d; i++)
        {
            float g = 0f;
            if (i + 1 < d) g += -2f * (A - x[i]) - 4f * B * x[i] * (x[i + 1] - x[i] * x[i]);
            if (i > 0) g += 2f * B * (x[i] - x[i - 1] * x[i - 1]);
            gradient[i] += weight * g;
        }
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Vector256<float> EnergyAndGradient(ReadOnlySpan<Vector256<float>> x, Span<Vector256<float>> gradient, bool energy)
    {
        int d = x.Length;
        Vector256<float> a = Vector256.Create(A), b = Vector256.Create(B), sum = Vector256<float>.Zero;
        Vector256<float> minusTwo = Vector256.Create(-2f), fourB = Vector256.Create(4f * B), twoB = Vector256.Create(2f * B);
        for (int i = 0; i < d; i++)
        {
            Vector256<float> g = Vector256<float>.Zero;
            if (i + 1 < d)
            {
                Vector256<float> u = a - x[i], v = x[i + 1] - x[i] * x[i];
                g += minusTwo * u - fourB * x[i] * v;
                if (energy) sum += u * u + b * v * v;
            }
            if (i > 0) g += twoB * (x[i] - x[i - 1] * x[i - 1]);
            gradient[i] = g;
        }
        return sum;
    }
}
