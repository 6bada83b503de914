using ILGPU.Algorithms;
using ILGPU;
using TorchEbm.Energies;
using TorchEbm.Kernels.Random;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// Unadjusted Langevin dynamics: x &lt;- x - h dE/dx + s sqrt(2 h) xi, xi ~ N(0, I).
/// </summary>
/// <remarks>
/// Noise of chain c, step t, coordinates 4k..4k+3 is Philox block (c, t, k, call) keyed by the seed; initial
/// states use step word <see cref="InitialStep"/>. So the samples depend only on the seed, the call index and the
/// chain, never on the launch grid, and every kernel here gives the same numbers for the same chain.
/// Step s of a launch (global step t = FirstStep + s) reads h and s from stepSizes[s] and noiseScales[s], tables
/// the host builds from the schedules; a table shorter than the run holds its last value (a constant schedule is
/// a one-entry table, whatever the number of steps).
/// </remarks>
public static class LangevinKernels
{
    /// <summary>Philox step word reserved for initial states.</summary>
    public const uint InitialStep = uint.MaxValue;

    /// <summary>x[c, :] ~ N(0, I) for every chain c (work items: chains).</summary>
    [Kernel]
    public static void Initialize(ArrayView<float> x, int dim, Philox4x32 rng, uint call)
    {
        int chains = x.IntLength / dim, stride = GridStride.Stride;
        for (int c = GridStride.Start; c < chains; c += stride)
        {
            ArrayView<float> row = x.SubView(c * dim, dim);
            for (int j = 0; j < dim; j += 4)
                rng.Normal4((uint)c, InitialStep, (uint)(j >> 2), call).StoreTo(row, j);
        }
    }

    /// <summary>
    /// A whole chain per work item over an analytic energy: Steps steps with the state in the chain's row of x,
    /// gradient in <paramref name="scratch"/>, noise from Philox in-kernel, and only kept states written to
    /// <paramref name="trajectory"/> (pass a one-element view to keep none).
    /// </summary>
    [Kernel(Hot = true)]
    public static void Chains<TEnergy>(
        ArrayView<float> x, ArrayView<float> scratch, ArrayView<float> trajectory,
        ArrayView<float> stepSizes, ArrayView<float> noiseScales, LangevinSettings settings, Philox4x32 rng, TEnergy energy)
        where TEnergy : struct, IEnergy
    {
        int d = settings.Dim, chains = x.IntLength / d, stride = GridStride.Stride;
        for (int c = GridStride.Start; c < chains; c += stride)
        {
            ArrayView<float> row = x.SubView(c * d, d), gradient = scratch.SubView(c * d, d);
            for (int s = 0; s < settings.Steps; s++)
            {
                int t = settings.FirstStep + s;
                EnergyKernels.WriteGradient(energy, row, gradient);
                Step(row, gradient, At(stepSizes, s), At(noiseScales, s), settings, rng, c, t);
                Keep(row, trajectory, settings, chains, c, t);
            }
        }
    }

    /// <summary>
    /// A whole chain over a separable energy with one work item per (chain, block of four coordinates): the block
    /// stays in registers for all Steps steps and only kept states touch memory. Same Philox counters and the same
    /// float operations as <see cref="Chains{TEnergy}"/>, so both give identical samples.
    /// </summary>
    [Kernel(Hot = true)]
    public static void Coordinates<TEnergy>(
        ArrayView<float> x, ArrayView<float> trajectory,
        ArrayView<float> stepSizes, ArrayView<float> noiseScales, LangevinSettings settings, Philox4x32 rng, TEnergy energy)
        where TEnergy : struct, ISeparableEnergy
    {
        int d = settings.Dim, chains = x.IntLength / d, blocks = (d + 3) >> 2, stride = GridStride.Stride;
        int items = chains * blocks;
        float lo = settings.ClampMin, hi = settings.ClampMax;
        // Constant schedules (one-entry tables) give h and sigma once, outside the step loop.
        bool scheduled = stepSizes.IntLength > 1 || noiseScales.IntLength > 1;
        float h0 = stepSizes[0], sigma0 = noiseScales[0] * XMath.Sqrt(2f * h0);
        for (int item = GridStride.Start; item < items; item += stride)
        {
            int c = item / blocks, k = item - c * blocks, j = k << 2;
            ArrayView<float> block = x.SubView(c * d + j, XMath.Min(4, d - j));
            Float4 v = Float4.LoadFrom(block, 0);
            float x0 = v.X, x1 = v.Y, x2 = v.Z, x3 = v.W;
            for (int s = 0; s < settings.Steps; s++)
            {
                int t = settings.FirstStep + s;
                float h = h0, sigma = sigma0;
                if (scheduled)
                {
                    h = At(stepSizes, s);
                    sigma = At(noiseScales, s) * XMath.Sqrt(2f * h);
                }
                Float4 z = rng.Normal4((uint)c, (uint)t, (uint)k, settings.Call);
                x0 = Move(x0, energy.CoordinateGradient(x0), h, sigma * z.X, lo, hi);
                x1 = Move(x1, energy.CoordinateGradient(x1), h, sigma * z.Y, lo, hi);
                x2 = Move(x2, energy.CoordinateGradient(x2), h, sigma * z.Z, lo, hi);
                x3 = Move(x3, energy.CoordinateGradient(x3), h, sigma * z.W, lo, hi);
                long offset = KeptOffset(trajectory, settings, chains, c, t);
                if (offset >= 0) new Float4(x0, x1, x2, x3).StoreTo(trajectory.SubView(offset + j, block.IntLength), 0);
            }
            new Float4(x0, x1, x2, x3).StoreTo(block, 0);
        }
    }

