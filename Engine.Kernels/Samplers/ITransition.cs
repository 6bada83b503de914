using ILGPU;
using TorchEbm.Kernels.Random;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// One sampling algorithm's step (Langevin today; MALA and HMC to come), separate from the energy it runs on:
/// <see cref="ChainKernels.Chains{TSource, TTransition}"/> runs any transition over any <see cref="IEnergySource"/>.
/// Implemented by small structs holding the algorithm's settings (schedule tables, bounds).
/// </summary>
/// <remarks>
/// A chain's state is its row of positions and a row of scratch the same length (Langevin keeps its gradient
/// there). Noise of chain c at global step t must come from Philox counters (c, t, k, settings.Call), so samples
/// never depend on the launch grid.
/// </remarks>
public interface ITransition
{
    /// <summary>
    /// Advances chain <paramref name="chain"/> by step <paramref name="s"/> of the launch (global step
    /// settings.FirstStep + s) over <paramref name="source"/>.
    /// </summary>
    void Step<TSource>(in TSource source, ArrayView<float> x, ArrayView<float> scratch, int chain, int s,
        ChainSettings settings, Philox4x32 rng)
        where TSource : struct, IEnergySource;
}
