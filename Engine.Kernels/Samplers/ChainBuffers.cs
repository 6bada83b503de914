using ILGPU;

namespace TorchEbm.Kernels.Samplers;

/// <summary>
/// Every chain's working memory during a run: <paramref name="Rows"/> holds a transition's per-chain rows (row r of
/// chain c at ((r * chains) + c) * d, so row r of all chains is one (chains, d) block), <paramref name="Scalars"/> its
/// per-chain scalars (slot k of chain c at k * chains + c). Allocated once per run, so a chain's state carries over
/// from one launch to the next (warm-up launches, then the sampling launch).
/// </summary>
/// <param name="Rows">The transitions' rows.</param>
/// <param name="Scalars">The transitions' scalar slots.</param>
/// <param name="Statistics">Where the per-draw statistics of the kept states go (<see cref="ChainState.DrawStatistics"/>
/// blocks of (kept, chains): statistic k of kept row r of chain c at (k * kept + r) * chains + c), or one float to keep none.</param>
/// <remarks>Row 0 and scalar slot 0 receive each evaluation's gradient and energy; see <see cref="ChainState"/>.</remarks>
public readonly record struct ChainBuffers(ArrayView<float> Rows, ArrayView<float> Scalars, ArrayView<float> Statistics);
