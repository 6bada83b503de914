namespace TorchEbm.Samplers;

/// <summary>
/// What <see cref="ParallelTempering"/> hands the run loop beside its inner sampler's transition: the request's Chains
/// are the R x <paramref name="Chains"/> replicas (replica r of chain j is row r n + j, starting at level r), and the
/// options' warm-up, initial states and seed are these (the inner sampler's own warm-up adaptation does not run).
/// </summary>
/// <param name="InverseTemperatures">The starting ladder beta_0 = 1 &gt; beta_1 &gt; ... &gt; 0.</param>
/// <param name="SwapEvery">Inner steps between swap rounds.</param>
/// <param name="AdaptLadder">Whether warm-up moves the inner levels towards equal swap rates.</param>
/// <param name="Chains">The chains n the caller asked for.</param>
/// <param name="WarmupSteps">Warm-up steps (inner steps), with swaps and ladder adaptation.</param>
/// <param name="InitialSamples">Every chain's starting state (n, d), given to all its replicas; null: N(0, I).</param>
/// <param name="Seed">The Philox key of the call.</param>
/// <param name="Call">The Philox call word of the call.</param>
internal sealed record TemperingPlan(float[] InverseTemperatures, int SwapEvery, bool AdaptLadder, int Chains, int WarmupSteps,
    Tensor? InitialSamples, long Seed, uint Call)
{
    /// <summary>Replicas per chain.</summary>
    public int Replicas => InverseTemperatures.Length;
}
