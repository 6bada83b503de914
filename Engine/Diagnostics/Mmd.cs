using ILGPU.Runtime;
using TorchEbm.Metrics;
using TorchEbm.Reductions;

namespace TorchEbm.Diagnostics;

/// <summary>
/// The maximum mean discrepancy between two samples with a Gaussian kernel k(a, b) = exp(-|a - b|^2 / (2 s^2)):
/// the unbiased estimate MMD^2 = mean_{i != j} k(x_i, x_j) + mean_{i != j} k(y_i, y_j) - 2 mean_{i, j} k(x_i, y_j)
/// (Gretton et al., 2012). It can be slightly negative when the samples come from the same law.
/// </summary>
public static class Mmd
{
    /// <summary>Rows of each sample the median heuristic looks at (the first ones): its cost grows with the square.</summary>
    public const int BandwidthRows = 500;

    /// <summary>Unbiased MMD^2 between <paramref name="x"/> (n, d) and <paramref name="y"/> (m, d), n, m &gt;= 2.</summary>
    /// <param name="x">The first sample.</param>
    /// <param name="y">The second sample, on the same device.</param>
    /// <param name="bandwidth">Kernel width s; null uses the median heuristic (<see cref="MedianBandwidth"/>).</param>
    /// <exception cref="ArgumentException">Shapes or devices differ, or a sample has fewer than two rows.</exception>
    public static float Unbiased(Tensor x, Tensor y, float? bandwidth = null)
    {
        ValidatePair(x, y);
        float s = bandwidth ?? MedianBandwidth(x, y);
        Check.PositiveFinite(s, nameof(bandwidth));
        float gamma = 1f / (2f * s * s);
        int n = x.Dim(0), m = y.Dim(0);
        double xx = KernelSum(x, x, gamma, true) / ((double)n * (n - 1));
        double yy = KernelSum(y, y, gamma, true) / ((double)m * (m - 1));
        double xy = KernelSum(x, y, gamma, false) / ((double)n * m);
        return (float)(xx + yy - 2 * xy);
    }

    /// <summary>
    /// The median heuristic: s = the median distance between distinct points of the first
    /// <see cref="BandwidthRows"/> rows of each sample pooled together (distances on the device, the median on the host).
    /// </summary>
    public static float MedianBandwidth(Tensor x, Tensor y)
    {
        ValidatePair(x, y);
        int d = x.Dim(1), nx = Math.Min(x.Dim(0), BandwidthRows), ny = Math.Min(y.Dim(0), BandwidthRows), p = nx + ny;
        using Tensor pooled = x.Device.Allocate([p, d]);
        x.View.SubView(0, nx * d).CopyTo(pooled.View.SubView(0, nx * d));
        y.View.SubView(0, ny * d).CopyTo(pooled.View.SubView(nx * d, ny * d));
        using Tensor distances = x.Device.Allocate([p * p]);
        x.Device.Launch(MmdKernels.SquaredDistances, p, pooled.View, distances.View, d);
        float[] all = distances.ToArray();
        var offDiagonal = new List<float>(p * (p - 1) / 2);
        for (int i = 0; i < p; i++)
        for (int j = i + 1; j < p; j++)
            offDiagonal.Add(all[i * p + j]);
        offDiagonal.Sort();
        float median = MathF.Sqrt(offDiagonal[offDiagonal.Count / 2]);
        return median > 0f ? median : 1f; // all points equal: any width gives MMD 0
    }

    private static double KernelSum(Tensor a, Tensor b, float gamma, bool same)
    {
        using Tensor rows = a.Device.Allocate([a.Dim(0)]);
        a.Device.Launch(MmdKernels.RowSums, a.Dim(0), a.View, b.View, rows.View, a.Dim(1), gamma, same ? 1 : 0);
        using Tensor total = Reduce.Sum(rows);
        return total.ToArray()[0];
    }

    private static void ValidatePair(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        Check.Batch(x, x.Device, nameof(x));
        Check.Batch(y, x.Device, nameof(y));
        if (x.Dim(1) != y.Dim(1))
            throw new ArgumentException($"x has shape {Shapes.Format(x.Shape)} and y {Shapes.Format(y.Shape)}: the dimensions differ.", nameof(y));
        if (x.Dim(0) < 2 || y.Dim(0) < 2)
            throw new ArgumentException($"Each sample needs at least two rows, got {Shapes.Format(x.Shape)} and {Shapes.Format(y.Shape)}.");
    }
}
