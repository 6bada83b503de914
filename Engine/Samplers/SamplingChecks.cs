using System.Globalization;
using TorchEbm.Diagnostics;

namespace TorchEbm.Samplers;

/// <summary>
/// The rules behind <see cref="ChainResult.Warnings"/> (and the CLI's), on host arrays so that any holder of a run's
/// numbers (a <see cref="ChainResult"/>, the draws gathered over MPI ranks) warns alike. Thresholds are Stan's:
/// split R-hat above 1.01, bulk or tail ESS below 100 per chain, any divergence, E-BFMI below 0.3, any transition at the
/// maximum tree depth; and two of this engine's: a chain that never accepted, a chain that ended non-finite.
/// </summary>
internal static class SamplingChecks
{
    /// <summary>Split R-hat above this warns (Vehtari et al. 2021).</summary>
    public const double MaxRHat = 1.01;

    /// <summary>Bulk or tail ESS below this many per chain warns (Stan: 100 per chain).</summary>
    public const int MinEssPerChain = 100;

    /// <summary>E-BFMI below this warns (CmdStan's diagnose).</summary>
    public const double MinEnergyBfmi = 0.3;

    /// <summary>What a finished run holds, on the host; null where the run has none.</summary>
    public sealed record Evidence
    {
        /// <summary>Number of chains.</summary>
        public required int Chains { get; init; }

        /// <summary>Kept draws (kept, chains, dims), for R-hat and ESS (needs kept &gt;= <see cref="ChainStatistics.MinDraws"/>).</summary>
        public float[,,]? Draws { get; init; }

        /// <summary>0-based index of the first dimension in <see cref="Draws"/> (the CLI may check a slice).</summary>
        public int FirstDim { get; init; }

        /// <summary>Transitions per chain after warm-up (Metropolis samplers).</summary>
        public int Transitions { get; init; }

        /// <summary>Accepted fraction per chain (Metropolis samplers).</summary>
        public float[]? AcceptanceRate { get; init; }

        /// <summary>Divergent transitions per chain after warm-up (Metropolis samplers).</summary>
        public float[]? DivergencesPerChain { get; init; }

        /// <summary>Per-draw Hamiltonian (kept, chains), Stan's energy__, for E-BFMI.</summary>
        public float[,]? Energy { get; init; }

        /// <summary>Chains whose energy at the end of warm-up was far above the ensemble's (<see cref="ChainInfo.StrandedChains"/>).</summary>
        public IReadOnlyList<int> StrandedChains { get; init; } = [];

        /// <summary>Per-draw NUTS tree depth (kept, chains).</summary>
        public float[,]? TreeDepth { get; init; }

        /// <summary>The NUTS sampler's maximum tree depth, needed with <see cref="TreeDepth"/>.</summary>
        public int? MaxTreeDepth { get; init; }

        /// <summary>Chains whose final state has a NaN or infinite coordinate.</summary>
        public int NonFiniteChains { get; init; }
    }

