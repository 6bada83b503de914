using TorchEbm.Samplers;

namespace TorchEbm.Distributed;

/// <summary>
/// Sharded sampling: the chains of one call split over the ranks by global chain index, each rank running its share
/// with <see cref="SampleOptions.FirstChain"/> set, so every chain draws the Philox numbers it draws in one process and
/// the gathered samples are bit-identical to a single-process run with the same seed, whatever the number of ranks.
/// </summary>
/// <remarks>
/// Every rank checks the same arguments the same way, so bad input throws on every rank alike. What one rank alone can
/// meet (e.g. <see cref="SampleOptions.ThrowOnNonFinite"/> on its own chains, a device failure) leaves the others waiting
/// in the gather: run the call inside <see cref="Communicator.Guard{T}"/>, which aborts every rank then.
/// </remarks>
public static class ShardedSampling
{
    /// <summary>
    /// Runs <paramref name="nSamples"/> chains split over the ranks of <paramref name="communicator"/> (every rank calls
    /// it with the same arguments and an equal sampler and model) and gathers them on rank 0.
    /// </summary>
    /// <param name="communicator">The ranks; a single one runs every chain.</param>
    /// <param name="sampler">This rank's sampler (same type, settings, seed and model on every rank).</param>
    /// <param name="dim">Dimension.</param>
    /// <param name="nSteps">Steps after warm-up.</param>
    /// <param name="nSamples">Chains in all.</param>
    /// <param name="options">As for <see cref="Sampler.SampleChain"/>; InitialSamples, when given, are all nSamples rows
    /// (each rank takes its own). Seed should be set, or every rank's sampler must have made the same calls before.</param>
    /// <exception cref="ArgumentOutOfRangeException">nSamples is smaller than the number of ranks.</exception>
    /// <exception cref="ArgumentException">options.FirstChain is set (the split sets it); or, on several ranks, a warm-up
    /// adapts something pooled over all chains (shared step-size adaptation, restarts of stranded chains, HMC's or NUTS's mass), which a rank's
    /// share alone cannot reproduce; or any check of <see cref="Sampler.SampleChain"/> fails.</exception>
    public static GatheredChains SampleChain(Communicator communicator, Sampler sampler, int dim, int nSteps, int nSamples,
        SampleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(sampler);
        options ??= new SampleOptions();
        if (options.FirstChain != 0)
            throw new ArgumentException("options.FirstChain must be 0: the split over the ranks sets each rank's first chain.", nameof(options));
        if (communicator.Size > 1 && options.WarmupSteps > 0 && sampler is MetropolisAdjustedLangevin or HamiltonianMonteCarlo or NoUTurnSampler)
        {
            bool pooled = options.StepSizeAdaptation == StepSizeAdaptation.Shared || options.RestartStrandedChains
                          || (sampler is HamiltonianMonteCarlo or NoUTurnSampler && options.AdaptMass);
            if (pooled)
                throw new ArgumentException(
                    "A warm-up that adapts one step size from all chains' acceptance (or the mass from all chains' positions, or restarts " +
                    "chains from the ensemble's energies) cannot be split over ranks bit for bit: use StepSizeAdaptation.PerChain, " +
                    "RestartStrandedChains = false (and AdaptMass = false for HMC and NUTS), no warm-up, or one rank.",
                    nameof(options));
        }
        (int first, int count) = communicator.ShareOf(nSamples, nameof(nSamples));
        Tensor? initial = null;
        try
        {
            if (options.InitialSamples is Tensor all && communicator.Size > 1)
            {
                if (all.Rank != 2 || all.Dim(0) != nSamples || all.Dim(1) != dim)
                    throw new ArgumentException(
                        $"options.InitialSamples has shape {string.Join("x", all.Shape)} but the run needs ({nSamples}, {dim}).", nameof(options));
                initial = all.Device.FromArray(all.ToArray()[(first * dim)..((first + count) * dim)], count, dim);
            }
            SampleOptions mine = options with { FirstChain = first, InitialSamples = initial ?? options.InitialSamples };
            using ChainResult result = sampler.SampleChain(dim, nSteps, count, mine);
            int kept = result.Trajectory is Tensor t ? t.Dim(0) : 0;
            float[]? samples = communicator.GatherToRoot(result.Samples.ToArray());
            float[]? trajectory = kept > 0 ? Interleave(communicator.GatherToRoot(result.Trajectory!.ToArray()), kept, nSamples, dim, communicator) : null;
            float[]? acceptance = null, divergences = null, stepSizes = null, inverseMass = null;
            DrawStatistics perDraw = DrawStatistics.None;
            int[] stranded = [];
            if (result.Info is ChainInfo info)
            {
                DrawStatistics local = result.PerDrawStatistics();
                float[,]? Gather(float[,]? rows) =>
                    kept > 0 && rows is not null ? Matrix(Interleave(communicator.GatherToRoot(Flat(rows)), kept, nSamples, 1, communicator), kept, nSamples) : null;
                perDraw = new DrawStatistics(Gather(local.AcceptStat), Gather(local.Energy), Gather(local.TreeDepth), Gather(local.Leapfrogs), Gather(local.Divergent));
                // Each rank numbers its stranded chains from 0: shifted by its first chain, they are global indices.
                float[]? allStranded = communicator.GatherToRoot([.. info.StrandedChains.Select(c => (float)(c + first))]);
                stranded = allStranded is null ? [] : [.. allStranded.Select(c => (int)c)];
                acceptance = communicator.GatherToRoot(info.AcceptanceRate.ToArray());
                divergences = communicator.GatherToRoot(info.DivergencesPerChain.ToArray());
                float[] steps = info.StepSizes.ToArray();
                // One shared step size is the same on every rank; per-chain ones are gathered like the chains.
                stepSizes = steps.Length == count && count > 1 ? communicator.GatherToRoot(steps) : communicator.IsRoot ? steps : null;
                inverseMass = communicator.IsRoot ? info.InverseMass?.ToArray() : null;
            }
            return new GatheredChains(nSamples, dim, kept, samples, trajectory, acceptance, divergences, stepSizes, inverseMass)
            {
                PerDrawStatistics = communicator.IsRoot ? perDraw : DrawStatistics.None,
                StrandedChains = stranded,
                MaxTreeDepth = (sampler as NoUTurnSampler)?.MaxTreeDepth,
            };
        }
        finally
        {
            initial?.Dispose();
        }
    }

