using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPU;

namespace TorchEbm.Energies;

/// <summary>E(x) = 0.5 k sum_i x_i^2; dE/dx = k x. The law is N(0, I / k).</summary>
public readonly struct Harmonic(float k) : ISeparableEnergy, IHostEnergy
{
    /// <summary>Spring constant.</summary>
    public readonly float K = k;

    /// <inheritdoc />
    public float Energy(ArrayView<float> x)
    {
        float sum = 0f;
        for (int i = 0; i < x.IntLength; i++) sum += x[i] * x[i];
        return 0.5f * K * sum;
    }

    /// <inheritdoc />
    public void AddGradient(ArrayView<float> x, ArrayView<float> gradient, float weight)
    {
        for (int i = 0; i < x.IntLength; i++) gradient[i] += weight * CoordinateGradient(x[i]);
    }

    /// <inheritdoc />
    public float CoordinateGradient(float x) => K * x;

    /// <inheritdoc />
    public Vector256<float> CoordinateGradient(Vector256<float> x) => Vector256.Create(K) * x;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Vector256<float> EnergyAndGradient(ReadOnlySpan<Vector256<float>> x, Span<Vector256<float>> gradient, bool energy)
    {
        Vector256<float> sum = Vector256<float>.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            gradient[i] = CoordinateGradient(x[i]);
            if (energy) sum += x[i] * x[i];
        }
        return Vector256.Create(0.5f * K) * sum;
    }
}
