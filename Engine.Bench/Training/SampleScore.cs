using TorchEbm.Datasets;
using TorchEbm.Diagnostics;

namespace TorchEbm.Bench.Training;

/// <summary>
/// How close 1000 model samples are to a synthetic data set: the fraction within 0.1 of a fresh 5000-point draw, and
/// MMD^2 (median-heuristic bandwidth) to held-out data beside the data's own noise band: the 95th percentile of the same
/// estimator, at the same bandwidth, between two independent draws of the data of the same size, over <see cref="NullDraws"/>
/// pairs (the statistic's distribution when the samples are a fresh draw of the data). The draws' seeds are those of the
/// tests' SampleQuality, so a sweep's figures and a test's agree.
/// </summary>
public static class SampleScore
{
    public const int ReferenceRows = 5000, NullDraws = 100;

    /// <summary>Near fraction, MMD^2 and band of <paramref name="samples"/> against <paramref name="dataset"/>.</summary>
    public static (double Near, float Mmd, double Band) Of(Tensor samples, string dataset)
    {
        Device device = samples.Device;
        int n = samples.Dim(0);
        using Tensor reference = SyntheticDatasets.Create(dataset, device, ReferenceRows, 1_000_003);
        using Tensor heldOut = SyntheticDatasets.Create(dataset, device, n, 2_000_003);
        float bandwidth = Mmd.MedianBandwidth(samples, heldOut);
        var nulls = new double[NullDraws];
        for (int j = 0; j < NullDraws; j++)
        {
            using Tensor a = SyntheticDatasets.Create(dataset, device, n, 3_000_003 + 2 * j);
            using Tensor b = SyntheticDatasets.Create(dataset, device, n, 3_000_004 + 2 * j);
            nulls[j] = Mmd.Unbiased(a, b, bandwidth);
        }
        return (NearFraction(samples.ToArray2D(), reference.ToArray2D()), Mmd.Unbiased(samples, heldOut, bandwidth), Percentile95(nulls));
    }

    /// <summary>The 95th percentile of <paramref name="values"/> (nearest rank: the 95th smallest of 100).</summary>
    public static double Percentile95(double[] values)
    {
        double[] sorted = [.. values.Order()];
        return sorted[(int)Math.Ceiling(0.95 * sorted.Length) - 1];
    }

    /// <summary>Fraction of the rows of <paramref name="samples"/> within 0.1 of a row of <paramref name="reference"/>.</summary>
    public static double NearFraction(float[,] samples, float[,] reference)
    {
        int hits = 0;
        for (int i = 0; i < samples.GetLength(0); i++)
        {
            float x = samples[i, 0], y = samples[i, 1];
            for (int j = 0; j < reference.GetLength(0); j++)
            {
                float dx = x - reference[j, 0], dy = y - reference[j, 1];
                if (dx * dx + dy * dy <= 0.01f) { hits++; break; }
            }
        }
        return hits / (double)samples.GetLength(0);
    }
}
