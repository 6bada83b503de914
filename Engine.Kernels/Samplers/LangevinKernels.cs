using ILGPU.Algorithms;
using ILGPU;
using TorchEbm.Energies;
using TorchEbm.Kernels.Random;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// Langevin's kernels besides the generic chain loop (<see cref="ChainKernels.Chains{TSource, TTransition}"/> with
/// <see cref="LangevinTransition"/>): initial states (every sampler's) and the per-coordinate special case for
/// separable energies.
/// </summary>
/// <remarks>
/// Every kernel here draws chain c's noise at step t from the same Philox counters as <see cref="LangevinTransition"/>;
/// initial states use step word <see cref="InitialStep"/>. So the samples depend only on the seed, the call index and
/// the chain, never on the launch grid or on which kernel ran.
/// </remarks>
public static class LangevinKernels
{
    /// <summary>Philox step word reserved for initial states.</summary>
    public const uint InitialStep = uint.MaxValue;

    /// <summary>x[c, :] ~ N(0, I) for every chain c (work items: chains), drawn as global chain firstChain + c.</summary>
    [Kernel]
    public static void Initialize(ArrayView<float> x, int dim, Philox4x32 rng, uint call, int firstChain)
    {
        int chains = x.IntLength / dim, stride = GridStride.Stride;
        for (int c = GridStride.Start; c < chains; c += stride)
        {
            ArrayView<float> row = x.SubView(c * dim, dim);
            for (int j = 0; j < dim; j += 4)
                rng.Normal4((uint)(firstChain + c), InitialStep, (uint)(j >> 2), call).StoreTo(row, j);
        }
    }

    /// <summary>
    /// A whole chain over a separable energy with one work item per (chain, block of four coordinates): the block
    /// stays in registers for all Steps steps and only kept states touch memory. Same Philox counters and the same
    /// float operations as the generic chain kernel with <see cref="LangevinTransition"/>, so both give identical samples.
    /// </summary>
    [Kernel(Hot = true)]
    public static void Coordinates<TEnergy>(
        ArrayView<float> x, ArrayView<float> trajectory, ChainSettings settings, Philox4x32 rng,
        LangevinTransition transition, TEnergy energy)
        where TEnergy : struct, ISeparableEnergy
    {
        int d = settings.Dim, chains = x.IntLength / d, blocks = (d + 3) >> 2, stride = GridStride.Stride;
        int items = chains * blocks;
        float lo = transition.ClampMin, hi = transition.ClampMax;
        ArrayView<float> stepSizes = transition.StepSizes, noiseScales = transition.NoiseScales;
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
                    h = LangevinTransition.At(stepSizes, s);
                    sigma = LangevinTransition.At(noiseScales, s) * XMath.Sqrt(2f * h);
                }
                Float4 z = rng.Normal4(settings.ChainWord(c), (uint)t, (uint)k, settings.Call);
                x0 = LangevinTransition.Coordinate(x0, energy.CoordinateGradient(x0), h, sigma * z.X, lo, hi);
                x1 = LangevinTransition.Coordinate(x1, energy.CoordinateGradient(x1), h, sigma * z.Y, lo, hi);
                x2 = LangevinTransition.Coordinate(x2, energy.CoordinateGradient(x2), h, sigma * z.Z, lo, hi);
                x3 = LangevinTransition.Coordinate(x3, energy.CoordinateGradient(x3), h, sigma * z.W, lo, hi);
                long offset = ChainKernels.KeptOffset(trajectory, settings, chains, c, t);
                if (offset >= 0) new Float4(x0, x1, x2, x3).StoreTo(trajectory.SubView(offset + j, block.IntLength), 0);
            }
            new Float4(x0, x1, x2, x3).StoreTo(block, 0);
        }
    }
}
