using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPU;

namespace TorchEbm.Energies;

/// <summary>E(x) = a * sum_i (x_i^2 - b)^2; dE/dx_i = 4 a x_i (x_i^2 - b). Minima at x_i = +-sqrt(b).</summary>
public readonly struct DoubleWell(float a, float b) : ISeparableEnergy, IHostEnergy
{
    /// <summary>Barrier height factor.</summary>
    public readonly float A = a;

    /// <summary>Squared position of the wells.</summary>
    public readonly float B = b;

    /// <inheritdoc />
    public float Energy(ArrayView<float> x)
    {
        float sum = 0f;
        for (int i = 0; i < x.IntLength; i++)
        {
            float u = x[i] * x[i] - B;
            sum += u * u;
        }
        return A * sum;
    }

    /// <inheritdoc />
    public void AddGradient(ArrayView<float> x, ArrayView<float> gradient, float weight)
    {
        for (int i = 0; i < x.IntLength; i++)
            gradient[i] += weight * CoordinateGradient(x[i]);
    }

    /// <inheritdoc />
    public float CoordinateGradient(float x) => 4f * A * x * (x * x - B);

    /// <inheritdoc />
    public Vector256<float> CoordinateGradient(Vector256<float> x) => Vector256.Create(4f * A) * x * (x * x - Vector256.Create(B));

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Vector256<float> EnergyAndGradient(ReadOnlySpan<Vector256<float>> x, Span<Vector256<float>> gradient, bool energy)
    {
        Vector256<float> sum = Vector256<float>.Zero, b = Vector256.Create(B);
        for (int i = 0; i < x.Length; i++)
        {
            gradient[i] = CoordinateGradient(x[i]);
            if (!energy) continue;
            Vector256<float> u = x[i] * x[i] - b;
            sum += u * u;
        }
        return Vector256.Create(A) * sum;
    }
}
