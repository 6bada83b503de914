namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// The shape of <see cref="ChainKernels.GroupChains{TSource, TTransition}"/>: a group of threads owns
/// <see cref="Chains"/> chains at a time and evaluates their energies together through an
/// <see cref="IGroupEnergySource"/>, with <see cref="SharedFloats"/> floats of shared memory to stage what its threads share.
/// </summary>
public static class ChainGroup
{
    /// <summary>Chains a group owns at a time: each weight a group source reads serves this many chains.</summary>
    public const int Chains = 8;

    /// <summary>Most threads per group; the launcher caps the group size here, so a source may size its tiles by it.</summary>
    public const int MaxThreads = 128;

    /// <summary>Depth of a shared tile: the rows or columns of a weight block staged at once (see <see cref="TorchEbm.Networks.MlpGroupSource{TFn}"/>).</summary>
    public const int TileDepth = 64;

    /// <summary>Floats of the weight tile: <see cref="MaxThreads"/> x (<see cref="TileDepth"/> + 1), which also holds
    /// <see cref="TileDepth"/> x (<see cref="MaxThreads"/> + 1); the odd row stride keeps a warp's reads on distinct banks.</summary>
    public const int TileFloats = MaxThreads * (TileDepth + 1);

    /// <summary>Shared floats per group: the weight tile and a <see cref="Chains"/> x (<see cref="TileDepth"/> + 1) block of
    /// per-chain vectors (35,360 bytes, under the 48 KB a CUDA block may allocate statically).</summary>
    public const int SharedFloats = TileFloats + Chains * (TileDepth + 1);

    /// <summary>Groups needed for <paramref name="chains"/> chains.</summary>
    public static long For(long chains) => (chains + Chains - 1) / Chains;
}
