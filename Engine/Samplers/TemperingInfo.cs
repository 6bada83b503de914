namespace TorchEbm.Samplers;

/// <summary>
/// What a <see cref="ParallelTempering"/> run reports about its replica exchanges over the returned steps (warm-up
/// excluded): the ladder it sampled with, the swap acceptance of each neighbour pair, and the round trips.
/// </summary>
/// <param name="InverseTemperatures">The ladder of the returned steps, beta_0 = 1 &gt; beta_1 &gt; ... (after warm-up's
/// adaptation when it ran).</param>
/// <param name="SwapAcceptance">Per neighbour pair (k, k + 1): the mean swap acceptance probability min(1, alpha) over the
/// chains and the swap rounds (every pair's probability is recorded in every round, though only every other round
/// attempts it: the Rao-Blackwellised estimate of its acceptance rate). NaN when no swap round ran.</param>
/// <param name="ChainSwapAcceptance">The same per chain: [chain, pair].</param>
/// <param name="RoundTrips">Per chain: how many times one of its replicas went from beta_0 to the hottest level and back.</param>
/// <param name="SwapRounds">Swap rounds run during the returned steps (one after every <see cref="ParallelTempering.SwapEvery"/>
/// steps but the last).</param>
public sealed record TemperingInfo(float[] InverseTemperatures, float[] SwapAcceptance, float[,] ChainSwapAcceptance, int[] RoundTrips,
    int SwapRounds);