    private static float[] Flat(float[,] rows)
    {
        var flat = new float[rows.Length];
        Buffer.BlockCopy(rows, 0, flat, 0, flat.Length * sizeof(float));
        return flat;
    }

    private static float[,]? Matrix(float[]? flat, int rows, int columns)
    {
        if (flat is null) return null;
        var matrix = new float[rows, columns];
        Buffer.BlockCopy(flat, 0, matrix, 0, flat.Length * sizeof(float));
        return matrix;
    }

    /// <summary>
    /// The ranks' trajectories, concatenated rank by rank as (kept, share, d) blocks, reordered into one (kept, n, d) trajectory.
    /// </summary>
    private static float[]? Interleave(float[]? gathered, int kept, int chains, int dim, Communicator communicator)
    {
        if (gathered is null || communicator.Size == 1) return gathered;
        var trajectory = new float[gathered.Length];
        long offset = 0;
        for (int r = 0; r < communicator.Size; r++)
        {
            (int first, int count, _) = Losses.BatchShard.Of(chains, r, communicator.Size);
            for (int t = 0; t < kept; t++)
            {
                Array.Copy(gathered, offset, trajectory, ((long)t * chains + first) * dim, (long)count * dim);
                offset += (long)count * dim;
            }
        }
        return trajectory;
    }
}
