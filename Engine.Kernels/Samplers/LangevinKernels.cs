using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Energies;
using TorchEbm.Launch;
using TorchEbm.Random;

namespace TorchEbm.Samplers;

/// <summary>
/// Unadjusted Langevin dynamics: x &lt;- x - h dE/dx + s sqrt(2 h) xi, xi ~ N(0, I). One work item per chain.
/// </summary>
/// <remarks>
/// Noise of chain c, step t, coordinates 4k..4k+3 is Philox block (c, t, k, call) keyed by the seed; initial
/// states use step word <see cref="InitialStep"/>. So the samples depend only on the seed, the call index and the
/// chain, never on the launch grid, and the fused and step-by-step paths give the same numbers.
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
                energy.Gradient(row, gradient);
                Step(row, gradient, stepSizes[t], noiseScales[t], settings, rng, c, t);
                Keep(row, trajectory, settings, chains, c, t);
            }
        }
    }

    /// <summary>
    /// One step for every chain given precomputed gradients (the path for models without an analytic energy);
    /// step index settings.FirstStep, Steps ignored.
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
            Step(row, gradient.SubView(c * d, d), stepSizes[t], noiseScales[t], settings, rng, c, t);
            Keep(row, trajectory, settings, chains, c, t);
        }
    }

    private static void Step(ArrayView<float> row, ArrayView<float> gradient, float h, float noiseScale,
        LangevinSettings settings, Philox4x32 rng, int chain, int step)
    {
        int d = settings.Dim;
        float sigma = noiseScale * XMath.Sqrt(2f * h);
        for (int j = 0; j < d; j += 4)
        {
            Float4 z = rng.Normal4((uint)chain, (uint)step, (uint)(j >> 2), settings.Call);
            Move(row, gradient, j, h, sigma * z.X, settings);
            if (j + 1 < d) Move(row, gradient, j + 1, h, sigma * z.Y, settings);
            if (j + 2 < d) Move(row, gradient, j + 2, h, sigma * z.Z, settings);
            if (j + 3 < d) Move(row, gradient, j + 3, h, sigma * z.W, settings);
        }
    }

    private static void Move(ArrayView<float> row, ArrayView<float> gradient, int i, float h, float noise, LangevinSettings settings)
    {
        row[i] = XMath.Clamp(row[i] - h * gradient[i] + noise, settings.ClampMin, settings.ClampMax);
    }

    /// <summary>Writes the state after step t to trajectory[(t + 1) / thin - 1, c, :] when t + 1 is a multiple of thin.</summary>
    private static void Keep(ArrayView<float> row, ArrayView<float> trajectory, LangevinSettings settings, int chains, int chain, int step)
    {
        int d = settings.Dim;
        if ((step + 1) % settings.Thin != 0) return;
        long offset = ((long)((step + 1) / settings.Thin - 1) * chains + chain) * d;
        if (offset + d > trajectory.Length) return; // no trajectory requested
        for (int i = 0; i < d; i++) trajectory[offset + i] = row[i];
    }
}