    /// <summary>Every warning the evidence supports, in the order of <see cref="SamplingWarningKind"/>; empty when none.</summary>
    public static List<SamplingWarning> Warnings(Evidence run)
    {
        var warnings = new List<SamplingWarning>();
        if (run.Draws is float[,,] draws && draws.GetLength(0) >= ChainStatistics.MinDraws && draws.GetLength(2) > 0)
        {
            double minEss = (double)MinEssPerChain * draws.GetLength(1);
            AddWorst(warnings, SamplingWarningKind.HighRHat, ChainStatistics.SplitRHat(draws), run.FirstDim, v => v > MaxRHat, higherIsWorse: true,
                (name, v, count) => $"split R-hat {RHat(v)} > {Number(MaxRHat)} for {name}{Others(count, "above")}: the chains have not mixed " +
                                    "(they, or their first and second halves, disagree); run longer, or look for chains stuck in different modes.");
            AddWorst(warnings, SamplingWarningKind.LowBulkEss, ChainStatistics.EffectiveSampleSize(draws), run.FirstDim, v => v < minEss, higherIsWorse: false,
                (name, v, count) => $"bulk ESS {Number(v)} < {Number(minEss)} ({MinEssPerChain} per chain) for {name}{Others(count, "below")}: " +
                                    "means and medians are unreliable; run more steps.");
            AddWorst(warnings, SamplingWarningKind.LowTailEss, ChainStatistics.TailEffectiveSampleSize(draws), run.FirstDim, v => v < minEss, higherIsWorse: false,
                (name, v, count) => $"tail ESS {Number(v)} < {Number(minEss)} ({MinEssPerChain} per chain) for {name}{Others(count, "below")}: " +
                                    "intervals and tail quantiles are unreliable; run more steps.");
        }
        if (run.DivergencesPerChain is float[] divergences && divergences.Sum(d => (double)d) is double diverged and > 0)
            warnings.Add(new(SamplingWarningKind.Divergences,
                $"{Number(diverged)} of {Number((double)run.Transitions * run.Chains)} transitions after warm-up diverged (in " +
                $"{divergences.Count(d => d > 0)} of {run.Chains} chains): the draws may be biased; lower the step size (or raise " +
                "TargetAcceptance with a warm-up) or reparameterise the model."));
        if (run.Energy is float[,] energy && energy.GetLength(0) >= 2 && energy.GetLength(1) > 0)
        {
            float[] bfmi = ChainStatistics.EnergyBfmi(energy);
            int[] low = [.. Enumerable.Range(0, bfmi.Length).Where(c => bfmi[c] < MinEnergyBfmi)];
            if (low.Length > 0)
            {
                int worst = low.MinBy(c => bfmi[c]);
                warnings.Add(new(SamplingWarningKind.LowEnergyBfmi,
                    $"E-BFMI < {Number(MinEnergyBfmi)} in {low.Length} of {bfmi.Length} chains (lowest {Number(bfmi[worst])}, chain {worst}): " +
                    "momentum resampling explores the energy poorly; the posterior may have heavy tails: reparameterise, or adapt the mass matrix."));
            }
        }
        if (run.TreeDepth is float[,] depth && run.MaxTreeDepth is int maxDepth)
        {
            long saturated = depth.Cast<float>().LongCount(d => d >= maxDepth);
            if (saturated > 0)
                warnings.Add(new(SamplingWarningKind.TreeDepthSaturated,
                    $"{saturated} of {depth.Length} transitions stopped at the maximum tree depth {maxDepth}: an efficiency problem " +
                    "(trajectories cut short); raise maxTreeDepth or adapt the mass matrix."));
        }
        if (run.AcceptanceRate is float[] acceptance && run.Transitions > 0 && acceptance.Count(a => a == 0) is int stuck and > 0)
            warnings.Add(new(SamplingWarningKind.NeverAccepted,
                $"{stuck} of {acceptance.Length} chains accepted none of their {run.Transitions} proposals: they never moved; lower the step size " +
                "(or give a warm-up to adapt it)."));
        if (run.StrandedChains.Count > 0)
            warnings.Add(new(SamplingWarningKind.StrandedChains,
                $"{run.StrandedChains.Count} of {run.Chains} chains (chain {string.Join(", ", run.StrandedChains.Take(5))}" +
                $"{(run.StrandedChains.Count > 5 ? ", ..." : "")}) ended warm-up with an energy far above the others': stuck in a minor mode " +
                "or far in the tails, their draws do not represent the target the others sample; run a longer warm-up, or drop them."));
        if (run.NonFiniteChains > 0)
            warnings.Add(new(SamplingWarningKind.NonFiniteChains,
                $"{run.NonFiniteChains} of {run.Chains} chains ended with a NaN or infinite coordinate: the step size may be too large for this energy."));
        return warnings;
    }

    /// <summary>One warning for the parameters whose value fails <paramref name="bad"/>, naming the worst (NaN never fails).</summary>
    private static void AddWorst(List<SamplingWarning> warnings, SamplingWarningKind kind, float[] values, int firstDim, Func<double, bool> bad,
        bool higherIsWorse, Func<string, double, int, string> message)
    {
        int[] failing = [.. Enumerable.Range(0, values.Length).Where(j => !float.IsNaN(values[j]) && bad(values[j]))];
        if (failing.Length == 0) return;
        int worst = higherIsWorse ? failing.MaxBy(j => values[j]) : failing.MinBy(j => values[j]);
        warnings.Add(new(kind, message($"x{firstDim + worst + 1}", values[worst], failing.Length), firstDim + worst));
    }

    private static string Others(int count, string side) => count > 1 ? $" (the worst of {count} parameters {side})" : "";

    /// <summary>An R-hat to five significant digits (1.0104 must not read as the threshold 1.01).</summary>
    private static string RHat(double value) => value.ToString("G5", CultureInfo.InvariantCulture);

    /// <summary>A number to three significant digits (integers in full), invariant culture.</summary>
    private static string Number(double value) =>
        double.IsFinite(value) && Math.Abs(value) >= 1000 ? value.ToString("F0", CultureInfo.InvariantCulture) : value.ToString("G3", CultureInfo.InvariantCulture);
}
