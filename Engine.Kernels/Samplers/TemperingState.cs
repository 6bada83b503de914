using ILGPU;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// Parallel tempering's device state for n chains of R replicas each, the replicas run as the R n chains (rows) of one
/// launch: which row holds which temperature, and the swap statistics. Rows never move; only <see cref="Levels"/> and
/// <see cref="Rows"/> change when a swap is accepted.
/// </summary>
/// <param name="Ladder">The inverse temperatures beta_0 = 1 &gt; ... &gt; beta_{R-1} &gt; 0 (R floats).</param>
/// <param name="Levels">The level (index into the ladder) each row holds (R n ints).</param>
/// <param name="Rows">The row holding level k of chain j at k n + j (R n ints): the inverse of <see cref="Levels"/>.</param>
/// <param name="Acceptance">Sum over swap rounds of the swap acceptance probability min(1, alpha) of the levels k, k + 1 of
/// chain j at k n + j ((R - 1) n floats), accumulated for every pair in every round, attempted or not.</param>
/// <param name="Trips">Each row's progress through a round trip (R n ints): 0 not yet at level 0, 1 left level 0 (heading for
/// level R - 1), 2 reached level R - 1 since (heading back).</param>
/// <param name="RoundTrips">Completed round trips of each chain's replicas, level 0 to R - 1 and back (n ints).</param>
public readonly record struct TemperingState(ArrayView<float> Ladder, ArrayView<int> Levels, ArrayView<int> Rows, ArrayView<float> Acceptance,
    ArrayView<int> Trips, ArrayView<int> RoundTrips)
{
    /// <summary>Replicas (temperature levels) per chain.</summary>
    public int Replicas => Ladder.IntLength;

    /// <summary>Chains (each of <see cref="Replicas"/> rows).</summary>
    public int Chains => RoundTrips.IntLength;
}
