using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPU;
using ILGPU.Algorithms;

namespace TorchEbm.Energies;

/// <summary>E(x) = a d + sum_i (x_i^2 - a cos(2 pi x_i)); dE/dx_i = 2 x_i + 2 pi a sin(2 pi x_i).</summary>
public readonly struct Rastrigin(float a) : ISeparableEnergy, IHostEnergy
{
    /// <summary>Amplitude of the cosine ripples.</summary>
    public readonly float A = a;

    /// <inheritdoc />
    public float Energy(ArrayView<float> x)
    {
        float sum = 0f;
        for (int i = 0; i < x.IntLength; i++)
            sum += x[i] * x[i] + A * (1f - XMath.Cos(2f * XMath.PI * x[i]));
        return sum;
    }

    /// <inheritdoc />
    public void AddGradient(ArrayView<float> x, ArrayView<float> gradient, float weight)
    {
        for (int i = 0; i < x.IntLength; i++)
            gradient[i] += weight * CoordinateGradient(x[i]);
    }

    /// <inheritdoc />
    public float CoordinateGradient(float x) => 2f * x + 2f * XMath.PI * A * XMath.Sin(2f * XMath.PI * x);

    /// <inheritdoc />
    public Vector256<float> CoordinateGradient(Vector256<float> x) =>
        Vector256.Create(2f) * x + Vector256.Create(2f * XMath.PI * A) * Vector256.Sin(Vector256.Create(2f * XMath.PI) * x);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Vector256<float> EnergyAndGradient(ReadOnlySpan<Vector256<float>> x, Span<Vector256<float>> gradient, bool energy)
    {
        Vector256<float> sum = Vector256<float>.Zero, a = Vector256.Create(A), twoPi = Vector256.Create(2f * XMath.PI);
        for (int i = 0; i < x.Length; i++)
        {
            gradient[i] = CoordinateGradient(x[i]);
            if (energy) sum += x[i] * x[i] + a * (Vector256<float>.One - Vector256.Cos(twoPi * x[i]));
        }
        return sum;
    }
}