    /// <summary>
    /// One step for every chain given precomputed gradients (the path for models without an analytic energy):
    /// step index settings.FirstStep (Philox counter), schedule values stepSizes[0] and noiseScales[0], Steps ignored.
    /// </summary>
    [Kernel(Hot = true)]
    public static void Update(
        ArrayView<float> x, ArrayView<float> gradient, ArrayView<float> trajectory,
        ArrayView<float> stepSizes, ArrayView<float> noiseScales, LangevinSettings settings, Philox4x32 rng)
    {
        int d = settings.Dim, chains = x.IntLength / d, stride = GridStride.Stride, t = settings.FirstStep;
        for (int c = GridStride.Start; c < chains; c += stride)
        {
            ArrayView<float> row = x.SubView(c * d, d);
            Step(row, gradient.SubView(c * d, d), stepSizes[0], noiseScales[0], settings, rng, c, t);
            Keep(row, trajectory, settings, chains, c, t);
        }
    }

    internal static void Step(ArrayView<float> row, ArrayView<float> gradient, float h, float noiseScale,
        LangevinSettings settings, Philox4x32 rng, int chain, int step)
    {
        int d = settings.Dim;
        float sigma = noiseScale * XMath.Sqrt(2f * h), lo = settings.ClampMin, hi = settings.ClampMax;
        for (int j = 0; j < d; j += 4)
        {
            Float4 z = j + 2 < d
                ? rng.Normal4((uint)chain, (uint)step, (uint)(j >> 2), settings.Call)
                : rng.Normal2((uint)chain, (uint)step, (uint)(j >> 2), settings.Call); // same X, Y; skips the unused pair
            row[j] = Move(row[j], gradient[j], h, sigma * z.X, lo, hi);
            if (j + 1 < d) row[j + 1] = Move(row[j + 1], gradient[j + 1], h, sigma * z.Y, lo, hi);
            if (j + 2 < d) row[j + 2] = Move(row[j + 2], gradient[j + 2], h, sigma * z.Z, lo, hi);
            if (j + 3 < d) row[j + 3] = Move(row[j + 3], gradient[j + 3], h, sigma * z.W, lo, hi);
        }
    }

    /// <summary>Entry s of a schedule table, or its last entry when the table is shorter (constant from there on).</summary>
    internal static float At(ArrayView<float> table, int s) => table[XMath.Min(s, table.IntLength - 1)];

    /// <summary>One coordinate's Langevin move: clamp(x - h g + noise) into [lo, hi].</summary>
    private static float Move(float x, float gradient, float h, float noise, float lo, float hi) =>
        XMath.Clamp(x - h * gradient + noise, lo, hi);

    /// <summary>Writes the state after step t to trajectory[(t + 1) / thin - 1, c, :] when t + 1 is a multiple of thin.</summary>
    internal static void Keep(ArrayView<float> row, ArrayView<float> trajectory, LangevinSettings settings, int chains, int chain, int step)
    {
        long offset = KeptOffset(trajectory, settings, chains, chain, step);
        if (offset < 0) return;
        for (int i = 0; i < row.IntLength; i++) trajectory[offset + i] = row[i];
    }

    /// <summary>Start of chain c's row for the state after step t in the trajectory, or -1 when that state is not kept.</summary>
    private static long KeptOffset(ArrayView<float> trajectory, LangevinSettings settings, int chains, int chain, int step)
    {
        int d = settings.Dim;
        if ((step + 1) % settings.Thin != 0) return -1;
        long offset = ((long)((step + 1) / settings.Thin - 1) * chains + chain) * d;
        return offset + d > trajectory.Length ? -1 : offset; // beyond the end: no trajectory requested
    }
}
