namespace TorchEbm.Samplers;

/// <summary>
/// Inverse-temperature ladders of <see cref="ParallelTempering"/>: the geometric default and the warm-up update towards
/// equal swap rates (Syed, Bouchard-Cote, Deligiannidis and Doucet 2021, arXiv 1905.02939, section 5).
/// </summary>
internal static class TemperatureLadder
{
    /// <summary>beta_k = (1 / maxTemperature)^(k / (R - 1)), k = 0 .. R - 1: a constant ratio between neighbours, which
    /// gives a Gaussian target equal swap rates in every pair.</summary>
    public static float[] Geometric(int replicas, float maxTemperature) =>
        Enumerable.Range(0, replicas)
            .Select(k => k == 0 ? 1f : (float)Math.Pow(maxTemperature, -(double)k / (replicas - 1)))
            .ToArray();

    /// <summary>Smallest rejection rate a pair counts with: keeps the estimated barrier strictly increasing, so the new
    /// levels stay distinct when some pairs never reject.</summary>
    internal const double MinRejection = 1e-3;

    /// <summary>
    /// Syed et al.'s round-trip-optimal update: with r_k the estimated rejection rate of the pair (k, k + 1), the
    /// communication barrier Lambda at level k is sum_{i &lt; k} r_i; the new level i sits where Lambda reaches
    /// i Lambda_total / (R - 1), so every pair gets the same rejection rate Lambda_total / (R - 1), the schedule that
    /// maximises round trips. Lambda is interpolated piecewise linearly in log beta between the old levels (monotone, as
    /// the paper's interpolation; log beta because the default ladder is uniform there). beta_0 = 1 and the last level stay.
    /// </summary>
    /// <param name="ladder">The current inverse temperatures, strictly decreasing from 1.</param>
    /// <param name="rejection">Estimated rejection rate 1 - E[min(1, alpha)] of each neighbour pair (R - 1 values); NaN
    /// (never estimated) counts as the mean of the others, or 1.</param>
    /// <returns>The new ladder, strictly decreasing, with the same end points.</returns>
    public static float[] Equalize(float[] ladder, double[] rejection)
    {
        int levels = ladder.Length;
        if (rejection.Length != levels - 1) throw new ArgumentException($"Expected {levels - 1} rejection rates, got {rejection.Length}.", nameof(rejection));
        double[] finite = rejection.Where(double.IsFinite).ToArray();
        double fallback = finite.Length > 0 ? finite.Average() : 1.0;
        var barrier = new double[levels];
        for (int k = 0; k + 1 < levels; k++)
            barrier[k + 1] = barrier[k] + Math.Max(MinRejection, double.IsFinite(rejection[k]) ? rejection[k] : fallback);
        double total = barrier[levels - 1];
        var updated = new float[levels];
        updated[0] = ladder[0];
        updated[levels - 1] = ladder[levels - 1];
        int segment = 0;
        for (int i = 1; i + 1 < levels; i++)
        {
            double target = total * i / (levels - 1);
            while (segment + 2 < levels && barrier[segment + 1] < target) segment++;
            double t = (target - barrier[segment]) / (barrier[segment + 1] - barrier[segment]);
            double logBeta = Math.Log(ladder[segment]) + t * (Math.Log(ladder[segment + 1]) - Math.Log(ladder[segment]));
            updated[i] = (float)Math.Exp(logBeta);
        }
        return updated;
    }
}
