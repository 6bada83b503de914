using System.Runtime.CompilerServices;
using ILGPU;
using TorchEbm.Kernels.Random;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Losses;

/// <summary>The replay buffer of persistent contrastive divergence: a ring of chain states on the device.</summary>
public static class ReplayKernels
{
    /// <summary>Philox counter word 2 reserved for the replay buffer.</summary>
    public const uint Stream = 4;

    /// <summary>
    /// x[i, :] = buffer row (start + i) mod rows, or a fresh N(0, I) state when the uniform of Philox block
    /// (firstChain + i, call, Stream, 0) is below <paramref name="reinitFraction"/> (work items: chains of x). The chains
    /// are global chains firstChain + i of a call (a data-parallel replica's share), so restarts do not depend on the split.
    /// ages[row] counts the sampler steps the row's chain has run since it last started from noise: it becomes
    /// <paramref name="steps"/> on a restart and grows by <paramref name="steps"/> otherwise (the steps this call runs),
    /// saturating at int.MaxValue.
    /// </summary>
    [Kernel]
    public static void Gather(ArrayView<float> buffer, ArrayView<int> ages, ArrayView<float> x, int dim, int start, float reinitFraction,
        Philox4x32 rng, uint call, int firstChain, int steps)
    {
        int chains = x.IntLength / dim, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < chains; i += stride) GatherRow(i, buffer, ages, x, dim, start, reinitFraction, rng, call, firstChain, steps);
    }

    /// <summary>Work item i of <see cref="Gather"/> (also run by a host loop where the chains are host code, sparing the launch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GatherRow(int i, ArrayView<float> buffer, ArrayView<int> ages, ArrayView<float> x, int dim, int start, float reinitFraction,
        Philox4x32 rng, uint call, int firstChain, int steps)
    {
        int rows = buffer.IntLength / dim;
        ArrayView<float> target = x.SubView(i * dim, dim);
        uint chain = (uint)(firstChain + i);
        int row = (int)(((long)start + i) % rows);
        if (rng.Uniform4(chain, call, Stream, 0).X < reinitFraction)
        {
            for (int j = 0; j < dim; j += 4)
                rng.Normal4(chain, call, Stream, (uint)(1 + (j >> 2))).StoreTo(target, j);
            ages[row] = steps;
            return;
        }
        for (int j = 0; j < dim; j++) target[j] = buffer[row * dim + j];
        int age = ages[row];
        ages[row] = age > int.MaxValue - steps ? int.MaxValue : age + steps;
    }

    /// <summary>buffer row (start + i) mod rows = x[i, :] (work items: chains of x).</summary>
    [Kernel]
    public static void Scatter(ArrayView<float> x, ArrayView<float> buffer, int dim, int start)
    {
        int chains = x.IntLength / dim, stride = GridStride.Stride;
        for (int i = GridStride.Start; i < chains; i += stride) ScatterRow(i, x, buffer, dim, start);
    }

    /// <summary>Work item i of <see cref="Scatter"/> (also run by a host loop, as <see cref="GatherRow"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScatterRow(int i, ArrayView<float> x, ArrayView<float> buffer, int dim, int start)
    {
        int row = (int)(((long)start + i) % (buffer.IntLength / dim));
        for (int j = 0; j < dim; j++) buffer[row * dim + j] = x[i * dim + j];
    }
}
