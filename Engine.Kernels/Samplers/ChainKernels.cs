using ILGPU;
using TorchEbm.Functions;
using TorchEbm.Kernels.Random;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// The one fused chain loop: any <see cref="ITransition"/> over any <see cref="IEnergySource"/>, a whole chain per
/// work item, with the shared keep/thin logic. Only kept states leave the chain's rows.
/// </summary>
public static class ChainKernels
{
    /// <summary>
    /// settings.Steps steps of every chain (row of <paramref name="x"/>), its scratch row in <paramref name="scratch"/>
    /// (same shape as x), writing the state after global step t to the trajectory when t + 1 is a multiple of Thin
    /// (pass a one-element view to keep none).
    /// </summary>
    // Instantiated with every energy source (every analytic energy, and the MLP with each activation the tape
    // offers) and every transition.
    [Kernel(Hot = true, Instantiations = [typeof(ReLU), typeof(LeakyReLU), typeof(Tanh), typeof(Sigmoid), typeof(Softplus), typeof(SiLU), typeof(ELU), typeof(GELU)])]
    public static void Chains<TSource, TTransition>(
        ArrayView<float> x, ArrayView<float> scratch, ArrayView<float> trajectory, ChainSettings settings, Philox4x32 rng,
        TSource source, TTransition transition)
        where TSource : struct, IEnergySource
        where TTransition : struct, ITransition
    {
        int d = settings.Dim, chains = x.IntLength / d, stride = GridStride.Stride;
        for (int c = GridStride.Start; c < chains; c += stride)
        {
            ArrayView<float> row = x.SubView(c * d, d), chainScratch = scratch.SubView(c * d, d);
            for (int s = 0; s < settings.Steps; s++)
            {
                transition.Step(source, row, chainScratch, c, s, settings, rng);
                Keep(row, trajectory, settings, chains, c, settings.FirstStep + s);
            }
        }
    }

    /// <summary>Writes the state after step t to trajectory[(t + 1) / thin - 1, c, :] when t + 1 is a multiple of thin.</summary>
    internal static void Keep(ArrayView<float> row, ArrayView<float> trajectory, ChainSettings settings, int chains, int chain, int step)
    {
        long offset = KeptOffset(trajectory, settings, chains, chain, step);
        if (offset < 0) return;
        for (int i = 0; i < row.IntLength; i++) trajectory[offset + i] = row[i];
    }

    /// <summary>Start of chain c's row for the state after step t in the trajectory, or -1 when that state is not kept.</summary>
    internal static long KeptOffset(ArrayView<float> trajectory, ChainSettings settings, int chains, int chain, int step)
    {
        int d = settings.Dim;
        if ((step + 1) % settings.Thin != 0) return -1;
        long offset = ((long)((step + 1) / settings.Thin - 1) * chains + chain) * d;
        return offset + d > trajectory.Length ? -1 : offset; // beyond the end: no trajectory requested
    }
}
