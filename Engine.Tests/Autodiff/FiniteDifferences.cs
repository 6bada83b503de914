namespace TorchEbm.Tests.Autodiff;

/// <summary>Central finite differences of float64 host functions: the reference every autodiff gradient is checked against.</summary>
public static class FiniteDifferences
{
    /// <summary>d f / d x_i for the listed indices (all when null), step h relative to max(1, |x_i|).</summary>
    public static double[] Gradient(Func<double[], double> f, double[] x, IReadOnlyList<int>? indices = null, double h = 1e-6)
    {
        indices ??= Enumerable.Range(0, x.Length).ToArray();
        var g = new double[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            int i = indices[k];
            double saved = x[i], step = h * Math.Max(1, Math.Abs(saved));
            x[i] = saved + step;
            double plus = f(x);
            x[i] = saved - step;
            double minus = f(x);
            x[i] = saved;
            g[k] = (plus - minus) / (2 * step);
        }
        return g;
    }

    /// <summary>||actual - expected|| / max(||expected||, floor): the norm-wise relative error.</summary>
    public static double RelativeError(IReadOnlyList<float> actual, IReadOnlyList<double> expected, double floor = 1e-6)
    {
        double diff = 0, size = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            size += expected[i] * expected[i];
        }
        return Math.Sqrt(diff) / Math.Max(Math.Sqrt(size), floor);
    }
}
