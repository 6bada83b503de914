using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPU;

namespace TorchEbm.Energies;

/// <summary>
/// E(x) = 0.5 (x - m)^T P (x - m) with P the precision (inverse covariance), kept on the device;
/// dE/dx = P (x - m) (P is symmetric).
/// </summary>
public readonly struct Gaussian(ArrayView<float> mean, ArrayView<float> precision) : IHostEnergy
{
    /// <summary>The mean m (length d).</summary>
    public readonly ArrayView<float> Mean = mean;

    /// <summary>The precision P, row-major (d x d).</summary>
    public readonly ArrayView<float> Precision = precision;

    /// <inheritdoc />
    public float Energy(ArrayView<float> x)
    {
        int d = x.IntLength;
        float sum = 0f;
        for (int i = 0; i < d; i++)
        {
            float row = 0f;
            for (int j = 0; j < d; j++) row += Precision[i * d + j] * (x[j] - Mean[j]);
            sum += (x[i] - Mean[i]) * row;
        }
        return 0.5f * sum;
    }

    /// <inheritdoc />
    public void AddGradient(ArrayView<float> x, ArrayView<float> gradient, float weight)
    {
        int d = x.IntLength;
        for (int i = 0; i < d; i++)
        {
            float row = 0f;
            for (int j = 0; j < d; j++) row += Precision[i * d + j] * (x[j] - Mean[j]);
            gradient[i] += weight * row;
        }
    }

    /// <inheritdoc />
    /// <remarks>Reads the mean and precision in place: they must be in CPU-accelerator memory.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Vector256<float> EnergyAndGradient(ReadOnlySpan<Vector256<float>> x, Span<Vector256<float>> gradient, bool energy)
    {
        ReadOnlySpan<float> mean = HostMemory.Of(Mean), precision = HostMemory.Of(Precision);
        int d = x.Length;
        Vector256<float> sum = Vector256<float>.Zero;
        for (int i = 0; i < d; i++)
        {
            Vector256<float> row = Vector256<float>.Zero;
            for (int j = 0; j < d; j++) row += Vector256.Create(precision[i * d + j]) * (x[j] - Vector256.Create(mean[j]));
            gradient[i] = row;
            if (energy) sum += (x[i] - Vector256.Create(mean[i])) * row;
        }
        return Vector256.Create(0.5f) * sum;
    }
}
