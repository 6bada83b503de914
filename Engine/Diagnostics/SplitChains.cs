using System.Numerics;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.IntegralTransforms;

namespace TorchEbm.Diagnostics;

/// <summary>
/// The float64 arithmetic behind <see cref="ChainStatistics"/> for one dimension: split chains, rank normalisation,
/// folding, classic split R-hat and Geyer's initial-monotone-sequence ESS, as in Vehtari et al. (2021) and the
/// reference implementation of its authors (the R package posterior; Stan and ArviZ compute the same).
/// </summary>
internal static class SplitChains
{
    /// <summary>
    /// Splits each of the n chains (draws[c][t], t &lt; kept) into its first and last kept / 2 draws (the middle draw is
    /// dropped when kept is odd): 2n half-chains, chain c's halves at 2c and 2c + 1.
    /// </summary>
    public static double[][] Split(double[][] draws)
    {
        int kept = draws[0].Length, half = kept / 2;
        var halves = new double[2 * draws.Length][];
        for (int c = 0; c < draws.Length; c++)
        {
            halves[2 * c] = draws[c][..half];
            halves[2 * c + 1] = draws[c][(kept - half)..];
        }
        return halves;
    }

    /// <summary>|x - median| with the median of all draws pooled (the mean of the two middle values for an even count).</summary>
    public static double[][] Fold(double[][] draws)
    {
        double[] pooled = [.. draws.SelectMany(chain => chain)];
        Array.Sort(pooled);
        int s = pooled.Length;
        double median = s % 2 == 1 ? pooled[s / 2] : 0.5 * (pooled[s / 2 - 1] + pooled[s / 2]);
        return [.. draws.Select(chain => chain.Select(x => Math.Abs(x - median)).ToArray())];
    }

    /// <summary>
    /// Rank normalisation: r = the rank of each draw among all S draws pooled (1-based; ties get their average rank),
    /// z = Phi^-1((r - 3/8) / (S + 1/4)) (Blom's offset).
    /// </summary>
    public static double[][] RankNormalize(double[][] chains)
    {
        int m = chains.Length, n = chains[0].Length, s = m * n;
        var values = new double[s];
        var index = new int[s];
        for (int i = 0; i < s; i++)
        {
            values[i] = chains[i / n][i % n];
            index[i] = i;
        }
        Array.Sort(values, index);
        var z = new double[m][];
        for (int c = 0; c < m; c++) z[c] = new double[n];
        for (int first = 0; first < s;)
        {
            int end = first + 1;
            while (end < s && values[end] == values[first]) end++;
            double rank = 0.5 * (first + 1 + end); // average of the 1-based ranks first + 1 .. end
            double value = Normal.InvCDF(0, 1, (rank - 0.375) / (s + 0.25));
            for (int k = first; k < end; k++) z[index[k] / n][index[k] % n] = value;
            first = end;
        }
        return z;
    }

    /// <summary>
    /// R's default (type 7) quantile of all draws pooled (<paramref name="sorted"/>: <see cref="Sorted"/>): with the draws sorted, h = (S - 1) p, q = (1 - f) x_lo + f x_hi
    /// for lo = floor(h), hi = ceil(h), f = h - lo (written as R writes it, so the threshold rounds as posterior's does).
    /// </summary>
    public static double Quantile(double[] sorted, double p)
    {
        double index = (sorted.Length - 1) * p;
        int lo = (int)Math.Floor(index), hi = (int)Math.Ceiling(index);
        double q = sorted[lo];
        if (index > lo && sorted[hi] != q) q = (1 - (index - lo)) * q + (index - lo) * sorted[hi];
        return q;
    }

    /// <summary>All draws pooled, in ascending order.</summary>
    public static double[] Sorted(double[][] chains)
    {
        double[] sorted = [.. chains.SelectMany(chain => chain)];
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary>The indicator draws 1{x &lt;= threshold} (posterior's <c>x &lt;= quantile(x, p)</c>).</summary>
    public static double[][] AtMost(double[][] chains, double threshold) =>
        [.. chains.Select(chain => chain.Select(x => x <= threshold ? 1.0 : 0.0).ToArray())];

    /// <summary>The sample standard deviation (denominator S - 1) of all draws pooled.</summary>
    public static double StandardDeviation(double[][] chains) => Math.Sqrt(Variance([.. chains.SelectMany(chain => chain)]));

    /// <summary>Whether any draw is NaN or infinite.</summary>
    public static bool AnyNonFinite(double[][] chains) => chains.Any(chain => chain.Any(x => !double.IsFinite(x)));

    /// <summary>
    /// Whether the draws are constant: max - min below the float64 machine epsilon (2.2e-16), posterior's
    /// <c>is_constant</c>, so that rounding in a transform of equal values still counts as equal.
    /// </summary>
    public static bool AllEqual(double[][] chains)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double[] chain in chains)
            foreach (double x in chain)
            {
                min = Math.Min(min, x);
                max = Math.Max(max, x);
            }
        return Math.Abs(max - min) < MachineEpsilon;
    }

    /// <summary>The float64 machine epsilon 2^-52 (R's .Machine$double.eps; not <see cref="double.Epsilon"/>).</summary>
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>Whether every draw of <paramref name="chain"/> equals its first exactly.</summary>
    private static bool IsConstant(double[] chain) => Array.TrueForAll(chain, x => x == chain[0]);

