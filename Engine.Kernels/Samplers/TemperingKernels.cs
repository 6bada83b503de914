using ILGPU;
using ILGPU.Algorithms;
using TorchEbm.Kernels.Random;
using TorchEbm.Launch;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// Parallel tempering's kernels between the chain launches: the replica-exchange swap of neighbouring temperatures, the
/// round-trip bookkeeping, and the gather of the beta = 1 replicas. Work items: chains (one thread owns all replicas of a
/// chain, so every update is deterministic).
/// </summary>
public static class TemperingKernels
{
    /// <summary>Philox counter word 2 of the swap uniforms of pair k: (0x4000_0000 | k), disjoint from the transitions' words.</summary>
    public static uint SwapWord(int pair) => 0x4000_0000u | (uint)pair;

    /// <summary>
    /// One swap round of every chain (non-reversible even/odd scheme, Syed et al. 2021): the pairs (k, k + 1) with
    /// k = <paramref name="parity"/>, parity + 2, ... exchange temperatures with probability min(1, alpha),
    /// log alpha = (beta_k - beta_{k+1}) (E_a - E_b), where row a holds level k and row b level k + 1 and
    /// <paramref name="energies"/> are the rows' untempered energies. Adds min(1, alpha) of every pair to
    /// <see cref="TemperingState.Acceptance"/> (computed before any swap of the round), then counts a round trip for a
    /// replica arriving at level 0 after having reached level R - 1. A NaN alpha counts as 0 (no swap).
    /// </summary>
    /// <remarks>The uniform of pair k of chain j is Philox block (firstChain + j, step, <see cref="SwapWord"/>(k), call).X.</remarks>
    [Kernel]
    public static void Swap(ArrayView<float> energies, TemperingState state, int parity, uint step, uint call, int firstChain, Philox4x32 rng)
    {
        int n = state.Chains, levels = state.Replicas, stride = GridStride.Stride;
        for (int j = GridStride.Start; j < n; j += stride)
        {
            for (int k = 0; k + 1 < levels; k++)
            {
                float p = AcceptProbability(energies, state, n, j, k);
                state.Acceptance[(long)k * n + j] += p;
            }
            for (int k = parity; k + 1 < levels; k += 2)
            {
                float p = AcceptProbability(energies, state, n, j, k);
                float u = rng.Uniform4((uint)(firstChain + j), step, SwapWord(k), call).X;
                if (!(u < p)) continue;
                int a = state.Rows[(long)k * n + j], b = state.Rows[(long)(k + 1) * n + j];
                state.Levels[a] = k + 1;
                state.Levels[b] = k;
                state.Rows[(long)k * n + j] = b;
                state.Rows[(long)(k + 1) * n + j] = a;
            }
            int cold = state.Rows[j], hot = state.Rows[(long)(levels - 1) * n + j];
            if (state.Trips[cold] == 2) state.RoundTrips[j] += 1;
            state.Trips[cold] = 1;
            if (state.Trips[hot] == 1) state.Trips[hot] = 2;
        }
    }

    /// <summary>min(1, alpha) of swapping levels k and k + 1 of chain j; 0 when alpha is NaN.</summary>
    private static float AcceptProbability(ArrayView<float> energies, TemperingState state, int n, int j, int k)
    {
        float logAlpha = (state.Ladder[k] - state.Ladder[k + 1])
            * (energies[state.Rows[(long)k * n + j]] - energies[state.Rows[(long)(k + 1) * n + j]]);
        if (logAlpha >= 0f) return 1f;
        float p = XMath.Exp(logAlpha);
        return p >= 0f ? p : 0f; // NaN: never swap
    }

    /// <summary>
    /// Restarts the round-trip count of every chain: no trip completed, the replica at level 0 leaves it now, the others
    /// have not been there yet.
    /// </summary>
    [Kernel]
    public static void StartTrips(TemperingState state)
    {
        int n = state.Chains, levels = state.Replicas, stride = GridStride.Stride;
        for (int j = GridStride.Start; j < n; j += stride)
        {
            state.RoundTrips[j] = 0;
            for (int k = 0; k < levels; k++) state.Trips[state.Rows[(long)k * n + j]] = k == 0 ? 1 : 0;
        }
    }

    /// <summary>
    /// Copies the beta = 1 replica of every chain out of <paramref name="replicas"/> (kept, R n, d) into
    /// <paramref name="cold"/> (kept, n, d): row <paramref name="rows"/>[j] of chain j (the first n entries of
    /// <see cref="TemperingState.Rows"/>). Work items: kept x n.
    /// </summary>
    [Kernel]
    public static void GatherCold(ArrayView<float> replicas, ArrayView<int> rows, ArrayView<float> cold, int dim, int chains)
    {
        long items = cold.Length / dim, stride = GridStride.Stride, rowsPerDraw = rows.Length;
        for (long i = GridStride.Start; i < items; i += stride)
        {
            long draw = i / chains;
            int j = (int)(i - draw * chains);
            long from = (draw * rowsPerDraw + rows[j]) * dim, to = i * dim;
            for (int c = 0; c < dim; c++) cold[to + c] = replicas[from + c];
        }
    }
}
