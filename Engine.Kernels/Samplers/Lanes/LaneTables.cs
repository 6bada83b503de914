namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>
/// A transition's device tables as host spans (CPU-accelerator memory), read once per block of chain groups rather than
/// once per step; a transition fills the ones it has and leaves the rest empty.
/// </summary>
internal readonly ref struct LaneTables(ReadOnlySpan<float> stepSizes, ReadOnlySpan<float> noiseScales, ReadOnlySpan<float> stepScales,
    ReadOnlySpan<float> inverseMass)
{
    /// <summary>Step size per launch step (the last entry holds from there on).</summary>
    public readonly ReadOnlySpan<float> StepSizes = stepSizes;

    /// <summary>Langevin's noise scale per launch step.</summary>
    public readonly ReadOnlySpan<float> NoiseScales = noiseScales;

    /// <summary>A Metropolis sampler's step-size factor: one value, or one per chain of the launch.</summary>
    public readonly ReadOnlySpan<float> StepScales = stepScales;

    /// <summary>HMC's inverse mass diagonal (length d).</summary>
    public readonly ReadOnlySpan<float> InverseMass = inverseMass;

    /// <summary>Entry s of a schedule table, or its last entry when the table is shorter.</summary>
    public static float At(ReadOnlySpan<float> table, int s) => table[Math.Min(s, table.Length - 1)];
}
