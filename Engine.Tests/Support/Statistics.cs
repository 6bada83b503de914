using MathNet.Numerics.Distributions;

namespace TorchEbm.Tests.Support;

/// <summary>Host-side statistics in float64 for the statistical tests (thresholds from DESIGN.md).</summary>
public static class Statistics
{
    /// <summary>Reject at alpha = 0.01: sqrt(n) * D above this (asymptotic Kolmogorov distribution).</summary>
    public const double KsCritical01 = 1.628;

    /// <summary>Two-sided z critical value at alpha = 0.01.</summary>
    public const double ZCritical01 = 2.5758;

    public static double Mean(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float v in x) sum += v;
        return sum / x.Length;
    }

    /// <summary>Unbiased sample variance.</summary>
    public static double Variance(ReadOnlySpan<float> x)
    {
        double mean = Mean(x), sum = 0;
        foreach (float v in x) sum += (v - mean) * (v - mean);
        return sum / (x.Length - 1);
    }

    /// <summary>Kolmogorov-Smirnov statistic sqrt(n) * sup |F_n - F| against a continuous CDF.</summary>
    public static double KsStatistic(float[] sample, Func<double, double> cdf)
    {
        double[] sorted = sample.Select(v => (double)v).Order().ToArray();
        int n = sorted.Length;
        double d = 0;
        for (int i = 0; i < n; i++)
        {
            double f = cdf(sorted[i]);
            d = Math.Max(d, Math.Max(f - (double)i / n, (double)(i + 1) / n - f));
        }
        return Math.Sqrt(n) * d;
    }

    public static double StandardNormalCdf(double x) => Normal.CDF(0, 1, x);
}
