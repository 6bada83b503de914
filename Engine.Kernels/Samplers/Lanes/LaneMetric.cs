using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>
/// The host vector twin of <see cref="Metric"/> (diagonal or dense, from <see cref="LaneTables.InverseMass"/> and
/// <see cref="LaneTables.Factor"/>): the same float operations in the same order, lane by lane, so a lane transition
/// integrates exactly as its kernel does.
/// </summary>
internal static class LaneMetric
{
    /// <summary>
    /// <see cref="Metric.DrawMomentum"/> for every lane: p ~ N(0, M) from the normals of Philox blocks (chain, step, j / 4,
    /// call), each lane at its own step word <paramref name="step"/>[l], into <paramref name="p"/>; returns p^T M^-1 p.
    /// Dense: uses <paramref name="velocity"/> (length d) as scratch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> DrawMomentum(in ChainLanes chain, Span<Vector256<float>> p, Span<Vector256<float>> velocity,
        Philox4x32 rng, Vector256<uint> step, uint call)
    {
        int d = chain.Dim;
        for (int j = 0; j < d; j += 4)
        {
            chain.Normals(rng, step, j, call, out Vector256<float> z0, out Vector256<float> z1, out Vector256<float> z2, out Vector256<float> z3);
            p[j] = z0;
            if (j + 1 < d) p[j + 1] = z1;
            if (j + 2 < d) p[j + 2] = z2;
            if (j + 3 < d) p[j + 3] = z3;
        }
        ReadOnlySpan<float> inverse = chain.Tables.InverseMass, factor = chain.Tables.Factor;
        if (!chain.Tables.IsDense)
        {
            Vector256<float> twiceKinetic = Vector256<float>.Zero;
            for (int i = 0; i < d; i++)
            {
                p[i] /= Vector256.Create(MathF.Sqrt(inverse[i]));
                twiceKinetic += p[i] * p[i] * Vector256.Create(inverse[i]);
            }
            return twiceKinetic;
        }
        for (int i = d - 1; i >= 0; i--) // L^T p = z, backwards
        {
            Vector256<float> sum = p[i];
            for (int k = i + 1; k < d; k++) sum -= Vector256.Create(factor[k * d + i]) * p[k];
            p[i] = sum / Vector256.Create(factor[i * d + i]);
        }
        return TwiceKinetic(chain, p, velocity);
    }

    /// <summary>The velocity M^-1 p of every lane into <paramref name="velocity"/> (<see cref="Metric.Velocity"/> for each i).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Velocity(in ChainLanes chain, ReadOnlySpan<Vector256<float>> p, Span<Vector256<float>> velocity)
    {
        int d = chain.Dim;
        ReadOnlySpan<float> inverse = chain.Tables.InverseMass;
        if (!chain.Tables.IsDense)
        {
            for (int i = 0; i < d; i++) velocity[i] = Vector256.Create(inverse[i]) * p[i];
            return;
        }
        for (int i = 0; i < d; i++)
        {
            Vector256<float> sum = Vector256<float>.Zero;
            ReadOnlySpan<float> row = inverse.Slice(i * d, d);
            for (int j = 0; j < d; j++) sum += Vector256.Create(row[j]) * p[j];
            velocity[i] = sum;
        }
    }

    /// <summary><see cref="Metric.TwiceKinetic"/> of every lane: p^T M^-1 p; leaves M^-1 p in <paramref name="velocity"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> TwiceKinetic(in ChainLanes chain, ReadOnlySpan<Vector256<float>> p, Span<Vector256<float>> velocity)
    {
        int d = chain.Dim;
        Velocity(chain, p, velocity);
        Vector256<float> sum = Vector256<float>.Zero;
        if (!chain.Tables.IsDense)
        {
            ReadOnlySpan<float> inverse = chain.Tables.InverseMass;
            for (int i = 0; i < d; i++) sum += p[i] * p[i] * Vector256.Create(inverse[i]);
            return sum;
        }
        for (int i = 0; i < d; i++) sum += p[i] * velocity[i];
        return sum;
    }

    /// <summary>
    /// <see cref="Metric.Drift"/> x += h M^-1 p in the lanes of <paramref name="mask"/> (diagonal: h * M^-1_ii * p_i, in that
    /// order); <paramref name="velocity"/> is scratch (dense: receives M^-1 p).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Drift(in ChainLanes chain, Span<Vector256<float>> x, ReadOnlySpan<Vector256<float>> p, Vector256<float> h,
        Vector256<float> mask, Span<Vector256<float>> velocity)
    {
        int d = chain.Dim;
        if (!chain.Tables.IsDense)
        {
            ReadOnlySpan<float> inverse = chain.Tables.InverseMass;
            for (int i = 0; i < d; i++) x[i] = Vector256.ConditionalSelect(mask, x[i] + h * Vector256.Create(inverse[i]) * p[i], x[i]);
            return;
        }
        Velocity(chain, p, velocity);
        for (int i = 0; i < d; i++) x[i] = Vector256.ConditionalSelect(mask, x[i] + h * velocity[i], x[i]);
    }
}