    /// <summary>
    /// Classic R-hat of M chains of N draws: B = N var(chain means), W = mean(chain variances) (both with M - 1 and
    /// N - 1 denominators), var+ = (N - 1) / N W + B / N, R-hat = sqrt(var+ / W). NaN when all draws are equal,
    /// +infinity when every chain is constant but they differ (W = 0: a sum of rounded squares would give ~1e15 instead).
    /// </summary>
    public static double RHat(double[][] chains)
    {
        if (AllEqual(chains)) return double.NaN;
        if (Array.TrueForAll(chains, IsConstant)) return double.PositiveInfinity;
        int m = chains.Length, n = chains[0].Length;
        var means = new double[m];
        double w = 0;
        for (int c = 0; c < m; c++)
        {
            means[c] = chains[c].Average();
            w += SumOfSquares(chains[c], means[c]) / (n - 1);
        }
        w /= m;
        double b = n * Variance(means);
        return Math.Sqrt((b / w + n - 1) / n);
    }

    /// <summary>
    /// ESS of M chains of N draws (Stan's estimator as posterior writes it): per-chain autocovariances acov_c(t) =
    /// (1/N) sum_i (x_i - mean)(x_{i+t} - mean) by FFT; W = mean_c acov_c(0) N / (N - 1); var+ = (N - 1) / N W + var(chain means);
    /// rho_t = 1 - (W - mean_c acov_c(t)) / var+. Geyer's initial positive sequence: pairs rho_t + rho_t+1 (t even) are
    /// taken while positive (lags below N - 2), then made monotone (each pair at most the previous); with T the even lag
    /// of the last pair looked at, tau = -1 + 2 sum_{t &lt; T} rho_t + rho_T (rho_T is 0 when its pair was negative and it is
    /// not positive: the antithetic correction); tau &gt;= 1 / log10(M N); ESS = M N / tau. NaN when all draws are equal
    /// or N &lt; 3 (posterior's <c>.ess</c>). With N &lt; 6 no pair is looked at (T = 0) and posterior's
    /// <c>sum(rho[1:max_t])</c> reads R's 1:0 as rho_0, so tau = -1 + 2 rho_0 + rho_0 = 2 and ESS = M N / 2: written the
    /// same here so that short runs report what Stan's tools report (a bare T = 0 sum gives tau = 0, clamped: M N log10(M N)).
    /// </summary>
    public static double Ess(double[][] chains)
    {
        int m = chains.Length, n = chains[0].Length;
        if (n < 3 || AllEqual(chains)) return double.NaN;
        var acov = new double[m][];
        var means = new double[m];
        double meanVar = 0;
        for (int c = 0; c < m; c++)
        {
            means[c] = chains[c].Average();
            acov[c] = Autocovariance(chains[c], means[c]);
            meanVar += acov[c][0];
        }
        meanVar = meanVar / m * n / (n - 1);
        double varPlus = meanVar * (n - 1) / n;
        if (m > 1) varPlus += Variance(means);

        double Rho(int lag)
        {
            double sum = 0;
            for (int c = 0; c < m; c++) sum += acov[c][lag];
            return 1 - (meanVar - sum / m) / varPlus;
        }

        var rho = new double[n];
        double even = 1, odd = Rho(1);
        rho[0] = even;
        rho[1] = odd;
        int t = 0; // the even lag of the last pair looked at
        while (t < n - 5 && even + odd > 0)
        {
            t += 2;
            even = Rho(t);
            odd = Rho(t + 1);
            if (even + odd >= 0)
            {
                rho[t] = even;
                rho[t + 1] = odd;
            }
        }
        int maxT = t;
        if (even > 0) rho[maxT] = even; // the antithetic correction term

        for (int u = 2; u <= maxT - 2; u += 2) // initial monotone sequence
        {
            double previous = rho[u - 2] + rho[u - 1];
            if (rho[u] + rho[u + 1] > previous) rho[u] = rho[u + 1] = previous / 2;
        }

        double sumPairs = maxT == 0 ? rho[0] : 0; // R's rho[1:0] is rho[1] (1-based): see the summary
        for (int k = 0; k < maxT; k++) sumPairs += rho[k];
        double total = (double)m * n;
        double tau = Math.Max(-1 + 2 * sumPairs + rho[maxT], 1 / Math.Log10(total));
        return total / tau;
    }

    /// <summary>acov(t) = (1/N) sum_{i &lt; N - t} (x_i - mean)(x_{i+t} - mean), t = 0 .. N - 1, by a zero-padded FFT.</summary>
    private static double[] Autocovariance(double[] x, double mean)
    {
        if (IsConstant(x)) return new double[x.Length]; // posterior: zeros (a rounded mean would leave ~1e-32 noise)
        int n = x.Length, size = 1;
        while (size < 2 * n) size <<= 1; // no circular wrap-around
        var buffer = new Complex[size];
        for (int i = 0; i < n; i++) buffer[i] = new Complex(x[i] - mean, 0);
        Fourier.Forward(buffer, FourierOptions.NoScaling);
        for (int i = 0; i < size; i++) buffer[i] = new Complex(buffer[i].Real * buffer[i].Real + buffer[i].Imaginary * buffer[i].Imaginary, 0);
        Fourier.Inverse(buffer, FourierOptions.NoScaling);
        var acov = new double[n];
        for (int t = 0; t < n; t++) acov[t] = buffer[t].Real / size / n;
        return acov;
    }

    private static double SumOfSquares(double[] x, double mean)
    {
        double sum = 0;
        foreach (double v in x) sum += (v - mean) * (v - mean);
        return sum;
    }

    private static double Variance(double[] x) => SumOfSquares(x, x.Average()) / (x.Length - 1);
}
