using System.Runtime.Intrinsics;
using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Energies;
using TorchEbm.Models;

namespace TorchEbm.Tests.Support;

/// <summary>
/// E(x) = -log(0.3 N(x; (-10, 0, ...), I) + 0.7 N(x; (10, 0, ...), I)) up to a constant, as a stable log-sum-exp, with the
/// gradient w_a (x - a) + w_b (x - b) (w the components' posterior weights).
/// </summary>
public readonly struct TwoGaussians : IHostEnergy
{
    private const float Centre = 10f, LogLight = -1.2039728f, LogHeavy = -0.35667494f; // log 0.3, log 0.7

    public float Energy(ArrayView<float> x)
    {
        (float left, float right) = Components(x);
        float low = XMath.Min(left, right), high = XMath.Max(left, right);
        return low - XMath.Log(1f + XMath.Exp(low - high));
    }

    public void AddGradient(ArrayView<float> x, ArrayView<float> gradient, float weight)
    {
        (float left, float right) = Components(x);
        float rightWeight = 1f / (1f + XMath.Exp(right - left)); // exp(-right) / (exp(-left) + exp(-right))
        for (int i = 0; i < x.IntLength; i++)
        {
            float shift = i == 0 ? Centre : 0f;
            gradient[i] += weight * ((1f - rightWeight) * (x[i] + shift) + rightWeight * (x[i] - shift));
        }
    }

    /// <summary>Eight samples at once (host vector form, so CPU chains run the host SIMD twin).</summary>
    public Vector256<float> EnergyAndGradient(ReadOnlySpan<Vector256<float>> x, Span<Vector256<float>> gradient, bool energy)
    {
        Vector256<float> left = Vector256<float>.Zero, right = Vector256<float>.Zero, one = Vector256.Create(1f);
        for (int i = 0; i < x.Length; i++)
        {
            Vector256<float> shift = Vector256.Create(i == 0 ? Centre : 0f);
            left += (x[i] + shift) * (x[i] + shift);
            right += (x[i] - shift) * (x[i] - shift);
        }
        left = Vector256.Create(0.5f) * left - Vector256.Create(LogLight);
        right = Vector256.Create(0.5f) * right - Vector256.Create(LogHeavy);
        Vector256<float> rightWeight = one / (one + Vector256.Exp(right - left));
        for (int i = 0; i < x.Length; i++)
        {
            Vector256<float> shift = Vector256.Create(i == 0 ? Centre : 0f);
            gradient[i] = (one - rightWeight) * (x[i] + shift) + rightWeight * (x[i] - shift);
        }
        if (!energy) return default;
        Vector256<float> low = Vector256.Min(left, right), high = Vector256.Max(left, right);
        return low - Vector256.Log(one + Vector256.Exp(low - high));
    }

    /// <summary>The two components' energies |x -+ c|^2 / 2 - log w.</summary>
    private static (float Left, float Right) Components(ArrayView<float> x)
    {
        float left = 0f, right = 0f;
        for (int i = 0; i < x.IntLength; i++)
        {
            float shift = i == 0 ? Centre : 0f;
            left += (x[i] + shift) * (x[i] + shift);
            right += (x[i] - shift) * (x[i] - shift);
        }
        return (0.5f * left - LogLight, 0.5f * right - LogHeavy);
    }
}

/// <summary>The two-Gaussian mixture of the crossing-modes test as a fused analytic model.</summary>
public sealed class TwoGaussiansModel(Device device) : AnalyticModel<TwoGaussians>(device)
{
    public override TwoGaussians Energy { get; } = default;
}
