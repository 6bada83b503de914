using TorchEbm.Datasets;

namespace TorchEbm.Tests.Support;

/// <summary>
/// How close a model's samples are to a synthetic data set, judged against the data set itself: the fraction of samples
/// within 0.1 of a fresh 5000-point draw, and MMD^2 to held-out data beside the spread of MMD^2 between independent draws
/// of the data (the estimator's own noise: a perfect sampler scores one of those).
/// </summary>
internal static class SampleQuality
{
    /// <summary>Points of the fresh draw that stands for the data set's support (the 0.1-discs of 5000 points cover it).</summary>
    public const int ReferenceRows = 5000;

    /// <summary>Independent draws of the data the noise band is estimated from.</summary>
    public const int NullDraws = 100;

    /// <summary>Fraction of the rows of <paramref name="samples"/> within <paramref name="radius"/> of a point of a fresh draw of <paramref name="dataset"/>.</summary>
    public static double NearFraction(Tensor samples, string dataset, float radius = 0.1f)
    {
        using Tensor reference = SyntheticDatasets.Create(dataset, samples.Device, ReferenceRows, seed: 1_000_003);
        float[] r = reference.ToArray(), s = samples.ToArray();
        int hits = 0, n = s.Length / 2;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < ReferenceRows; j++)
            {
                float dx = s[2 * i] - r[2 * j], dy = s[2 * i + 1] - r[2 * j + 1];
                if (dx * dx + dy * dy <= radius * radius) { hits++; break; }
            }
        return hits / (double)n;
    }

    /// <summary>
    /// MMD^2 (at <paramref name="bandwidth"/>, by default the median heuristic's) between <paramref name="samples"/> and
    /// held-out data of the same size, beside the data's own noise band: the 95th percentile of the same estimator, at the
    /// same bandwidth, between two independent draws of the data of that size, over <see cref="NullDraws"/> pairs. That is
    /// the statistic's distribution when the samples are a fresh draw of the data: a perfect sampler scores inside the band
    /// 95% of the time.
    /// </summary>
    public static MmdBand Mmd(Tensor samples, string dataset, float? bandwidth = null)
    {
        int n = samples.Dim(0);
        using Tensor heldOut = SyntheticDatasets.Create(dataset, samples.Device, n, seed: 2_000_003);
        float s = bandwidth ?? global::TorchEbm.Diagnostics.Mmd.MedianBandwidth(samples, heldOut);
        var nulls = new double[NullDraws];
        for (int i = 0; i < NullDraws; i++)
        {
            using Tensor a = SyntheticDatasets.Create(dataset, samples.Device, n, seed: 3_000_003 + 2 * i);
            using Tensor b = SyntheticDatasets.Create(dataset, samples.Device, n, seed: 3_000_004 + 2 * i);
            nulls[i] = global::TorchEbm.Diagnostics.Mmd.Unbiased(a, b, s);
        }
        Array.Sort(nulls);
        double band = nulls[(int)Math.Ceiling(0.95 * NullDraws) - 1]; // nearest rank: the 95th smallest of 100
        return new MmdBand(s, global::TorchEbm.Diagnostics.Mmd.Unbiased(samples, heldOut, s), band);
    }
}

/// <summary>MMD^2 of samples to held-out data at one bandwidth, and the data's own noise band there.</summary>
/// <param name="Bandwidth">The Gaussian kernel's width.</param>
/// <param name="Model">MMD^2(samples, held-out data).</param>
/// <param name="Band">The 95th percentile of MMD^2 between two independent draws of the data.</param>
internal sealed record MmdBand(float Bandwidth, double Model, double Band)
{
    /// <summary>Whether the samples score inside the band.</summary>
    public bool Within => Model <= Band;
}
