namespace TorchEbm.Kernels.Samplers.Lanes;

/// <summary>
/// A transition's device tables as host spans (CPU-accelerator memory), read once per block of chain groups rather than
/// once per step; a transition fills the ones it has and leaves the rest empty.
/// </summary>
internal readonly ref struct LaneTables(ReadOnlySpan<float> stepSizes, ReadOnlySpan<float> noiseScales, ReadOnlySpan<float> stepScales,
    ReadOnlySpan<float> inverseMass, ReadOnlySpan<float> factor = default)
{
    /// <summary>Step size per launch step (the last entry holds from there on).</summary>
    public readonly ReadOnlySpan<float> StepSizes = stepSizes;

    /// <summary>Langevin's noise scale per launch step.</summary>
    public readonly ReadOnlySpan<float> NoiseScales = noiseScales;

    /// <summary>A Metropolis sampler's step-size factor: one value, or one per chain of the launch.</summary>
    public readonly ReadOnlySpan<float> StepScales = stepScales;

    /// <summary>A Hamiltonian sampler's M^-1: its diagonal (length d), or the whole matrix (d * d) when <see cref="IsDense"/>.</summary>
    public readonly ReadOnlySpan<float> InverseMass = inverseMass;

    /// <summary>A dense metric's lower Cholesky factor of M^-1 (d * d, <see cref="Metric.Factor"/>); empty for a diagonal one.</summary>
    public readonly ReadOnlySpan<float> Factor = factor;

    /// <summary>Whether the metric is dense (<see cref="Factor"/> given).</summary>
    public bool IsDense => !Factor.IsEmpty;

    /// <summary>Entry s of a schedule table, or its last entry when the table is shorter.</summary>
    public static float At(ReadOnlySpan<float> table, int s) => table[Math.Min(s, table.Length - 1)];
}
