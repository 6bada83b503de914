using TorchEbm.Diagnostics;

namespace TorchEbm.Tests.Posteriors;

/// <summary>Compares a run's draws with a posteriordb reference, quantity by quantity.</summary>
public static class PosteriorComparison
{
    /// <summary>
    /// Every reference quantity compared. MCSE of the mean: sd / sqrt(ESS of the draws); MCSE of the sd: the delta method
    /// on the variance, sqrt((m4 - var^2) / ESS of the squared centred draws) / (2 sd). Both ESS are Stan's split-chain
    /// estimates on the raw values (as posterior::ess_mean); tools/posteriordb/extract.py gives the reference the same
    /// MCSEs (its ESS omits only Stan's antithetic end term, immaterial for its near-independent draws).
    /// </summary>
    public static IReadOnlyList<QuantityComparison> Compare(PosteriorRun run, ReferencePosterior reference)
    {
        var result = new List<QuantityComparison>();
        int draws = run.Draws.GetLength(0), chains = run.Draws.GetLength(1);
        float[] bulk = ChainStatistics.EffectiveSampleSize(run.Draws), rHat = ChainStatistics.SplitRHat(run.Draws);
        foreach (ReferenceQuantity r in reference.Quantities)
        {
            int k = IndexOf(run.Quantities, r.Name);
            var values = new double[chains][];
            for (int c = 0; c < chains; c++)
            {
                values[c] = new double[draws];
                for (int t = 0; t < draws; t++) values[c][t] = run.Draws[t, c, k];
            }
            double n = (double)draws * chains, mean = values.Sum(v => v.Sum()) / n;
            double variance = values.Sum(v => v.Sum(x => (x - mean) * (x - mean))) / (n - 1), sd = Math.Sqrt(variance);
            double m4 = values.Sum(v => v.Sum(x => Math.Pow(x - mean, 4))) / n;
            double essMean = Ess(values), essSquare = Ess([.. values.Select(v => v.Select(x => (x - mean) * (x - mean)).ToArray())]);
            double mcseSd = Math.Sqrt(Math.Max(m4 - variance * variance, 0) / essSquare) / (2 * sd);
            result.Add(new QuantityComparison(r.Name, mean, sd / Math.Sqrt(essMean), sd, mcseSd, r, bulk[k], rHat[k]));
        }
        return result;
    }

    /// <summary>Stan's ESS of split chains without rank normalisation (NaN when a chain is constant, as a stuck chain's draws).</summary>
    private static double Ess(double[][] chains) => SplitChains.Ess(SplitChains.Split(chains));

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
            if (names[i] == name) return i;
        throw new KeyNotFoundException($"The model has no quantity '{name}' of the reference draws.");
    }
}
